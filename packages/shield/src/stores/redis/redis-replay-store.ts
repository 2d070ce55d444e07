import type { ReplayStore } from '../ports.js';
import { assertKey, assertTime, assertTtl } from '../store-input.js';
import type { RedisConnection } from './redis-connection.js';

// KEYS[1] the replay key; ARGV[1] now, ARGV[2] now + ttl, ARGV[3] ttl (ms). A key whose stored
// expiry is still after `now` (the caller's clock) was seen; otherwise it is (re)recorded. One
// script runs atomically, so of concurrent calls from any instance exactly one gets 1.
const FIRST_SEEN = `
local expires = redis.call('GET', KEYS[1])
if expires and tonumber(expires) > tonumber(ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
`;

/**
 * Replay keys as Redis strings `<prefix>replay:<key>` holding their expiry, with a Redis TTL of
 * `ttlMs` so Redis frees them. firstSeen() is one Lua script (one key, so it also runs on Redis
 * Cluster).
 */
export function createRedisReplayStore(
  connection: RedisConnection,
  options: { keyPrefix: string },
): ReplayStore {
  return {
    async firstSeen(key: string, ttlMs: number, now: number): Promise<boolean> {
      assertKey('key', key);
      assertTtl('ttlMs', ttlMs);
      assertTime('now', now);
      assertTime('now + ttlMs', now + ttlMs);
      const reply = await connection.command('replay firstSeen', (client) =>
        client.eval(FIRST_SEEN, {
          keys: [`${options.keyPrefix}replay:${key}`],
          arguments: [String(now), String(now + ttlMs), String(ttlMs)],
        }),
      );
      return reply === 1;
    },
  };
}
