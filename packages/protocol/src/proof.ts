import { sha256 } from '@noble/hashes/sha2.js';
import { decodeBase64, encodeBase64Url } from './base64.js';

/**
 * Per-request proofs (protocol §4): the message a device key signs, the `Portcullis-Proof`
 * header that carries the signature, and the `ath` hash that binds a token to the user's
 * `Authorization` header. Pure and free of Node built-ins, so the client SDK (React Native) and
 * the shield build byte-identical messages from the same code. docs/protocol.md §4 publishes test
 * vectors for every function here, and a test checks them against this code.
 */

/** First line of every proof message. */
export const PROOF_MESSAGE_PREFIX = 'portcullis-proof-v1';
/** The only proof header version this code writes and accepts. */
export const PROOF_HEADER_VERSION = 'v1';
/**
 * Largest signature a proof header may carry, in bytes: an App Attest assertion is about 150
 * bytes (the shield refuses assertions over 4 KiB), a DER ECDSA P-256 signature at most 72.
 */
export const MAX_PROOF_SIGNATURE_BYTES = 4096;
/** Most digits of the header's millisecond timestamp (any safe integer fits in 16). */
export const MAX_PROOF_TIMESTAMP_DIGITS = 16;
/** Longest `Portcullis-Proof` value: `v1.` + 16 digits + `.` + base64url of 4096 bytes. */
export const MAX_PROOF_HEADER_LENGTH =
  PROOF_HEADER_VERSION.length +
  2 +
  MAX_PROOF_TIMESTAMP_DIGITS +
  Math.ceil((MAX_PROOF_SIGNATURE_BYTES * 4) / 3);
/** Longest request target, token or Authorization value a message may hold, in characters. */
export const MAX_PROOF_FIELD_LENGTH = 8192;

/** SHA-256 of some bytes: `@noble/hashes` by default; the shield passes node:crypto's (faster on large bodies). */
export type Sha256 = (data: Uint8Array) => Uint8Array;

/** The parts of a request that a proof covers. */
export interface ProofMessageInput {
  /** The request method exactly as sent (case matters: `POST`, not `post`). */
  method: string;
  /** The request target exactly as sent: path and query, `?` included, no fragment, no re-encoding. */
  target: string;
  /** The request body bytes as sent (empty for a request without a body). */
  body: Uint8Array;
  /** The client's Unix time in milliseconds, the same value the header carries. */
  timestampMs: number;
  /** The app token exactly as sent in `Portcullis-Token`. */
  token: string;
  /** The `Authorization` header value exactly as sent, or undefined when the request has none. */
  authorization?: string | undefined;
}

/** Why `parseProofHeader` refused a header value. */
export type ProofHeaderRefusal = 'too_long' | 'malformed' | 'version' | 'timestamp' | 'signature';

/** Every `ProofHeaderRefusal`, with what it means (for the shield's audit table and docs). */
export const PROOF_HEADER_REFUSALS = [
  { refusal: 'too_long', meaning: `longer than ${MAX_PROOF_HEADER_LENGTH} characters` },
  { refusal: 'malformed', meaning: 'not three dot-separated parts, or the first is not a version tag' },
  { refusal: 'version', meaning: 'a version tag other than v1' },
  { refusal: 'timestamp', meaning: 'ts is not a decimal safe integer without sign or leading zeros' },
  { refusal: 'signature', meaning: 'sig is empty, not canonical unpadded base64url, or over 4096 bytes' },
] as const satisfies readonly { refusal: ProofHeaderRefusal; meaning: string }[];

/** A parsed `Portcullis-Proof` value, or why it was refused. */
export type ParsedProofHeader =
  | { ok: true; timestampMs: number; signature: Uint8Array }
  | { ok: false; refusal: ProofHeaderRefusal };

const TIMESTAMP = /^(?:0|[1-9][0-9]{0,15})$/;
const VERSION_TAG = /^v[0-9]+$/;
/** RFC 9110 `token` characters: what a method may be made of. */
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/;
/** Visible ASCII, no space: a request target or a compact JWS. */
const VISIBLE = /^[\x21-\x7e]+$/;
/** Visible ASCII and inner spaces: an Authorization value as HTTP delivers it (no outer whitespace). */
const AUTHORIZATION = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/** Bytes of a string already checked to be ASCII. */
function asciiBytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function checkTimestamp(timestampMs: unknown, name: string): asserts timestampMs is number {
  if (typeof timestampMs !== 'number' || !Number.isSafeInteger(timestampMs) || timestampMs < 0) {
    throw new TypeError(`${name} must be a non-negative safe integer of milliseconds`);
  }
}

function checkAuthorization(authorization: unknown): asserts authorization is string {
  if (
    typeof authorization !== 'string' ||
    authorization.length > MAX_PROOF_FIELD_LENGTH ||
    !AUTHORIZATION.test(authorization)
  ) {
    throw new TypeError(
      `authorization must be 1 to ${MAX_PROOF_FIELD_LENGTH} printable ASCII characters without leading or trailing whitespace`,
    );
  }
}

/**
 * The `ath` value that binds an app token to the user's `Authorization` header:
 * `b64url(SHA-256(value))`. Canonicalisation (threat C-21): none. The value is hashed as its exact
 * bytes, so `Bearer abc`, `bearer abc` and `Bearer  abc` are three different values. Only values a
 * server receives unchanged are accepted: printable ASCII (0x20-0x7E), no leading or trailing
 * whitespace (HTTP strips it in transit), 1 to 8192 characters; anything else throws a
 * TypeError, so no token can be bound to a value the gateway could never see.
 *
 * @example
 * ```ts
 * authorizationBindingHash('Bearer user-a-session'); // 43 base64url characters
 * ```
 */
