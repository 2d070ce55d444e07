import type { BucketOutcome, BucketRequest } from './types.js';

/** What a take decided: one outcome per bucket, and the new TAT to store where a cost was taken. */
export interface BucketDecision {
  outcomes: BucketOutcome[];
  /** The theoretical arrival time to store (µs), or null to leave the bucket as it is. */
  newTats: (number | null)[];
}

/**
 * The GCRA (generic cell rate algorithm, a token bucket kept as one number) shared by every
 * store; the Redis Lua script mirrors it line by line. A bucket is its theoretical arrival time
 * `tat`: the moment it would be full again. Taking `cost` units at `now` moves it to
 * `max(tat, now) + cost × interval`, allowed while that lies at most `burst` ahead of `now`.
 * All values are integers in microseconds, exact in doubles until the year 2255.
 *
 * Pure: `tats` are what the store holds (null: never seen or expired), `nowUs` the store's time.
 *
 * @example
 * ```ts
 * const { intervalUs, burstUs } = shapeBucket(5, 600);
 * const { outcomes } = decideBuckets(0, [null], [{ key: 'k', cost: 1, intervalUs, burstUs }], 'all');
 * outcomes[0]?.remaining; // 4
 * ```
 */
export function decideBuckets(
  nowUs: number,
  tats: readonly (number | null)[],
  buckets: readonly BucketRequest[],
  mode: 'all' | 'each',
): BucketDecision {
  const effective: number[] = [];
  const next: number[] = [];
  const allowed: boolean[] = [];
  let every = true;
  for (let i = 0; i < buckets.length; i++) {
    const bucket = buckets[i]!;
    const tat = tats[i] ?? null;
    const eff = tat === null || tat < nowUs ? nowUs : tat;
    const after = eff + bucket.cost * bucket.intervalUs;
    effective.push(eff);
    next.push(after);
    const ok = after - nowUs <= bucket.burstUs;
    allowed.push(ok);
    if (!ok) every = false;
  }
  const outcomes: BucketOutcome[] = [];
  const newTats: (number | null)[] = [];
  for (let i = 0; i < buckets.length; i++) {
    const bucket = buckets[i]!;
    const ok = allowed[i]!;
    const taken = ok && bucket.peek !== true && (mode === 'each' || every);
    const tat = taken ? next[i]! : effective[i]!;
    outcomes.push({
      allowed: ok,
      taken,
      remaining: Math.max(0, Math.floor((bucket.burstUs - (tat - nowUs)) / bucket.intervalUs)),
      fullInUs: tat - nowUs,
      waitUs: ok ? 0 : next[i]! - bucket.burstUs - nowUs,
    });
    newTats.push(taken ? next[i]! : null);
  }
  return { outcomes, newTats };
}

/**
 * GCRA parameters of `max` units per `windowSeconds`: one unit refills every
 * `ceil(window / max)` µs and the bucket holds `max` units. Rounding the interval up keeps the
 * limit at or below what was configured (by at most `max` µs per window).
 */
export function shapeBucket(max: number, windowSeconds: number): { intervalUs: number; burstUs: number } {
  const intervalUs = Math.ceil((windowSeconds * 1_000_000) / max);
  return { intervalUs, burstUs: intervalUs * max };
}
