import { hash } from 'node:crypto';
import type { JwksHttp, PublicJwk } from './types.js';

/** Default JWKS max-age: well under any sensible publish-ahead (see docs/tokens.md). */
export const DEFAULT_JWKS_MAX_AGE_SECONDS = 60;

/**
 * The HTTP representation of a JWKS: the JSON body, a strong ETag (SHA-256 of the body) for
 * `If-None-Match`, and `Cache-Control: public, max-age=N, must-revalidate`. `must-revalidate`
 * stops caches from serving a stale set (a set that still lists a pruned key, or lacks the
 * next key) past max-age.
 *
 * @example
 * ```ts
 * const { body, etag, cacheControl } = createJwksHttp({ keys }, 60);
 * ```
 */
export function createJwksHttp(jwks: { keys: readonly PublicJwk[] }, maxAgeSeconds: number): JwksHttp {
  if (!Number.isSafeInteger(maxAgeSeconds) || maxAgeSeconds < 0) {
    throw new TypeError('createJwksHttp: maxAgeSeconds must be a non-negative integer');
  }
  const body = JSON.stringify({ keys: jwks.keys });
  return {
    body,
    etag: `"${hash('sha256', body, 'base64url')}"`,
    cacheControl: `public, max-age=${maxAgeSeconds}, must-revalidate`,
  };
}
