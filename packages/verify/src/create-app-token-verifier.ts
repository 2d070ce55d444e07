import { APP_TOKEN_TYP, type AppTokenClaims, decodeBase64 } from '@portcullis/protocol';
import {
  type AppTokenPolicyOptions,
  appTokenPolicy,
  checkAppTokenClaims,
  checkJwsHeader,
  createLruCache,
  JWS_SIGNATURE_BYTES,
  type JwsHeader,
  splitCompactJws,
  type TokenFailureReason,
  tokenFailureCode,
} from '@portcullis/protocol/verification';
import { type Clock, systemClock } from './clock.js';
import type { KeySource, WebVerificationKey } from './key-source.js';
import { KeysUnavailableError } from './keys-unavailable-error.js';
import { VerificationError } from './verification-error.js';
import { verifyWebJwsSignature } from './verify-web-jws-signature.js';

/**
 * The shared token policy (`issuer`, `audiences`, `clockToleranceSeconds` default 30 at most 60,
 * `maxLifetimeSeconds` default 3600 like the shield's `tokens.maxTtlSeconds`, `algorithms`,
 * `allowDev` default false), where the keys and the time come from, and the cache size.
 */
export interface AppTokenVerifierOptions extends Omit<AppTokenPolicyOptions, 'maxLifetimeSeconds'> {
  maxLifetimeSeconds?: number;
  keys: KeySource;
  clock?: Clock;
  /** Verified-token cache. Default 10 000 entries; `maxEntries: 0` turns it off. */
  cache?: { maxEntries: number };
}

/** A verified token, or why it was refused. */
export type TokenVerification =
  | { ok: true; claims: AppTokenClaims; kid: string }
  | { ok: false; error: VerificationError };

export interface AppTokenVerifierStats {
  cacheEntries: number;
  cacheHits: number;
  cacheMisses: number;
}

/** Verifies app tokens (protocol §3) with Web Crypto; never rejects. */
export interface AppTokenVerifier {
  verify(token: string): Promise<TokenVerification>;
  stats(): AppTokenVerifierStats;
}

interface CacheEntry {
  claims: AppTokenClaims;
  kid: string;
  key: WebVerificationKey;
}

const HEADER_MEMO_ENTRIES = 64;
const DEFAULT_MAX_LIFETIME_SECONDS = 3600;
const latin1 = (text: string): Uint8Array => {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
};

function refused(reason: TokenFailureReason): TokenVerification {
  return { ok: false, error: new VerificationError(tokenFailureCode(reason), reason) };
}

