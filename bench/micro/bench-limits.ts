import { randomBytes } from 'node:crypto';
import type { AppTokenClaims } from '@portcullis/protocol';
import type {
  GatewayCheck,
  GatewayCheckContext,
  RouteSpec,
} from '../../packages/shield/src/gateway/types.js';
import { createIdentifierHasher } from '../../packages/shield/src/identifier-hasher.js';
import { createLimitChecks } from '../../packages/shield/src/limits/create-limit-checks.js';
import { createMemoryLimitStore } from '../../packages/shield/src/limits/stores/create-memory-limit-store.js';
import { createRedisLimitStore } from '../../packages/shield/src/limits/stores/create-redis-limit-store.js';
import type { LimitStore } from '../../packages/shield/src/limits/types.js';

export interface LimitBenchResult {
  /** Header-phase limit checks per second (device + ip + global rules) on the memory store. */
  memoryPerSec: number;
  /** The same on Redis (one EVALSHA per check), or null when Redis is unreachable. */
  redisPerSec: number | null;
}

const CONCURRENCY = 16;
const ROUTE: RouteSpec = {
  id: 'bench',
  methods: ['POST'],
  path: '/bench',
  upstream: new URL('http://127.0.0.1:9'),
  public: false,
  require: { token: true },
  inject: { headers: {} },
  maxBodyBytes: 1024,
  timeouts: { connectMs: 1000, headersMs: 1000, bodyMs: 1000 },
};

function context(i: number, now: number): GatewayCheckContext {
  const claims = {
    sub: 'bench',
    cnf: { kid: `device-${i % 1000}`, jwk: { kty: 'EC' } },
  } as unknown as AppTokenClaims;
  return {
    requestId: `bench-${i}`,
    route: ROUTE,
    claims,
    token: null,
    method: 'POST',
    path: '/bench',
    query: null,
    target: '/bench',
    headers: {},
    clientIp: `198.51.100.${i % 250}`,
    body: undefined,
    now,
    setResponseHeader() {},
  };
}

async function measure(check: GatewayCheck, iterations: number): Promise<number> {
  const now = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < iterations) await check.run(context(next++, now));
  };
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return Math.round(iterations / seconds);
}

async function run(store: LimitStore, iterations: number): Promise<number> {
  const limits = createLimitChecks({
    store,
    identifiers: createIdentifierHasher(randomBytes(32)),
    routes: [
      {
        routeId: 'bench',
        rules: [
          { per: 'device', max: 1_000_000_000, windowSeconds: 1 },
          { per: 'ip', max: 1_000_000_000, windowSeconds: 1 },
          {
            per: 'global',
            max: 1_000_000_000,
            windowSeconds: 1,
            group: `bench-${randomBytes(4).toString('hex')}`,
          },
        ],
      },
    ],
  });
  try {
    await measure(limits.checks[0], Math.min(200, iterations));
    return await measure(limits.checks[0], iterations);
  } finally {
    await limits.close();
  }
}

/**
 * Measures limit-check throughput: the headers-phase check with three rules (device, ip,
 * global), 16 requests in flight, on the memory store and on Redis (`PORTCULLIS_BENCH_REDIS_URL`,
 * default redis://127.0.0.1:6379; skipped when unreachable). Keys live about a second. Well under
 * 5 s for up to 20 000 iterations (Redis runs at most 5 000).
 *
 * @example
 * ```ts
 * const { memoryPerSec, redisPerSec } = await benchLimits(5000);
 * ```
 */
export async function benchLimits(iterations: number): Promise<LimitBenchResult> {
  const n = Math.max(100, Math.min(Math.floor(iterations), 20_000));
  const memory = createMemoryLimitStore();
  let memoryPerSec: number;
  try {
    memoryPerSec = await run(memory, n);
  } finally {
    await memory.close();
  }
  let redis: LimitStore;
  try {
    redis = await createRedisLimitStore({
      url: process.env['PORTCULLIS_BENCH_REDIS_URL'] ?? 'redis://127.0.0.1:6379',
      keyPrefix: `portcullis-bench-${randomBytes(4).toString('hex')}:`,
      connectTimeoutMs: 500,
      commandTimeoutMs: 2000,
    });
  } catch {
    return { memoryPerSec, redisPerSec: null };
  }
  try {
    return { memoryPerSec, redisPerSec: await run(redis, Math.min(n, 5000)) };
  } finally {
    await redis.close();
  }
}
