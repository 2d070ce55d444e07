import type { ReplayStore } from './replay-store.js';

/**
 * The one Redis command the replay store needs, in node-redis's (v4, v5) shape:
 * `SET key value NX PX ttl`, resolving to `'OK'` when the key was set and null when it existed.
 * For ioredis pass `{ set: (k, v, o) => client.set(k, v, 'PX', o.PX, 'NX') }`; for Upstash
 * `{ set: (k, v, o) => redis.set(k, v, { nx: true, px: o.PX }) }`.
 */
export interface RedisSetClient {
  set(key: string, value: string, options: { NX: true; PX: number }): Promise<string | null | undefined>;
}

/** Options of {@link createRedisReplayStore}. */
export interface RedisReplayStoreOptions {
  client: RedisSetClient;
  /**
   * Prefix of every key. Default `portcullis:verify:replay:`. Keep it apart from the shield's own
   * replay keys: a backend behind the shield sees the proofs the shield has already recorded.
   */
  prefix?: string;
}

/**
 * A replay store on Redis, shared by every instance of the backend: one `SET NX PX` per proof,
 * atomic in Redis, expiring on its own. A Redis error rejects, and the verifier answers 503.
 *
 * @example
 * ```ts
 * const redis = await createClient({ url: process.env.REDIS_URL }).connect();
 * const replay = createRedisReplayStore({ client: redis });
 * ```
 */
export function createRedisReplayStore(options: RedisReplayStoreOptions): ReplayStore {
  if (typeof options?.client?.set !== 'function') {
    throw new TypeError('createRedisReplayStore: client must have set(key, value, { NX, PX })');
  }
  const prefix = options.prefix ?? 'portcullis:verify:replay:';
  if (typeof prefix !== 'string' || prefix.length > 128) {
    throw new TypeError('createRedisReplayStore: prefix must be a string of at most 128 characters');
  }
  const client = options.client;
  return {
    async firstSeen(key, ttlMs) {
      if (typeof key !== 'string' || key.length === 0)
        throw new TypeError('firstSeen: key must be a non-empty string');
      if (!Number.isSafeInteger(ttlMs) || ttlMs < 1)
        throw new TypeError('firstSeen: ttlMs must be a positive integer');
      const answer = await client.set(`${prefix}${key}`, '1', { NX: true, PX: ttlMs });
      if (answer === 'OK') return true;
      if (answer === null || answer === undefined) return false;
      throw new Error('unexpected answer from Redis SET NX');
    },
  };
}
