import type { ChallengeStore, IssuedChallenge } from '../ports.js';
import { StoreError } from '../store-error.js';
import { assertIssuedChallenge, assertTime, isStorableKey } from '../store-input.js';
import { BoundedExpiryMap } from './bounded-expiry-map.js';
import { assertOpen, type MemoryContext, observeNow, storeFull } from './memory-context.js';

/** A memory ChallengeStore plus the sweep hook its owner calls on a timer. */
export interface MemoryChallengeStore extends ChallengeStore {
  sweep(now: number): number;
  clear(): void;
}

/**
 * Challenges in a bounded map. A consume removes the challenge whatever the outcome, so an
 * expired or mismatched challenge is spent too; when full of live challenges, issue() refuses.
 */
export function createMemoryChallengeStore(context: MemoryContext): MemoryChallengeStore {
  const map = new BoundedExpiryMap<string>(context.maxEntries);
  return {
    async issue(record: IssuedChallenge, now?: number): Promise<void> {
      assertIssuedChallenge(record);
      if (now !== undefined) assertTime('now', now);
      assertOpen(context);
      if (now !== undefined) observeNow(context, now);
      if (map.live(record.challenge, context.latestNow) !== undefined) {
        throw new StoreError('challenge_exists', 'This challenge value is already stored');
      }
      if (!map.set(record.challenge, record.appId, record.expiresAt, context.latestNow)) {
        throw storeFull('challenge', context.maxEntries);
      }
    },
    async consume(challenge: string, now: number): Promise<IssuedChallenge | null> {
      assertTime('now', now);
      if (!isStorableKey('challenge', challenge)) return null;
      assertOpen(context);
      observeNow(context, now);
      const entry = map.take(challenge);
      if (entry === undefined || entry.expiresAt <= now) return null;
      return { challenge, appId: entry.value, expiresAt: entry.expiresAt };
    },
    sweep: (now: number) => map.sweep(now),
    clear: () => map.clear(),
  };
}
