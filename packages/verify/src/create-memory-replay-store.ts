import type { ReplayStore } from './replay-store.js';

/** Options of {@link createMemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /** Most live keys held. Default 100 000. */
  maxEntries?: number;
}

/**
 * A replay store in this process's memory: right for one instance (one Node process, one Lambda
 * container is NOT one instance: use Redis there). When it is full of unexpired keys, firstSeen()
 * rejects instead of forgetting one, so the verifier answers 503 rather than letting a replay
 * through. Expired keys are dropped as time passes (by the `now` callers pass in).
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ ...options, proofs: { replay: createMemoryReplayStore() } });
 * ```
 */
export function createMemoryReplayStore(options: MemoryReplayStoreOptions = {}): ReplayStore {
  const maxEntries = options.maxEntries ?? 100_000;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError('createMemoryReplayStore: maxEntries must be a positive integer');
  }
  // Insertion order is expiry order when every caller uses one ttl; sweeping from the oldest end
  // stops at the first live key, so a sweep costs what it removes.
  const expiries = new Map<string, number>();
  function sweep(now: number): void {
    for (const [key, expiresAt] of expiries) {
      if (expiresAt > now) break;
      expiries.delete(key);
    }
  }
  return {
    async firstSeen(key, ttlMs, now) {
      if (typeof key !== 'string' || key.length === 0)
        throw new TypeError('firstSeen: key must be a non-empty string');
      if (!Number.isSafeInteger(ttlMs) || ttlMs < 1)
        throw new TypeError('firstSeen: ttlMs must be a positive integer');
      if (!Number.isSafeInteger(now) || now < 0) throw new TypeError('firstSeen: now must be a time in ms');
      sweep(now);
      const expiresAt = expiries.get(key);
      if (expiresAt !== undefined && expiresAt > now) return false;
      if (expiresAt !== undefined) expiries.delete(key);
      if (expiries.size >= maxEntries) {
        // Keys with a longer ttl may sit behind a shorter one: look for any expired key before refusing.
        for (const [other, otherExpiry] of expiries) if (otherExpiry <= now) expiries.delete(other);
        if (expiries.size >= maxEntries) throw new Error('memory replay store is full of live proofs');
      }
      expiries.set(key, now + ttlMs);
      return true;
    },
  };
}
