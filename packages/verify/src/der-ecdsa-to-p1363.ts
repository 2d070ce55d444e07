import { DER } from '@noble/curves/abstract/der.js';

/** Order n of the P-256 group. */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
/** SEQUENCE header + two INTEGERs of at most 33 bytes each. */
const MAX_DER_SIGNATURE = 72;

/** Why a DER signature was not converted. */
export type DerSignatureProblem = 'malformed' | 'out_of_range';

function scalarBytes(value: bigint, out: Uint8Array, offset: number): void {
  let rest = value;
  for (let i = 31; i >= 0; i--) {
    out[offset + i] = Number(rest & 0xffn);
    rest >>= 8n;
  }
}

/**
 * Converts a DER `ECDSA-Sig-Value` (what Android's Signature("SHA256withECDSA") and App Attest
 * return) to the 64-byte IEEE P1363 `r‖s` Web Crypto verifies. Only canonical DER is accepted
 * (noble-curves' strict parser: minimal lengths and integers, no trailing bytes, no negative
 * numbers), so one signature has one encoding; r and s must lie in [1, n-1] (the r = s = 0
 * "psychic signature" never reaches the crypto library).
 *
 * @example
 * ```ts
 * const raw = derEcdsaToP1363(signature);
 * if (typeof raw === 'string') return refuse(raw);
 * ```
 */
export function derEcdsaToP1363(signature: Uint8Array): Uint8Array | DerSignatureProblem {
  if (!(signature instanceof Uint8Array) || signature.length < 8 || signature.length > MAX_DER_SIGNATURE) {
    return 'malformed';
  }
  let r: bigint;
  let s: bigint;
  try {
    ({ r, s } = DER.toSig(signature, 33));
  } catch {
    return 'malformed';
  }
  if (r < 1n || r >= P256_ORDER || s < 1n || s >= P256_ORDER) return 'out_of_range';
  const out = new Uint8Array(64);
  scalarBytes(r, out, 0);
  scalarBytes(s, out, 32);
  return out;
}
