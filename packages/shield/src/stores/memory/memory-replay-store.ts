import type { ReplayStore } from '../ports.js';
import { assertKey, assertTime, assertTtl } from '../store-input.js';
import { BoundedExpiryMap } from './bounded-expiry-map.js';
import { assertOpen, type MemoryContext, observeNow, storeFull } from './memory-context.js';

/** A memory ReplayStore plus the sweep hook its owner calls on a timer. */
export interface MemoryReplayStore extends ReplayStore {
  sweep(now: number): number;
  clear(): void;
}

/**
 * Replay keys in a bounded map. When it is full of live keys, firstSeen() throws
 * StoreOutageError(store_full) instead of forgetting a key: the caller fails closed (503)
 * rather than letting a replay through.
 */
export function createMemoryReplayStore(context: MemoryContext): MemoryReplayStore {
  const map = new BoundedExpiryMap<null>(context.maxEntries);
  return {
    async firstSeen(key: string, ttlMs: number, now: number): Promise<boolean> {
      assertKey('key', key);
      assertTtl('ttlMs', ttlMs);
      assertTime('now', now);
      assertTime('now + ttlMs', now + ttlMs);
      assertOpen(context);
      observeNow(context, now);
      if (map.live(key, now) !== undefined) return false;
      if (!map.set(key, null, now + ttlMs, context.latestNow)) throw storeFull('replay', context.maxEntries);
      return true;
    },
    sweep: (now: number) => map.sweep(now),
    clear: () => map.clear(),
  };
}
