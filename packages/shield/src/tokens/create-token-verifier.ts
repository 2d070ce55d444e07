import { hash } from 'node:crypto';
import { APP_TOKEN_TYP, type AppTokenClaims } from '@portcullis/protocol';
import {
  type AppTokenPolicyOptions,
  appTokenPolicy,
  checkAppTokenClaims,
  MAX_TOKEN_LENGTH,
  type TokenFailureReason,
} from '@portcullis/protocol/verification';
import type { Clock } from '../clock.js';
import { ShieldError } from '../errors.js';
import { createLruCache } from './create-lru-cache.js';
import type { VerificationKey, VerificationKeySource } from './types.js';
import { type JwsHeader, verifyJws } from './verify-jws.js';

/**
 * The shared token policy of `@portcullis/protocol/verification` (`issuer`, `audiences`, `clockToleranceSeconds`
 * (default 30, at most 60), `maxLifetimeSeconds`, `algorithms`, `allowDev`), plus where the keys
 * and the time come from and the cache size.
 */
export interface TokenVerifierOptions extends AppTokenPolicyOptions {
  /** Verification keys by kid, each pinned to its alg and key type (a key store or a static source). */
  keys: VerificationKeySource;
  clock: Clock;
  /** Verified-token cache. Default 10 000 entries; `maxEntries: 0` turns it off. */
  cache?: { maxEntries: number };
}

export interface TokenVerifierStats {
  cacheEntries: number;
  cacheHits: number;
  cacheMisses: number;
}

/** Verifies app tokens (protocol §3). Both methods throw `ShieldError('token_invalid' | 'token_expired', reason)`. */
export interface TokenVerifier {
  verify(token: string): Promise<AppTokenClaims>;
  /** The same check without the promise, for a synchronous hot path. */
  verifySync(token: string): AppTokenClaims;
  stats(): TokenVerifierStats;
}

interface CacheEntry {
  claims: AppTokenClaims;
  exp: number;
  kid: string;
  key: VerificationKey;
}

const HEADER_MEMO_ENTRIES = 64;

function refuse(reason: TokenFailureReason): never {
  throw new ShieldError(reason === 'token_expired' ? 'token_expired' : 'token_invalid', reason);
}

/**
 * Builds the app-token verifier (protocol §3, docs/threat-model.md §C). Structure, header and signature are
 * checked by {@link verifyJws} with node:crypto (no jose on the hot path: measured 3-4x slower
 * for ES256, see docs/tokens.md); then every claim of the closed claim set is checked by
 * `checkAppTokenClaims` (`@portcullis/protocol/verification`, the same code `@portcullis/verify` runs): exact
 * `iss`, `aud` entries all served here, integer `iat`/`exp`/`nbf` with a bounded tolerance,
 * `exp - iat` at most `maxLifetimeSeconds`, `jti`, `plt`, `lvl`, `cnf`, `dev`, `ath`.
 * Verified claims are cached (bounded LRU keyed by SHA-256 of the token) until they expire;
 * a hit still checks `exp` against the clock and that the signing key is still published.
 *
 * @example
 * ```ts
 * const verifier = createTokenVerifier({ keys: keyStore, issuer: 'https://shield.example',
 *   audiences: ['shop-api'], clock: systemClock, maxLifetimeSeconds: 900 });
 * const claims = await verifier.verify(req.headers['portcullis-token']);
 * ```
 */
export function createTokenVerifier(options: TokenVerifierOptions): TokenVerifier {
  const policy = appTokenPolicy(options, 'createTokenVerifier');
  if (typeof options.keys?.verificationKey !== 'function') {
    throw new TypeError('createTokenVerifier: keys must provide verificationKey(kid)');
  }
  const { keys, clock } = options;
  const tolerance = policy.toleranceSeconds;
  const cache = createLruCache<CacheEntry>(options.cache?.maxEntries ?? 10_000);
  const jwsOptions = { algorithms: policy.algorithms, typ: APP_TOKEN_TYP };
  // Every token from one signing key shares its header segment: check it once per key.
  const headerMemo = createLruCache<JwsHeader>(HEADER_MEMO_ENTRIES);
  let hits = 0;
  let misses = 0;

  function verifySync(token: string): AppTokenClaims {
    if (typeof token !== 'string') refuse('token_malformed');
    if (token.length > MAX_TOKEN_LENGTH) refuse('token_too_long');
    const nowSeconds = Math.floor(clock.now() / 1000);
    const cacheKey = cache.maxEntries > 0 ? hash('sha256', token, 'base64') : '';
    if (cacheKey !== '') {
      const entry = cache.get(cacheKey);
      if (entry !== undefined) {
        // The key may have been retired or pruned since: then verify from scratch.
        if (keys.verificationKey(entry.kid) === entry.key) {
          if (entry.exp <= nowSeconds - tolerance) {
            cache.delete(cacheKey);
            refuse('token_expired');
          }
          hits++;
          return entry.claims;
        }
        cache.delete(cacheKey);
      }
    }
    misses++;
    const jws = verifyJws(token, keys, jwsOptions, headerMemo);
    const checked = checkAppTokenClaims(jws.payload, policy, nowSeconds);
    if (!checked.ok) refuse(checked.reason);
    const claims = checked.claims;
    if (cacheKey !== '') cache.set(cacheKey, { claims, exp: claims.exp, kid: jws.kid, key: jws.key });
    return claims;
  }

  return {
    async verify(token) {
      return verifySync(token);
    },
    verifySync,
    stats: () => ({ cacheEntries: cache.size, cacheHits: hits, cacheMisses: misses }),
  };
}
