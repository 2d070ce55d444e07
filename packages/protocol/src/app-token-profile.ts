import type { ErrorCode } from './error-codes.js';
import type { TokenFailureReason } from './token-failure-reasons.js';

/**
 * The fixed parts of the app-token JWS profile (protocol §3), shared by every verifier: the
 * shield's (node:crypto) and `@portcullis/verify` (Web Crypto).
 */

/** The only JWS algorithms an app token may use (protocol §3). */
export const TOKEN_ALGORITHMS = ['ES256', 'EdDSA'] as const;
export type TokenAlgorithm = (typeof TOKEN_ALGORITHMS)[number];

/**
 * What a kid may look like: short, and only characters that cannot steer a path, query or shell
 * (the kid only ever indexes an in-memory map, and this keeps it that way if someone logs it).
 * RFC 7638 thumbprints (43 base64url characters) fit.
 */
export const KID_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;

/** Longest token accepted, checked before any decoding (threats C-26). */
export const MAX_TOKEN_LENGTH = 4096;

/** Both ES256 (IEEE P1363 r||s) and Ed25519 signatures are exactly 64 bytes. */
export const JWS_SIGNATURE_BYTES = 64;

/** The client-facing code of a token refusal: `token_expired` for an expired token, else `token_invalid`. */
export function tokenFailureCode(reason: TokenFailureReason): ErrorCode {
  return reason === 'token_expired' ? 'token_expired' : 'token_invalid';
}
