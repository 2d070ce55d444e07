/** One enforced limit as the client sees it after a decision. */
export interface RateLimitEntry {
  /** Policy name: `[a-z0-9_.-]{1,32}`, so it needs no escaping inside an sf-string. */
  policy: string;
  /** Units per window (`q`). */
  quota: number;
  /** Window in seconds (`w`). */
  windowSeconds: number;
  /** Units left (`r`). */
  remaining: number;
  /** Seconds until the bucket is full again (`t`), rounded up. */
  resetSeconds: number;
}

/**
 * The `RateLimit-Policy` and `RateLimit` response fields of draft-ietf-httpapi-ratelimit-headers
 * (-10/-11): Structured Field Lists of quoted policy names with `q`/`w` and `r`/`t` parameters.
 * Units are requests, or the budget's cost units (recipients, ...) for a budget's policy.
 *
 * @example
 * ```ts
 * formatRateLimitHeaders([{ policy: 'device', quota: 5, windowSeconds: 3600, remaining: 0, resetSeconds: 42 }]);
 * // { policy: '"device";q=5;w=3600', rateLimit: '"device";r=0;t=42' }
 * ```
 */
export function formatRateLimitHeaders(entries: readonly RateLimitEntry[]): {
  policy: string;
  rateLimit: string;
} {
  return {
    policy: entries.map((e) => `"${e.policy}";q=${e.quota};w=${e.windowSeconds}`).join(', '),
    rateLimit: entries.map((e) => `"${e.policy}";r=${e.remaining};t=${e.resetSeconds}`).join(', '),
  };
}
