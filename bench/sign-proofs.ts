import { type KeyObject, sign } from 'node:crypto';
import { formatProofHeader, proofMessage } from '@portcullis/protocol';

/** Options of {@link signProofs}. */
export interface SignProofsOptions {
  /** The Android software device's P-256 private key (its public key is registered in the shield). */
  privateKey: KeyObject;
  /** The app token bound to that device, exactly as sent in `Portcullis-Token`. */
  token: string;
  /** Path of the proof-protected route; each proof gets its own `?n=` query so no two messages are equal. */
  path: string;
  /** Proofs to sign. */
  count: number;
  /** The proofs' time (Unix ms): within the shield's skew of the run that sends them. */
  timestampMs: number;
  /** First `n` (so successive batches of one run never repeat a message). */
  from?: number;
}

/**
 * Signs `count` distinct GET proofs as an Android device does (protocol §4: SHA256withECDSA, DER,
 * over the UTF-8 proof message) and returns them as `<target> <Portcullis-Proof value>` lines for
 * bench/load/proof-requests.lua. A proof is single-use: the replay store keys it by the signed
 * message, so every proof covers a distinct target.
 */
export function signProofs(options: SignProofsOptions): string[] {
  const lines: string[] = [];
  const from = options.from ?? 0;
  for (let n = from; n < from + options.count; n++) {
    const target = `${options.path}?n=${n}`;
    const message = proofMessage({
      method: 'GET',
      target,
      body: new Uint8Array(0),
      timestampMs: options.timestampMs,
      token: options.token,
    });
    const signature = sign('sha256', Buffer.from(message, 'utf8'), {
      key: options.privateKey,
      dsaEncoding: 'der',
    });
    lines.push(`${target} ${formatProofHeader(options.timestampMs, signature)}`);
  }
  return lines;
}
