import { StoreOutageError } from '../../stores/store-outage-error.js';
import { decideBuckets } from '../decide-buckets.js';
import type { BucketOutcome, BucketRequest, LimitStore } from '../types.js';
import { assertBuckets } from './assert-buckets.js';

export interface MemoryLimitStoreOptions {
  /** Most buckets held at once. Default 100 000. Full of live buckets: takes that need a new one fail with `store_full`. */
  maxKeys?: number;
}

/**
 * Limit buckets in this process's memory: one instance only (several instances would each allow
 * the whole limit), and the insurance limiter of the other stores. Takes are synchronous inside,
 * so they are atomic. A bucket is kept until it is full again (its TAT has passed); expired
 * buckets are swept when room is needed. When every slot holds a live bucket a take that needs a
 * new one fails with StoreOutageError `store_full` (the route's outage choice then applies)
 * instead of forgetting a live bucket, which would hand its owner a fresh limit.
 *
 * @example
 * ```ts
 * const store = createMemoryLimitStore({ maxKeys: 50_000 });
 * ```
 */
export function createMemoryLimitStore(options: MemoryLimitStoreOptions = {}): LimitStore {
  const maxKeys = options.maxKeys ?? 100_000;
  if (!Number.isSafeInteger(maxKeys) || maxKeys < 1)
    throw new TypeError('maxKeys must be a positive integer');
  const tats = new Map<string, number>();
  let closed = false;
  /** No sweep can free anything before this time (µs): the earliest TAT seen by the last sweep. */
  let nextUsefulSweep = 0;

  function sweep(nowUs: number): void {
    if (nowUs < nextUsefulSweep) return;
    let earliest = Number.POSITIVE_INFINITY;
    for (const [key, tat] of tats) {
      if (tat <= nowUs) tats.delete(key);
      else if (tat < earliest) earliest = tat;
    }
    nextUsefulSweep = earliest;
  }

  function take(buckets: readonly BucketRequest[], mode: 'all' | 'each', now: number): BucketOutcome[] {
    assertBuckets(buckets, mode, now);
    if (closed) throw new StoreOutageError('store_closed', 'The limit store was used after close()');
    const nowUs = now * 1000;
    const current = buckets.map((bucket) => {
      const tat = tats.get(bucket.key);
      return tat === undefined || tat <= nowUs ? null : tat;
    });
    const { outcomes, newTats } = decideBuckets(nowUs, current, buckets, mode);
    let added = 0;
    for (let i = 0; i < buckets.length; i++) {
      if (newTats[i] !== null && !tats.has(buckets[i]!.key)) added++;
    }
    if (added > 0 && tats.size + added > maxKeys) {
      sweep(nowUs);
      if (tats.size + added > maxKeys) {
        throw new StoreOutageError('store_full', 'The memory limit store holds maxKeys live buckets');
      }
    }
    for (let i = 0; i < buckets.length; i++) {
      const tat = newTats[i];
      if (tat !== null && tat !== undefined) tats.set(buckets[i]!.key, tat);
    }
    return outcomes;
  }

  return {
    kind: 'memory',
    take: (buckets, mode, now) => {
      try {
        return Promise.resolve(take(buckets, mode, now));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async close() {
      closed = true;
      tats.clear();
    },
  };
}
