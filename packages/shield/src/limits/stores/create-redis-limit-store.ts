import { createHash } from 'node:crypto';
import { ErrorReply } from 'redis';
import { connectRedis } from '../../stores/redis/redis-connection.js';
import { StoreOutageError } from '../../stores/store-outage-error.js';
import { decideBuckets } from '../decide-buckets.js';
import type { BucketOutcome, BucketRequest, LimitStore } from '../types.js';
import { assertBuckets } from './assert-buckets.js';

export interface RedisLimitStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://...`. Never logged. */
  url: string;
  /** Prefix of every key written. Default `portcullis:limit:`. */
  keyPrefix?: string;
  /** Bound on the first connection, ms. Default 2000. */
  connectTimeoutMs?: number;
  /**
   * Bound on each take, ms; beyond it the take fails with StoreOutageError `store_timeout` and the
   * route's outage choice applies (F-02). It also counts this process's own event-loop delay, so
   * too low a value turns a busy instance into an outage. Default 200.
   */
  commandTimeoutMs?: number;
  /** Most takes waiting for Redis at once; beyond it takes fail at once. Default 10 000. */
  maxPendingCommands?: number;
  /** Told about connection trouble seen outside a take (lost connection, eviction policy changed). */
  onError?: (error: StoreOutageError) => void;
}

/** A Redis limit store also answers readiness checks. */
export interface RedisLimitStore extends LimitStore {
  ping(): Promise<void>;
}

/**
 * GCRA over several buckets in one atomic step, mirroring decideBuckets. Time is Redis's own
 * (TIME), so every instance judges one window by one clock whatever its own clock says (F-10).
 * KEYS: the buckets. ARGV[1]: 'all' or 'each'; then per bucket: cost, interval µs, burst µs, peek.
 * Reply: now µs, then per bucket the stored TAT (-1 when none) and 1 when the cost was taken.
 * Numbers go through string.format('%.0f') because Lua's default number format keeps only 14
 * significant digits and a TAT in µs has 16.
 */
export const TAKE_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local all = ARGV[1] == 'all'
local raw, nxt, ok = {}, {}, {}
local every = true
for i = 1, #KEYS do
  local b = 1 + (i - 1) * 4
  local tat = tonumber(redis.call('GET', KEYS[i]))
  raw[i] = tat or -1
  if tat == nil or tat <= now then tat = now end
  nxt[i] = tat + tonumber(ARGV[b + 1]) * tonumber(ARGV[b + 2])
  ok[i] = nxt[i] - now <= tonumber(ARGV[b + 3])
  if not ok[i] then every = false end
end
local reply = { now }
for i = 1, #KEYS do
  local peek = ARGV[1 + (i - 1) * 4 + 4] == '1'
  local taken = ok[i] and not peek and (every or not all)
  if taken then
    local ttl = math.ceil((nxt[i] - now) / 1000) + 1
    redis.call('SET', KEYS[i], string.format('%.0f', nxt[i]), 'PX', string.format('%.0f', ttl))
  end
  reply[#reply + 1] = raw[i]
  reply[#reply + 1] = taken and 1 or 0
end
return reply
`;

const TAKE_SHA = createHash('sha1').update(TAKE_SCRIPT).digest('hex');
const KEY_PREFIX = /^[A-Za-z0-9:_.{}-]{0,64}$/;

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer`);
  return value;
}

function readReply(
  reply: unknown,
  count: number,
): { nowUs: number; tats: (number | null)[]; taken: boolean[] } {
  if (!Array.isArray(reply) || reply.length !== 1 + 2 * count || !reply.every((v) => typeof v === 'number')) {
    throw new StoreOutageError('store_failed', 'Redis limit take: the script answered in an unexpected form');
  }
  const values = reply as number[];
  const tats: (number | null)[] = [];
  const taken: boolean[] = [];
  for (let i = 0; i < count; i++) {
    const tat = values[1 + 2 * i]!;
    tats.push(tat < 0 || tat <= values[0]! ? null : tat);
    taken.push(values[2 + 2 * i] === 1);
  }
  return { nowUs: values[0]!, tats, taken };
}

/**
 * Limit buckets in Redis (node-redis 5), shared by every instance of the shield. One take is one
 * EVALSHA of TAKE_SCRIPT (EVAL once after a Redis restart forgot it), atomic over all of its
 * buckets; each bucket is one string key holding its TAT, expiring when the bucket is full again.
 * Every take is bounded by commandTimeoutMs; no offline queue, so while Redis is away takes fail
 * at once with StoreOutageError and the route's outage choice applies; the client reconnects by
 * itself. Like the other Redis stores it refuses a Redis whose maxmemory-policy could evict keys
 * (an evicted bucket is a fresh limit). Keys of one take may lie in different hash slots: use a
 * single Redis (or Sentinel), not Redis Cluster.
 *
 * @example
 * ```ts
 * const store = await createRedisLimitStore({ url: 'redis://127.0.0.1:6379', keyPrefix: 'shop:limit:' });
 * ```
 */
export async function createRedisLimitStore(options: RedisLimitStoreOptions): Promise<RedisLimitStore> {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new TypeError('url must be a redis:// or rediss:// URL');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new TypeError('url must be a redis:// or rediss:// URL');
  }
  const keyPrefix = options.keyPrefix ?? 'portcullis:limit:';
  if (!KEY_PREFIX.test(keyPrefix)) {
    throw new TypeError('keyPrefix must be at most 64 characters of A-Z a-z 0-9 : _ . { } -');
  }
  const connection = await connectRedis({
    url: options.url,
    connectTimeoutMs: positiveInteger('connectTimeoutMs', options.connectTimeoutMs ?? 2000),
    commandTimeoutMs: positiveInteger('commandTimeoutMs', options.commandTimeoutMs ?? 200),
    maxPendingCommands: positiveInteger('maxPendingCommands', options.maxPendingCommands ?? 10_000),
    onError: options.onError ?? (() => undefined),
  });

  async function take(
    buckets: readonly BucketRequest[],
    mode: 'all' | 'each',
    now: number,
  ): Promise<BucketOutcome[]> {
    assertBuckets(buckets, mode, now);
    const keys = buckets.map((bucket) => keyPrefix + bucket.key);
    const args: string[] = [mode];
    for (const bucket of buckets) {
      args.push(
        String(bucket.cost),
        String(bucket.intervalUs),
        String(bucket.burstUs),
        bucket.peek === true ? '1' : '0',
      );
    }
    const reply = await connection.command('limit take', async (client) => {
      try {
        return await client.evalSha(TAKE_SHA, { keys, arguments: args });
      } catch (error) {
        if (!(error instanceof ErrorReply) || !error.message.startsWith('NOSCRIPT')) throw error;
        return client.eval(TAKE_SCRIPT, { keys, arguments: args });
      }
    });
    const { nowUs, tats, taken } = readReply(reply, buckets.length);
    const { outcomes } = decideBuckets(nowUs, tats, buckets, mode);
    for (let i = 0; i < outcomes.length; i++) {
      if (outcomes[i]!.taken !== taken[i]) {
        throw new StoreOutageError('store_failed', 'Redis limit take: the script and decideBuckets disagree');
      }
    }
    return outcomes;
  }

  return {
    kind: 'redis',
    take,
    ping: () => connection.ping(),
    close: () => connection.close(),
  };
}