/** A key source that threw: no usable keys (503), or something unexpected (500). */
function keySourceFailed(error: unknown): TokenVerification {
  return {
    ok: false,
    error:
      error instanceof KeysUnavailableError
        ? new VerificationError('store_unavailable', 'jwks_unavailable', { retryAfter: 5, cause: error })
        : new VerificationError('internal_error', 'verifier_failed', { cause: error }),
  };
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

/**
 * Builds an app-token verifier for a backend: the shield's strict JWS profile and claim checks
 * (the same code, from `@portcullis/protocol/verification`), with Web Crypto for signatures, so it runs on
 * Node, Cloudflare Workers, Deno and AWS Lambda. Checks, cheapest first: at most 4096 characters,
 * three non-empty segments, canonical base64url, a header of only `alg`, `typ: app+jwt` and a
 * well-formed `kid`; the key by kid from `keys` (pinned to its algorithm); a 64-byte signature
 * that verifies; then every claim of the closed set (`iss`, every `aud` entry served here,
 * `iat`/`exp`/`nbf` with the tolerance, lifetime, `jti`, `plt`, `lvl`, `cnf`, `dev`, `ath`).
 * Verified tokens are cached (bounded LRU) until they expire; a hit still checks `exp` and that
 * its key is still the one `keys` holds. Refusals carry the shield's codes and reasons; a key
 * source with no usable keys gives 503 `store_unavailable` (reason `jwks_unavailable`).
 * Bad options throw a TypeError naming the option.
 *
 * @example
 * ```ts
 * const tokens = createAppTokenVerifier({ keys: createRemoteJwks({ url }), issuer, audiences: ['shop-api'] });
 * const result = await tokens.verify(token);
 * if (result.ok) result.claims.sub;
 * ```
 */
export function createAppTokenVerifier(options: AppTokenVerifierOptions): AppTokenVerifier {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError('createAppTokenVerifier: options must be an object');
  }
  const policy = appTokenPolicy(
    { ...options, maxLifetimeSeconds: options.maxLifetimeSeconds ?? DEFAULT_MAX_LIFETIME_SECONDS },
    'createAppTokenVerifier',
  );
  const keys = options.keys;
  if (typeof keys?.lookup !== 'function') {
    throw new TypeError(
      'createAppTokenVerifier: keys must be a key source (createRemoteJwks, createStaticJwks)',
    );
  }
  const clock = options.clock ?? systemClock;
  if (typeof clock.now !== 'function') throw new TypeError('createAppTokenVerifier: clock must have now()');
  const maxEntries = options.cache?.maxEntries ?? 10_000;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 0) {
    throw new TypeError('createAppTokenVerifier: cache.maxEntries must be a non-negative integer');
  }
  // Keyed by the token itself: only verified tokens enter, each at most 4096 characters.
  const cache = createLruCache<CacheEntry>(maxEntries);
  const headerRules = { algorithms: policy.algorithms, typ: APP_TOKEN_TYP };
  // Every token from one signing key shares its header segment: check it once per key.
  const headerMemo = createLruCache<JwsHeader>(HEADER_MEMO_ENTRIES);
  const tolerance = policy.toleranceSeconds;
  let hits = 0;
  let misses = 0;

  async function verify(token: string): Promise<TokenVerification> {
    const parts = splitCompactJws(token);
    if (!parts.ok) return refused(parts.reason);
    const nowSeconds = Math.floor(clock.now() / 1000);

    const entry = cache.get(token);
    if (entry !== undefined) {
      let current: WebVerificationKey | undefined;
      try {
        const found = keys.lookup(entry.kid);
        current = isPromise(found) ? await found : found;
      } catch (error) {
        return keySourceFailed(error);
      }
      // The key may have been retired or rotated out since: then verify from scratch.
      if (current === entry.key) {
        if (entry.claims.exp <= nowSeconds - tolerance) {
          cache.delete(token);
          return refused('token_expired');
        }
        hits++;
        return { ok: true, claims: entry.claims, kid: entry.kid };
      }
      cache.delete(token);
    }
    misses++;

    const remembered = headerMemo.get(parts.header);
    const payload = decodeBase64(parts.payload, { urlSafe: true });
    const signature = decodeBase64(parts.signature, { urlSafe: true });
    if (payload === undefined || signature === undefined) return refused('token_malformed');
    let header = remembered;
    if (header === undefined) {
      const bytes = decodeBase64(parts.header, { urlSafe: true });
      if (bytes === undefined) return refused('token_malformed');
      const checked = checkJwsHeader(bytes, headerRules);
      if (!checked.ok) return refused(checked.reason);
      header = checked.header;
    }

    let key: WebVerificationKey | undefined;
    try {
      const found = keys.lookup(header.kid);
      key = isPromise(found) ? await found : found;
    } catch (error) {
      return keySourceFailed(error);
    }
    if (key === undefined) return refused('token_kid_unknown');
    if (key.alg !== header.alg) return refused('token_alg_not_allowed');
    if (signature.length !== JWS_SIGNATURE_BYTES) return refused('token_signature_malformed');
    // RFC 7515 §5.2 step 8: the signing input is the ASCII of the first two encoded segments.
    if (!(await verifyWebJwsSignature(key, latin1(parts.signingInput), signature))) {
      return refused('token_signature_invalid');
    }
    // Remembered only now: a header that merely looks right (a made-up kid, a forged signature)
    // must not push the real one out of the memo.
    if (remembered === undefined) headerMemo.set(parts.header, header);

    const checked = checkAppTokenClaims(payload, policy, nowSeconds);
    if (!checked.ok) return refused(checked.reason);
    cache.set(token, { claims: checked.claims, kid: header.kid, key });
    return { ok: true, claims: checked.claims, kid: header.kid };
  }

  return {
    verify,
    stats: () => ({ cacheEntries: cache.size, cacheHits: hits, cacheMisses: misses }),
  };
}
