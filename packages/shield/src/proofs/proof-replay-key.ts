import { proofReplayKey as sharedProofReplayKey } from '@portcullis/protocol/verification';
import { sha256 } from '../encoding.js';

/**
 * The replay-store key of a proof (protocol §4.5), computed with node:crypto's SHA-256: the
 * shared `proofReplayKey` of `@portcullis/protocol`, so a backend verifier derives the same key.
 *
 * @example
 * ```ts
 * const first = await replay.firstSeen(proofReplayKey(claims.cnf.kid, message), ttlMs, now);
 * ```
 */
export function proofReplayKey(keyId: string, message: string | Uint8Array): string {
  return sharedProofReplayKey(keyId, message, sha256);
}
