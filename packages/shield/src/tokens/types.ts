import type { KeyObject } from 'node:crypto';
import type { TokenAlgorithm } from '@portcullis/protocol/verification';

// The profile's constants live in @portcullis/protocol, shared with @portcullis/verify.
export { KID_PATTERN, TOKEN_ALGORITHMS, type TokenAlgorithm } from '@portcullis/protocol/verification';

/** A public key able to verify app tokens, pinned to one algorithm and key type. */
export interface VerificationKey {
  readonly kid: string;
  readonly alg: TokenAlgorithm;
  /** A public KeyObject: EC P-256 for ES256, Ed25519 for EdDSA. */
  readonly publicKey: KeyObject;
}

/**
 * Where a verifier finds keys: an in-memory lookup by kid only (never a file, DB or URL named by
 * the token). A source may stop returning a key (retirement) at any time.
 */
export interface VerificationKeySource {
  verificationKey(kid: string): VerificationKey | undefined;
}

/** The key the issuer signs with. The private key never leaves the store except as a KeyObject. */
export interface SigningKey {
  readonly kid: string;
  readonly alg: TokenAlgorithm;
  readonly privateKey: KeyObject;
}

/** Something that hands out the current signing key. */
export interface SigningKeySource {
  signingKey(): SigningKey;
}

/**
 * Life cycle of a signing key at a given time:
 * `next` is published but does not sign yet; `active` signs; `retiring` no longer signs but stays
 * published until every token it signed has expired; `retired` is no longer published or
 * accepted and is deleted by prune().
 */
export type KeyStatus = 'active' | 'next' | 'retiring' | 'retired';

/** What may be shown about a signing key: never private material. Times are ISO 8601 (UTC). */
export interface KeyInfo {
  kid: string;
  alg: TokenAlgorithm;
  createdAt: string;
  /** From this instant the key signs (and is published before it, when published ahead). */
  activatesAt: string;
  /** From this instant the key no longer signs; null while it is the newest key. */
  deactivatesAt: string | null;
  /** From this instant the key is no longer published nor accepted; null while it is the newest key. */
  retiresAt: string | null;
  status: KeyStatus;
}

/** A public JWK as published in the JWKS. */
export interface PublicJwk {
  kty: 'EC' | 'OKP';
  crv: 'P-256' | 'Ed25519';
  x: string;
  y?: string;
  kid: string;
  alg: TokenAlgorithm;
  use: 'sig';
}

/** The JWKS document and its HTTP representation. */
export interface JwksHttp {
  body: string;
  /** A strong ETag (quoted) derived from the body. */
  etag: string;
  cacheControl: string;
}
