import { createPublicKey, type KeyObject } from 'node:crypto';
import type { JsonWebKeyLike } from '@portcullis/protocol';
import { decodeBase64UrlStrict } from '../encoding.js';

/** Registered device keys kept imported; beyond this the least recently used is dropped. */
export const P256_KEY_CACHE_MAX = 4096;

const cache = new Map<string, KeyObject>();

/**
 * A device's EC P-256 public JWK as a node:crypto key, or undefined when it is not one (another
 * curve, a private key, coordinates that are not 32 bytes of strict base64url, a point off the
 * curve). Every proof and assertion checks a signature by a registered key, and importing a JWK
 * costs about as much as the ECDSA verification itself: imported keys are kept in a bounded
 * least-recently-used cache keyed by the coordinates. Only public keys that imported are kept,
 * so the cache can change no verdict.
 */
export function importP256PublicKey(jwk: JsonWebKeyLike): KeyObject | undefined {
  if (jwk === null || typeof jwk !== 'object' || jwk.kty !== 'EC' || jwk.crv !== 'P-256' || 'd' in jwk) {
    return undefined;
  }
  const { x, y } = jwk;
  if (typeof x !== 'string' || typeof y !== 'string') return undefined;
  const id = `${x}.${y}`;
  const cached = cache.get(id);
  if (cached !== undefined) {
    cache.delete(id);
    cache.set(id, cached);
    return cached;
  }
  if (decodeBase64UrlStrict(x)?.length !== 32 || decodeBase64UrlStrict(y)?.length !== 32) return undefined;
  let key: KeyObject;
  try {
    key = createPublicKey({ key: { kty: 'EC', crv: 'P-256', x, y }, format: 'jwk' });
  } catch {
    // Not a point on the curve.
    return undefined;
  }
  if (key.asymmetricKeyDetails?.namedCurve !== 'prime256v1') return undefined;
  cache.set(id, key);
  if (cache.size > P256_KEY_CACHE_MAX) cache.delete(cache.keys().next().value!);
  return key;
}

/** How many keys the cache holds (tests). */
export function p256KeyCacheSize(): number {
  return cache.size;
}
