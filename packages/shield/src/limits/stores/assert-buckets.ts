import type { BucketRequest } from '../types.js';

/** Most buckets one take may hold. */
export const MAX_BUCKETS_PER_TAKE = 32;
/** Longest bucket key, before a store's own prefix. */
export const MAX_BUCKET_KEY_LENGTH = 200;

function positive(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

/**
 * The argument checks every limit store runs before touching its backend, so all of them refuse
 * the same inputs with the same TypeError (a caller bug, never an outage).
 */
export function assertBuckets(buckets: readonly BucketRequest[], mode: string, now: number): void {
  if (!Array.isArray(buckets as unknown) || buckets.length === 0 || buckets.length > MAX_BUCKETS_PER_TAKE) {
    throw new TypeError(`buckets must be an array of 1 to ${MAX_BUCKETS_PER_TAKE} bucket requests`);
  }
  if (mode !== 'all' && mode !== 'each') throw new TypeError("mode must be 'all' or 'each'");
  if (!Number.isSafeInteger(now) || now < 0) throw new TypeError('now must be epoch milliseconds');
  const keys = new Set<string>();
  for (const bucket of buckets) {
    if (
      typeof bucket?.key !== 'string' ||
      bucket.key.length === 0 ||
      bucket.key.length > MAX_BUCKET_KEY_LENGTH ||
      !positive(bucket.cost) ||
      !positive(bucket.intervalUs) ||
      !positive(bucket.burstUs) ||
      bucket.burstUs < bucket.intervalUs ||
      !Number.isSafeInteger(bucket.cost * bucket.intervalUs)
    ) {
      throw new TypeError(
        'each bucket needs a key of 1-200 characters and positive integer cost, intervalUs and burstUs',
      );
    }
    if (keys.has(bucket.key)) throw new TypeError('a take names each bucket key once');
    keys.add(bucket.key);
  }
}
