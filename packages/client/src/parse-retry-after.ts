const DELTA_SECONDS = /^\d{1,9}$/;

/**
 * Reads a `Retry-After` value (RFC 9110 §10.2.3): delay-seconds, or an HTTP-date measured from
 * `nowMs`. Returns whole seconds, or undefined for anything unreadable (never a guess).
 *
 * @example
 * ```ts
 * parseRetryAfter('7', Date.now()); // 7
 * ```
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (DELTA_SECONDS.test(text)) return Number(text);
  const at = Date.parse(text);
  if (!Number.isFinite(at)) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}
