import { type KeyObject, verify } from 'node:crypto';
import type { TokenAlgorithm } from './types.js';

/** Both ES256 (IEEE P1363 r||s) and Ed25519 signatures are exactly 64 bytes. */
export const JWS_SIGNATURE_BYTES = 64;

// Order n of the P-256 group (SEC 2 §2.4.2). r and s must lie in [1, n-1] (FIPS 186-5 §6.4.2
// step 1). OpenSSL checks this too; checking it here as well keeps the CVE-2022-21449
// "psychic signature" class (r = s = 0) out even if a future backend forgot.
const P256_ORDER = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');

const ZERO = Buffer.alloc(32);

function inEcdsaRange(scalar: Buffer): boolean {
  return !scalar.equals(ZERO) && Buffer.compare(scalar, P256_ORDER) < 0;
}

/**
 * Checks a JWS signature (RFC 7518 §3.4 ES256, RFC 8037 EdDSA/Ed25519) over `signingInput`
 * with node:crypto. Returns false (never throws) for a wrong length, an out-of-range ECDSA
 * scalar, a key of the wrong type for `alg`, or a signature that does not verify.
 *
 * @example
 * ```ts
 * const ok = verifyJwsSignature('ES256', key.publicKey, Buffer.from(`${h}.${p}`), signatureBytes);
 * ```
 */
export function verifyJwsSignature(
  alg: TokenAlgorithm,
  publicKey: KeyObject,
  signingInput: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (signature.length !== JWS_SIGNATURE_BYTES || publicKey.type !== 'public') return false;
  try {
    if (alg === 'ES256') {
      if (publicKey.asymmetricKeyType !== 'ec') return false;
      const sig = Buffer.from(signature.buffer, signature.byteOffset, signature.byteLength);
      if (!inEcdsaRange(sig.subarray(0, 32)) || !inEcdsaRange(sig.subarray(32))) return false;
      return verify('sha256', signingInput, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
    }
    if (publicKey.asymmetricKeyType !== 'ed25519') return false;
    return verify(null, signingInput, publicKey, signature);
  } catch {
    return false;
  }
}
