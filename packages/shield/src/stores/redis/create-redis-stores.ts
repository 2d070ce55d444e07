import type { ChallengeStore, ReplayStore } from '../ports.js';
import type { StoreOutageError } from '../store-outage-error.js';
import { createRedisChallengeStore } from './redis-challenge-store.js';
import { connectRedis } from './redis-connection.js';
import { createRedisReplayStore } from './redis-replay-store.js';

export interface RedisStoresOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://...`. Never logged. */
  url: string;
  /** Prefix of every key we write. Default `portcullis:`. */
  keyPrefix?: string;
  /** Bound on the first connection (TCP and handshake), in ms. Default 2000. */
  connectTimeoutMs?: number;
  /** Bound on every command; beyond it the call fails with StoreOutageError(store_timeout). Default 500 ms. */
  commandTimeoutMs?: number;
  /**
   * How long Redis keeps an unconsumed challenge, in ms (Redis's clock). Must exceed the longest
   * challenge TTL the shield issues. Default 600 000 (10 minutes).
   */
  challengeRetentionMs?: number;
  /** Most commands waiting for Redis at once; beyond it calls fail at once. Default 10 000. */
  maxPendingCommands?: number;
  /** Told about connection trouble seen outside a call (lost connection, policy changed). */
  onError?: (error: StoreOutageError) => void;
}

/** The Redis half of the redis+postgres stores. */
export interface RedisStores {
  challenges: ChallengeStore;
  replay: ReplayStore;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const KEY_PREFIX = /^[A-Za-z0-9:_.{}-]{0,64}$/;

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer`);
  return value;
}

/**
 * Challenges and replay keys in Redis (node-redis 5), shared by every instance of the shield.
 * Refuses (StoreError) a Redis whose maxmemory-policy could evict our keys; a Redis that cannot
 * be reached within connectTimeoutMs is a StoreOutageError.
 *
 * @example
 * ```ts
 * const redis = await createRedisStores({ url: 'redis://127.0.0.1:6379', keyPrefix: 'shop:' });
 * ```
 */
export async function createRedisStores(options: RedisStoresOptions): Promise<RedisStores> {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new TypeError('redisUrl must be a redis:// or rediss:// URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new TypeError('redisUrl must be a redis:// or rediss:// URL');
  }
  const keyPrefix = options.keyPrefix ?? 'portcullis:';
  if (!KEY_PREFIX.test(keyPrefix)) {
    throw new TypeError('keyPrefix must be at most 64 characters of A-Z a-z 0-9 : _ . { } -');
  }
  const retentionMs = positiveInteger('challengeRetentionMs', options.challengeRetentionMs ?? 600_000);
  const connection = await connectRedis({
    url: options.url,
    connectTimeoutMs: positiveInteger('connectTimeoutMs', options.connectTimeoutMs ?? 2000),
    commandTimeoutMs: positiveInteger('commandTimeoutMs', options.commandTimeoutMs ?? 500),
    maxPendingCommands: positiveInteger('maxPendingCommands', options.maxPendingCommands ?? 10_000),
    onError: options.onError ?? (() => undefined),
  });
  return {
    challenges: createRedisChallengeStore(connection, { keyPrefix, retentionMs }),
    replay: createRedisReplayStore(connection, { keyPrefix }),
    ping: () => connection.ping(),
    close: () => connection.close(),
  };
}
