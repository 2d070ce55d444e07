import { createHash } from 'node:crypto';

/**
 * The replay-store key of a proof (protocol §4.5): `p1:` + b64url(H(H(keyId) ‖ H(message))).
 * Derived from the signed message, never from the signature's bytes: an ECDSA signature is
 * malleable ((r, n - s) verifies too) and an assertion can be re-encoded (CBOR, DER, base64), so
 * a key over the signature could be dodged with a new spelling of an old proof, while the message
 * cannot change without a new signature. Fixed length (46 characters), safe in any store.
 *
 * @example
 * ```ts
 * const first = await replay.firstSeen(proofReplayKey(claims.cnf.kid, message), ttlMs, now);
 * ```
 */
export function proofReplayKey(keyId: string, message: string | Uint8Array): string {
  const keyHash = createHash('sha256').update(keyId, 'utf8').digest();
  const messageHash = createHash('sha256').update(message).digest();
  return `p1:${createHash('sha256').update(keyHash).update(messageHash).digest('base64url')}`;
}
