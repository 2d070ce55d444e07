/** How long to wait before attempt `attempt + 1`. */
export interface BackoffOptions {
  /** First delay without a server hint, ms. */
  baseDelayMs: number;
  /** Largest delay without a server hint, ms. */
  maxDelayMs: number;
}

/**
 * The wait before the next attempt, with jitter so that many devices throttled at once do not
 * come back at once. With a server hint (`Retry-After`), never earlier than the hint and up to
 * 20 % later; without one, "equal jitter" exponential backoff: between half and all of
 * `min(maxDelayMs, baseDelayMs · 2^attempt)`.
 *
 * @example
 * ```ts
 * backoffDelay(0, { baseDelayMs: 500, maxDelayMs: 30_000 }, undefined, Math.random); // 250..500
 * backoffDelay(2, { baseDelayMs: 500, maxDelayMs: 30_000 }, 3, Math.random); // 3000..3600
 * ```
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  retryAfterSeconds: number | undefined,
  random: () => number,
): number {
  const jitter = Math.min(Math.max(random(), 0), 1);
  if (retryAfterSeconds !== undefined) {
    const hinted = retryAfterSeconds * 1000;
    return Math.round(hinted + hinted * 0.2 * jitter);
  }
  const cap = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.round(cap / 2 + (cap / 2) * jitter);
}
