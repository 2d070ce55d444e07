import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';

/** Length of the per-deployment identifier key, bytes. */
export const IDENTIFIER_KEY_BYTES = 32;

/**
 * Turns identifiers (device key ids, Authorization values, user claims, client addresses, body
 * identifiers such as phone numbers) into the opaque forms the audit log and the limit buckets
 * keep. Keyed with the deployment's identifier key, so a stolen audit log or Redis cannot be
 * turned back into identifiers by hashing guesses: a `Basic` credential, a phone number or an
 * IPv4 address is a small space, and bare SHA-256 of it is a dictionary lookup.
 */
export interface IdentifierHasher {
  /** The audit form (`deviceIdHash`, `userIdHash`): 32 lower-case hex characters (128 bits). */
  audit(value: string): string;
  /** The limit-bucket form of an identity of `kind` (`device`, `ip`, ...): 22 base64url characters. */
  limitKey(kind: string, value: string): string;
  /** The stored form of a debug credential issued at run time: 64 lower-case hex characters. */
  debugCredential(value: string): string;
  /** The MAC of a console session cookie's contents: 43 base64url characters (256 bits). */
  consoleSession(value: string): string;
}

/**
 * An IdentifierHasher over HMAC-SHA-256 with `key` (node:crypto), with one label per use so an
 * audit hash never equals a bucket key: audit = HMAC(key, "audit" ‖ 0 ‖ value), bucket key =
 * HMAC(key, "limit" ‖ 0 ‖ kind ‖ 0 ‖ value). Every instance of a deployment must use the same key
 * (it lives in the key directory, next to the signing keys); another key gives other hashes, so
 * limits start fresh and audit hashes no longer match earlier records.
 *
 * @example
 * ```ts
 * const identifiers = createIdentifierHasher(await loadIdentifierKey('/var/lib/portcullis/keys'));
 * identifiers.audit('Basic dXNlcjpwYXNz'); // 32 hex characters, not guessable without the key
 * ```
 */
export function createIdentifierHasher(key: Uint8Array): IdentifierHasher {
  if (!(key instanceof Uint8Array) || key.byteLength !== IDENTIFIER_KEY_BYTES) {
    throw new TypeError(`the identifier key must be ${IDENTIFIER_KEY_BYTES} bytes`);
  }
  const secret: KeyObject = createSecretKey(Buffer.from(key));
  return {
    audit(value) {
      return createHmac('sha256', secret).update(`audit\u0000${value}`).digest('hex').slice(0, 32);
    },
    limitKey(kind, value) {
      return createHmac('sha256', secret)
        .update(`limit\u0000${kind}\u0000${value}`)
        .digest('base64url')
        .slice(0, 22);
    },
    debugCredential(value) {
      return createHmac('sha256', secret).update(`debug-credential\u0000${value}`).digest('hex');
    },
    consoleSession(value) {
      return createHmac('sha256', secret).update(`console-session\u0000${value}`).digest('base64url');
    },
  };
}
