import { type KeyObject, verify } from 'node:crypto';
import { parseDerEcdsaP256Signature } from '../parse-der-ecdsa-p256-signature.js';

/**
 * Verifies a DER ECDSA P-256 signature with SHA-256 over `message`. Before node:crypto sees it,
 * the signature must be canonical DER with 1 ≤ r, s < n, so "psychic" signatures (r = s = 0,
 * r = n, CVE-2022-21449 class) and malleable encodings are refused whatever the crypto library
 * does; node:crypto then gets r ‖ s, never DER.
 */
export function verifyEcdsaP256Signature(
  publicKey: KeyObject,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  const rs = parseDerEcdsaP256Signature(signature);
  if (typeof rs === 'string') return false;
  try {
    return verify('sha256', message, { key: publicKey, dsaEncoding: 'ieee-p1363' }, rs);
  } catch {
    return false;
  }
}
