import type { ChallengeStore, IssuedChallenge } from '../ports.js';
import { StoreError } from '../store-error.js';
import { assertIssuedChallenge, assertTime, isStorableKey } from '../store-input.js';
import { StoreOutageError } from '../store-outage-error.js';
import type { RedisConnection } from './redis-connection.js';

function decodeValue(value: string): { appId: string; expiresAt: number } | undefined {
  try {
    const parsed: unknown = JSON.parse(value);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { a, e } = parsed as { a?: unknown; e?: unknown };
    return typeof a === 'string' && typeof e === 'number' && Number.isSafeInteger(e)
      ? { appId: a, expiresAt: e }
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Challenges as Redis strings `<prefix>challenge:<challenge>`. issue() is `SET NX PX`;
 * consume() is `GETDEL`, atomic across every instance, and it spends the challenge whatever the
 * outcome. Expiry is judged by the caller's `now` against the stored expiresAt; the Redis TTL
 * (`retentionMs`, counted by Redis's clock from issue) only bounds how long an unused challenge
 * occupies memory, so it must exceed the longest challenge TTL the shield hands out.
 */
export function createRedisChallengeStore(
  connection: RedisConnection,
  options: { keyPrefix: string; retentionMs: number },
): ChallengeStore {
  const keyOf = (challenge: string) => `${options.keyPrefix}challenge:${challenge}`;
  return {
    async issue(record: IssuedChallenge): Promise<void> {
      assertIssuedChallenge(record);
      const value = JSON.stringify({ a: record.appId, e: record.expiresAt });
      const reply = await connection.command('challenge issue', (client) =>
        client.set(keyOf(record.challenge), value, {
          expiration: { type: 'PX', value: options.retentionMs },
          condition: 'NX',
        }),
      );
      if (reply === null) throw new StoreError('challenge_exists', 'This challenge value is already stored');
    },
    async consume(challenge: string, now: number): Promise<IssuedChallenge | null> {
      assertTime('now', now);
      if (!isStorableKey('challenge', challenge)) return null;
      const value = await connection.command('challenge consume', (client) =>
        client.getDel(keyOf(challenge)),
      );
      if (value === null) return null;
      const decoded = decodeValue(String(value));
      if (decoded === undefined) {
        throw new StoreOutageError(
          'store_failed',
          'Redis challenge consume: the stored value is not a challenge',
        );
      }
      return decoded.expiresAt > now ? { challenge, ...decoded } : null;
    },
  };
}
