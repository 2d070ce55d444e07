import { sha256 } from '../../encoding.js';

/**
 * The key under which the server records a Play Integrity token in its ReplayStore, so the same
 * token presented twice is refused: `play-integrity:` + b64url(SHA-256(token)). The raw token
 * never reaches the store.
 *
 * Hashing the compact string is sufficient because each verdict has exactly one token string
 * that the decoders accept:
 * - both decoders refuse any segment that is not the canonical unpadded base64url spelling of
 *   its bytes (jose alone accepts variants that differ in the unused trailing bits, which would
 *   give one token several keys);
 * - the protected header is the AES-GCM additional data, so re-serialising it breaks decryption;
 * - a different ciphertext, IV or wrapped key for the same verdict needs the app's decryption
 *   key (or Google's), which an attacker does not have.
 * A payload-derived key would add nothing: the verdict is bound to the single-use challenge
 * already, so this store is a second line. Keep the entry for the policy's maxAgeSeconds plus
 * maxFutureSkewSeconds; after that the timestamp check refuses the token by itself.
 *
 * @example
 * if (!(await stores.replay.firstSeen(playIntegrityReplayKey(token), ttlMs, now))) refuse();
 */
export function playIntegrityReplayKey(token: string): string {
  return `play-integrity:${sha256(token).toString('base64url')}`;
}
