import { sha256 } from '@noble/hashes/sha2.js';
import { encodeBase64Url } from './base64.js';
import type { Sha256 } from './proof.js';

const utf8 = new TextEncoder();

/**
 * The replay-store key of a proof (protocol §4.5): `p1:` + b64url(H(H(keyId) ‖ H(message))).
 * Derived from the signed message, never from the signature's bytes: an ECDSA signature is
 * malleable ((r, n - s) verifies too) and an assertion can be re-encoded (CBOR, DER, base64), so
 * a key over the signature could be dodged with a new spelling of an old proof, while the message
 * cannot change without a new signature. Fixed length (46 characters), safe in any store. `hash`
 * defaults to `@noble/hashes`; the shield passes node:crypto's.
 *
 * @example
 * ```ts
 * const first = await replay.firstSeen(proofReplayKey(claims.cnf.kid, message), ttlMs, now);
 * ```
 */
export function proofReplayKey(keyId: string, message: string | Uint8Array, hash: Sha256 = sha256): string {
  const keyHash = hash(utf8.encode(keyId));
  const messageHash = hash(typeof message === 'string' ? utf8.encode(message) : message);
  const joined = new Uint8Array(keyHash.length + messageHash.length);
  joined.set(keyHash, 0);
  joined.set(messageHash, keyHash.length);
  return `p1:${encodeBase64Url(hash(joined))}`;
}