export function authorizationBindingHash(authorization: string, hash: Sha256 = sha256): string {
  checkAuthorization(authorization);
  return encodeBase64Url(hash(asciiBytes(authorization)));
}

/**
 * Builds the message a device key signs for one request (protocol §4): seven lines joined by
 * `\n`, no trailing newline, all ASCII.
 *
 * ```
 * portcullis-proof-v1
 * <METHOD>
 * <path and query exactly as sent>
 * <b64url(H(body))>
 * <ts>
 * <b64url(H(token))>
 * <b64url(H(Authorization)) or empty>
 * ```
 *
 * iOS signs it with `generateAssertion(keyId, SHA-256(UTF-8 bytes of message))`; Android with
 * `Signature("SHA256withECDSA")` over its UTF-8 bytes. Throws a TypeError naming the field when a
 * part cannot appear in a request unchanged (a method that is not an HTTP token, a target that
 * does not start with `/` or holds a space or control character, a token that is not visible
 * ASCII, an Authorization value `authorizationBindingHash` refuses).
 *
 * @example
 * ```ts
 * const message = proofMessage({ method: 'POST', target: '/pay/session?cart=42', body, timestampMs: Date.now(), token });
 * ```
 */
export function proofMessage(input: ProofMessageInput, hash: Sha256 = sha256): string {
  const { method, target, body, timestampMs, token, authorization } = input;
  if (typeof method !== 'string' || !METHOD.test(method)) {
    throw new TypeError('method must be an HTTP method token of 1 to 32 characters');
  }
  if (
    typeof target !== 'string' ||
    target.length > MAX_PROOF_FIELD_LENGTH ||
    !target.startsWith('/') ||
    !VISIBLE.test(target)
  ) {
    throw new TypeError(
      `target must be an origin-form request target (starts with /, visible ASCII, at most ${MAX_PROOF_FIELD_LENGTH} characters)`,
    );
  }
  if (!(body instanceof Uint8Array)) throw new TypeError('body must be a Uint8Array');
  checkTimestamp(timestampMs, 'timestampMs');
  if (typeof token !== 'string' || token.length > MAX_PROOF_FIELD_LENGTH || !VISIBLE.test(token)) {
    throw new TypeError(`token must be 1 to ${MAX_PROOF_FIELD_LENGTH} visible ASCII characters`);
  }
  const boundAuthorization = authorization === undefined ? '' : authorizationBindingHash(authorization, hash);
  return [
    PROOF_MESSAGE_PREFIX,
    method,
    target,
    encodeBase64Url(hash(body)),
    String(timestampMs),
    encodeBase64Url(hash(asciiBytes(token))),
    boundAuthorization,
  ].join('\n');
}

/**
 * Formats the `Portcullis-Proof` header value `v1.<ts>.<b64url(signature)>`. Throws a TypeError
 * for a timestamp that is not a non-negative safe integer, or a signature that is empty or over
 * 4096 bytes.
 *
 * @example
 * ```ts
 * headers.set('Portcullis-Proof', formatProofHeader(timestampMs, signature));
 * ```
 */
export function formatProofHeader(timestampMs: number, signature: Uint8Array): string {
  checkTimestamp(timestampMs, 'timestampMs');
  if (
    !(signature instanceof Uint8Array) ||
    signature.length === 0 ||
    signature.length > MAX_PROOF_SIGNATURE_BYTES
  ) {
    throw new TypeError(`signature must be 1 to ${MAX_PROOF_SIGNATURE_BYTES} bytes`);
  }
  return `${PROOF_HEADER_VERSION}.${timestampMs}.${encodeBase64Url(signature)}`;
}

/**
 * Parses a `Portcullis-Proof` value strictly: exactly `v1.<ts>.<sig>`, `ts` a decimal safe
 * integer of at most 16 digits without sign, spaces or leading zeros, `sig` non-empty canonical
 * unpadded base64url of at most 4096 bytes, the whole at most `MAX_PROOF_HEADER_LENGTH`
 * characters. Anything else is refused, never repaired: a value has one spelling, so it cannot be
 * re-encoded into a "new" proof. A decoder: it does not judge time or signature.
 *
 * @example
 * ```ts
 * const parsed = parseProofHeader(value);
 * if (!parsed.ok) return refuse(parsed.refusal);
 * ```
 */
export function parseProofHeader(value: string): ParsedProofHeader {
  if (typeof value !== 'string') return { ok: false, refusal: 'malformed' };
  if (value.length > MAX_PROOF_HEADER_LENGTH) return { ok: false, refusal: 'too_long' };
  const parts = value.split('.');
  if (parts.length !== 3) return { ok: false, refusal: 'malformed' };
  const [version, ts, sig] = parts as [string, string, string];
  if (version !== PROOF_HEADER_VERSION) {
    return { ok: false, refusal: VERSION_TAG.test(version) ? 'version' : 'malformed' };
  }
  if (!TIMESTAMP.test(ts)) return { ok: false, refusal: 'timestamp' };
  const timestampMs = Number(ts);
  if (!Number.isSafeInteger(timestampMs)) return { ok: false, refusal: 'timestamp' };
  if (sig.length === 0) return { ok: false, refusal: 'signature' };
  const signature = decodeBase64(sig, { urlSafe: true });
  if (signature === undefined || signature.length === 0 || signature.length > MAX_PROOF_SIGNATURE_BYTES) {
    return { ok: false, refusal: 'signature' };
  }
  return { ok: true, timestampMs, signature };
}
