import { createPublicKey, type KeyObject } from 'node:crypto';
import { decodeBase64UrlStrict } from '../encoding.js';
import { ShieldError } from '../errors.js';
import { KID_PATTERN, type TokenAlgorithm, type VerificationKey } from './types.js';

function refuse(message: string): never {
  throw new ShieldError('internal_error', 'jwk_unsupported', {
    message: `Verification JWK refused: ${message}`,
  });
}

function coordinate(value: unknown, name: string): string {
  if (typeof value !== 'string' || decodeBase64UrlStrict(value)?.length !== 32) {
    refuse(`${name} is not 32 bytes of canonical base64url`);
  }
  return value;
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
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) refuse('not a JSON object');
  const j = jwk as Record<string, unknown>;
  if (Object.hasOwn(j, 'd')) refuse('it holds private key material');
  if (typeof j.kid !== 'string' || !KID_PATTERN.test(j.kid)) {
    refuse('kid is missing or not a short printable string');
  }
  if (j.use !== undefined && j.use !== 'sig') refuse('use is not "sig"');
  if (j.key_ops !== undefined) {
    if (
      !Array.isArray(j.key_ops) ||
      !j.key_ops.every((op) => typeof op === 'string') ||
      !j.key_ops.includes('verify')
    ) {
      refuse('key_ops does not allow "verify"');
    }
  }
  let alg: TokenAlgorithm;
  let material: { kty: string; crv: string; x: string; y?: string };
  if (j.kty === 'EC' && j.crv === 'P-256') {
    alg = 'ES256';
    material = { kty: 'EC', crv: 'P-256', x: coordinate(j.x, 'x'), y: coordinate(j.y, 'y') };
  } else if (j.kty === 'OKP' && j.crv === 'Ed25519') {
    alg = 'EdDSA';
    material = { kty: 'OKP', crv: 'Ed25519', x: coordinate(j.x, 'x') };
  } else {
    refuse('only EC P-256 (ES256) and OKP Ed25519 (EdDSA) keys are supported');
  }
  if (j.alg !== undefined && j.alg !== alg) refuse(`alg does not match the key type (expected ${alg})`);
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: material, format: 'jwk' });
  } catch {
    refuse('the key is not a valid point');
  }
  if (!keyMatchesAlgorithm(publicKey, alg)) refuse('the key type does not match its algorithm');
  return Object.freeze({ kid: j.kid, alg, publicKey });
}
