import { createPublicKey, type KeyObject } from 'node:crypto';
import { parseVerificationJwk } from '@portcullis/protocol/verification';
import { ShieldError } from '../errors.js';
import type { TokenAlgorithm, VerificationKey } from './types.js';

function refuse(message: string): never {
  throw new ShieldError('internal_error', 'jwk_unsupported', {
    message: `Verification JWK refused: ${message}`,
  });
}

/**
 * True when `key` is the public key type `alg` is pinned to: EC P-256 for ES256, Ed25519 for
 * EdDSA (CVE-2022-23539 is what happens when key type and alg are not pinned together).
 */
export function keyMatchesAlgorithm(key: KeyObject, alg: TokenAlgorithm): boolean {
  if (alg === 'ES256') {
    return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
  }
  return key.asymmetricKeyType === 'ed25519';
}

/**
 * Imports one public JWK from a JWKS as a {@link VerificationKey}, pinned to ES256 (EC P-256) or
 * EdDSA (OKP Ed25519). Refuses with `ShieldError('internal_error', 'jwk_unsupported')` any other
 * kty/crv, an `alg` that disagrees with the key type, `use` other than `sig`, `key_ops` without
 * `verify`, private material (`d`), a missing or unusable `kid`, and points not on the curve.
 *
 * @example
 * ```ts
 * const keys = createStaticKeySource(jwks.keys.map((jwk) => importVerificationJwk(jwk)));
 * ```
 */
export function importVerificationJwk(jwk: unknown): VerificationKey {
  // The JWK's shape is the shared profile check; node:crypto then checks the point.
  const parsed = parseVerificationJwk(jwk);
  if (!parsed.ok) refuse(parsed.problem);
  const { kid, alg, material } = parsed.jwk;
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: material, format: 'jwk' });
  } catch {
    refuse('the key is not a valid point');
  }
  if (!keyMatchesAlgorithm(publicKey, alg)) refuse('the key type does not match its algorithm');
  return Object.freeze({ kid, alg, publicKey });
}
