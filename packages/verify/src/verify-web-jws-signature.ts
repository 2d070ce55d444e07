import { es256ScalarsInRange, JWS_SIGNATURE_BYTES } from '@portcullis/protocol/verification';
import type { WebVerificationKey } from './key-source.js';

const ECDSA_SHA256 = Object.freeze({ name: 'ECDSA', hash: 'SHA-256' });
const ED25519 = Object.freeze({ name: 'Ed25519' });

/**
 * Checks a JWS signature (RFC 7518 §3.4 ES256, RFC 8037 EdDSA) with Web Crypto. Resolves to false
 * (never rejects) for a signature that is not 64 bytes, an ES256 signature whose r or s is outside
 * [1, n-1] (checked here before the library: CVE-2022-21449 class), or one that does not verify.
 *
 * @example
 * ```ts
 * const ok = await verifyWebJwsSignature(key, new TextEncoder().encode(`${h}.${p}`), signature);
 * ```
 */
export async function verifyWebJwsSignature(
  key: WebVerificationKey,
  signingInput: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  if (signature.length !== JWS_SIGNATURE_BYTES) return false;
  if (key.alg === 'ES256' && !es256ScalarsInRange(signature)) return false;
  try {
    return await crypto.subtle.verify(
      key.alg === 'ES256' ? ECDSA_SHA256 : ED25519,
      key.key,
      signature as Uint8Array<ArrayBuffer>,
      signingInput as Uint8Array<ArrayBuffer>,
    );
  } catch {
    return false;
  }
}
