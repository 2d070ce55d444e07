import { type KeyObject, verify } from 'node:crypto';
import { es256ScalarsInRange, JWS_SIGNATURE_BYTES } from '@portcullis/protocol/verification';
import type { TokenAlgorithm } from './types.js';

export { JWS_SIGNATURE_BYTES } from '@portcullis/protocol/verification';

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
      // r and s in [1, n-1], checked here as well as by OpenSSL (CVE-2022-21449 class).
      if (!es256ScalarsInRange(signature)) return false;
      return verify('sha256', signingInput, { key: publicKey, dsaEncoding: 'ieee-p1363' }, signature);
    }
    if (publicKey.asymmetricKeyType !== 'ed25519') return false;
    return verify(null, signingInput, publicKey, signature);
  } catch {
    return false;
  }
}
