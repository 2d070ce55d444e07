import { KID_PATTERN, type TokenAlgorithm } from './app-token-profile.js';
import { decodeBase64 } from './base64.js';

/** The members of a public signing JWK that a verifier imports, and the algorithm pinned to it. */
export interface VerificationJwk {
  kid: string;
  alg: TokenAlgorithm;
  /** Only the key material: `{ kty: 'EC', crv: 'P-256', x, y }` or `{ kty: 'OKP', crv: 'Ed25519', x }`. */
  material: { kty: 'EC'; crv: 'P-256'; x: string; y: string } | { kty: 'OKP'; crv: 'Ed25519'; x: string };
}

export type ParseVerificationJwkResult = { ok: true; jwk: VerificationJwk } | { ok: false; problem: string };

function isCoordinate(value: unknown): value is string {
  return typeof value === 'string' && decodeBase64(value, { urlSafe: true })?.length === 32;
}

/**
 * Reads one public JWK of a JWKS as an app-token verification key, pinned to ES256 (EC P-256) or
 * EdDSA (OKP Ed25519). Refuses, with a problem safe to log, any other kty/crv, an `alg` that
 * disagrees with the key type, `use` other than `sig`, `key_ops` without `verify`, private
 * material (`d`), a missing or unusable `kid`, and coordinates that are not 32 bytes of canonical
 * base64url. Whether the point is on the curve is left to the crypto library that imports it.
 *
 * @example
 * ```ts
 * const parsed = parseVerificationJwk(jwk);
 * if (parsed.ok) await crypto.subtle.importKey('jwk', parsed.jwk.material, ...);
 * ```
 */
export function parseVerificationJwk(jwk: unknown): ParseVerificationJwkResult {
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) {
    return { ok: false, problem: 'not a JSON object' };
  }
  const j = jwk as Record<string, unknown>;
  if (Object.hasOwn(j, 'd')) return { ok: false, problem: 'it holds private key material' };
  if (typeof j.kid !== 'string' || !KID_PATTERN.test(j.kid)) {
    return { ok: false, problem: 'kid is missing or not a short printable string' };
  }
  if (j.use !== undefined && j.use !== 'sig') return { ok: false, problem: 'use is not "sig"' };
  if (j.key_ops !== undefined) {
    if (
      !Array.isArray(j.key_ops) ||
      !j.key_ops.every((op) => typeof op === 'string') ||
      !j.key_ops.includes('verify')
    ) {
      return { ok: false, problem: 'key_ops does not allow "verify"' };
    }
  }
  let alg: TokenAlgorithm;
  let material: VerificationJwk['material'];
  if (j.kty === 'EC' && j.crv === 'P-256') {
    if (!isCoordinate(j.x)) return { ok: false, problem: 'x is not 32 bytes of canonical base64url' };
    if (!isCoordinate(j.y)) return { ok: false, problem: 'y is not 32 bytes of canonical base64url' };
    alg = 'ES256';
    material = { kty: 'EC', crv: 'P-256', x: j.x, y: j.y };
  } else if (j.kty === 'OKP' && j.crv === 'Ed25519') {
    if (!isCoordinate(j.x)) return { ok: false, problem: 'x is not 32 bytes of canonical base64url' };
    alg = 'EdDSA';
    material = { kty: 'OKP', crv: 'Ed25519', x: j.x };
  } else {
    return { ok: false, problem: 'only EC P-256 (ES256) and OKP Ed25519 (EdDSA) keys are supported' };
  }
  if (j.alg !== undefined && j.alg !== alg) {
    return { ok: false, problem: `alg does not match the key type (expected ${alg})` };
  }
  return { ok: true, jwk: { kid: j.kid, alg, material } };
}
