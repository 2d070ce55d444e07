import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, type TestContext, test } from 'node:test';
import Database from 'better-sqlite3';
import { createClient } from 'redis';
import { deleteRedisKeys, REDIS_URL, requireService } from '../../../test/support/services.js';
import { StoreError } from '../../stores/store-error.js';
import { StoreOutageError } from '../../stores/store-outage-error.js';
import { shapeBucket } from '../decide-buckets.js';
import { startFreezableProxy, startRedisProcess, startSilentServer } from '../test-support/redis-process.js';
import type { BucketRequest, LimitStore } from '../types.js';
import { createMemoryLimitStore } from './create-memory-limit-store.js';
import { createRedisLimitStore } from './create-redis-limit-store.js';
import { createSqliteLimitStore } from './create-sqlite-limit-store.js';

const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);
const RUN = randomBytes(4).toString('hex');
const dir = mkdtempSync(join(tmpdir(), 'portcullis-limits-'));
const prefixes: string[] = [];

after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await deleteRedisKeys(prefixes);
});

let made = 0;
function redisPrefix(): string {
  made++;
  const prefix = `ptl-${RUN}-${made}:`;
  prefixes.push(prefix);
  return prefix;
}

function bucket(key: string, max: number, windowSeconds: number, cost = 1): BucketRequest {
  return { key, cost, ...shapeBucket(max, windowSeconds) };
}

interface Backend {
  name: string;
  /** Whether takes judge time by the caller's `now` (memory, SQLite) rather than the store's own clock. */
  callerClock: boolean;
  ready(t: TestContext): Promise<boolean>;
  create(): Promise<LimitStore>;
}

const backends: Backend[] = [
  {
    name: 'memory',
    callerClock: true,
    ready: async () => true,
    create: async () => createMemoryLimitStore(),
  },
  {
    name: 'sqlite',
    callerClock: true,
    ready: async () => true,
    create: async () => createSqliteLimitStore({ path: join(dir, `limits-${++made}.db`) }),
  },
  {
    name: 'redis',
    callerClock: false,
    ready: (t) => requireService(t, 'redis'),
    create: () => createRedisLimitStore({ url: REDIS_URL, keyPrefix: redisPrefix(), commandTimeoutMs: 1000 }),
  },
];

for (const backend of backends) {
  describe(`limit store conformance: ${backend.name}`, () => {
    async function open(t: TestContext): Promise<LimitStore | null> {
      if (!(await backend.ready(t))) return null;
      const store = await backend.create();
      t.after(() => store.close());
      return store;
    }

    test('a limit of 10 with 50 concurrent takes allows exactly 10', async (t) => {
      const store = await open(t);
      if (store === null) return;
      const outcomes = await Promise.all(
        Array.from({ length: 50 }, () => store.take([bucket('exact', 10, 3600)], 'all', T0)),
      );
      assert.equal(outcomes.filter((o) => o[0]!.allowed).length, 10);
      const remaining = outcomes.filter((o) => o[0]!.allowed).map((o) => o[0]!.remaining);
      assert.deepEqual(
        [...remaining].sort((a, b) => a - b),
        [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      );
    });

    test("'all': a refused bucket leaves every other bucket of the take untouched", async (t) => {
      const store = await open(t);
      if (store === null) return;
      const wide = bucket('wide', 10, 3600);
      const narrow = bucket('narrow', 1, 3600);
      const first = await store.take([wide, narrow], 'all', T0);
      assert.deepEqual(
        first.map((o) => o.taken),
        [true, true],
      );
      const second = await store.take([wide, narrow], 'all', T0);
      assert.deepEqual(
        second.map((o) => [o.allowed, o.taken]),
        [
          [true, false],
          [false, false],
        ],
      );
      const third = await store.take([wide], 'all', T0);
      assert.equal(third[0]!.remaining, 8, 'the refused take spent nothing of the wide bucket');
    });

    test("'each' decides every bucket alone; peeks judge without taking", async (t) => {
      const store = await open(t);
      if (store === null) return;
      await store.take([bucket('full', 1, 3600)], 'all', T0);
      const each = await store.take([bucket('free', 5, 3600), bucket('full', 1, 3600)], 'each', T0);
      assert.deepEqual(
        each.map((o) => o.taken),
        [true, false],
      );
      const peek = { ...bucket('free', 5, 3600), peek: true };
      for (let i = 0; i < 3; i++) {
        const [outcome] = await store.take([peek], 'all', T0);
        assert.deepEqual([outcome!.allowed, outcome!.taken, outcome!.remaining], [true, false, 4]);
      }
      const [blocked] = await store.take([{ ...bucket('full', 1, 3600), peek: true }], 'all', T0);
      assert.equal(blocked!.allowed, false);
    });

    test('costs: units are taken as a whole or not at all', async (t) => {
      const store = await open(t);
      if (store === null) return;
      const [a] = await store.take([bucket('cost', 10, 3600, 7)], 'all', T0);
      assert.deepEqual([a!.allowed, a!.remaining], [true, 3]);
      const [b] = await store.take([bucket('cost', 10, 3600, 4)], 'all', T0);
      assert.deepEqual([b!.allowed, b!.remaining], [false, 3]);
      assert.ok(b!.waitUs > 0 && b!.waitUs <= 360_000_000 + 1_000_000, String(b!.waitUs));
      const [c] = await store.take([bucket('cost', 10, 3600, 3)], 'all', T0);
      assert.deepEqual([c!.allowed, c!.remaining], [true, 0]);
    });

    test('units come back smoothly over the window', async (t) => {
      const store = await open(t);
      if (store === null) return;
      if (backend.callerClock) {
        for (let i = 0; i < 4; i++) await store.take([bucket('refill', 4, 4)], 'all', T0);
        assert.equal((await store.take([bucket('refill', 4, 4)], 'all', T0 + 999))[0]!.allowed, false);
        const later = await store.take([bucket('refill', 4, 4)], 'all', T0 + 1000);
        assert.deepEqual([later[0]!.allowed, later[0]!.remaining], [true, 0]);
        const full = await store.take([bucket('refill', 4, 4)], 'all', T0 + 60_000);
        assert.equal(full[0]!.remaining, 3);
        return;
      }
      // Redis judges by its own clock: drain 10/s, wait, and compare with the time that passed.
      const shape = bucket('refill', 10, 1);
      const started = performance.now();
      for (let i = 0; i < 10; i++) await store.take([shape], 'all', T0);
      await new Promise((r) => setTimeout(r, 350));
      let allowed = 0;
      for (let i = 0; i < 10; i++) if ((await store.take([shape], 'all', T0))[0]!.allowed) allowed++;
      const elapsed = performance.now() - started;
      assert.ok(allowed >= 3 && allowed <= Math.ceil(elapsed / 100) + 1, `${allowed} after ${elapsed} ms`);
    });

    test('bad takes are TypeErrors; a closed store is store_closed', async (t) => {
      const store = await open(t);
      if (store === null) return;
      const ok = bucket('k', 1, 1);
      await assert.rejects(store.take([], 'all', T0), TypeError);
      await assert.rejects(store.take([ok, ok], 'all', T0), TypeError);
      await assert.rejects(store.take([{ ...ok, cost: 0 }], 'all', T0), TypeError);
      await assert.rejects(store.take([{ ...ok, key: 'x'.repeat(201) }], 'all', T0), TypeError);
      await assert.rejects(store.take([ok], 'some' as 'all', T0), TypeError);
      await assert.rejects(store.take([ok], 'all', -1), TypeError);
      await store.close();
      await assert.rejects(
        store.take([ok], 'all', T0),
        (error: unknown) => error instanceof StoreOutageError && error.reason === 'store_closed',
      );
    });
  });
}

describe('memory limit store', () => {
  test('full of live buckets: a take needing a new one is store_full; expired buckets make room', async () => {
    const store = createMemoryLimitStore({ maxKeys: 3 });
    for (const key of ['a', 'b', 'c']) await store.take([bucket(key, 1, 10)], 'all', T0);
    await assert.rejects(
      store.take([bucket('d', 1, 10)], 'all', T0),
      (error: unknown) => error instanceof StoreOutageError && error.reason === 'store_full',
    );
    // Existing buckets still work while full.
    assert.equal((await store.take([bucket('a', 1, 10)], 'all', T0))[0]!.allowed, false);
    assert.equal((await store.take([bucket('d', 1, 10)], 'all', T0 + 10_000))[0]!.allowed, true);
  });
});

describe('SQLite limit store', () => {
  test('two connections on one file share the limits; a caller-owned database works too', async () => {
    const path = join(dir, 'shared.db');
    const a = createSqliteLimitStore({ path });
    const b = createSqliteLimitStore({ path });
    const db = new Database(path);
    const c = createSqliteLimitStore({ database: db });
    try {
      const stores = [a, b, c];
      const outcomes = await Promise.all(
        Array.from({ length: 30 }, (_, i) => stores[i % 3]!.take([bucket('shared', 10, 3600)], 'all', T0)),
      );
      assert.equal(outcomes.filter((o) => o[0]!.allowed).length, 10);
    } finally {
      await a.close();
      await b.close();
      await c.close();
      assert.equal(db.open, true, 'a caller-owned database stays open');
      db.close();
    }
  });

  test('three processes taking from one bucket at once: exactly max allowed in total', async () => {
    const path = join(dir, 'processes.db');
    await createSqliteLimitStore({ path }).close();
    const start = join(dir, 'processes.start');
    const worker = new URL('../test-support/sqlite-take-worker.ts', import.meta.url).pathname;
    const runs = Array.from({ length: 3 }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', worker, path, '40', start], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
      });
      const ready = new Promise<void>((resolve) =>
        child.stdout.on('data', () => out.includes('ready') && resolve()),
      );
      const done = new Promise<number>((resolve, reject) =>
        child.on('exit', (code) =>
          code === 0
            ? resolve(Number(out.trim().split('\n').at(-1)))
            : reject(new Error(`worker exit ${code}`)),
        ),
      );
      return { ready, done };
    });
    await Promise.all(runs.map((r) => r.ready));
    writeFileSync(start, '');
    const allowed = await Promise.all(runs.map((r) => r.done));
    assert.equal(
      allowed.reduce((a, b) => a + b, 0),
      30,
      `per process: ${allowed.join(', ')}`,
    );
  });

  test('expired rows are deleted at most once per cleanup interval', async () => {
    const path = join(dir, 'cleanup.db');
    const store = createSqliteLimitStore({ path, cleanupIntervalMs: 60_000 });
    const db = new Database(path, { readonly: true });
    try {
      for (let i = 0; i < 5; i++) await store.take([bucket(`k${i}`, 1, 1)], 'all', T0);
      const rows = () =>
        (db.prepare('SELECT count(*) AS n FROM portcullis_limit_buckets').get() as { n: number }).n;
      assert.equal(rows(), 5);
      await store.take([bucket('late', 1, 1)], 'all', T0 + 30_000);
      assert.equal(rows(), 6, 'no cleanup before the interval');
      await store.take([bucket('later', 1, 1)], 'all', T0 + 61_000);
      assert.equal(rows(), 1);
    } finally {
      db.close();
      await store.close();
    }
  });

  test('bad options are TypeErrors', () => {
    assert.throws(() => createSqliteLimitStore({ path: '' }), TypeError);
    assert.throws(() => createSqliteLimitStore({ database: {} as Database.Database }), TypeError);
    assert.throws(() => createSqliteLimitStore({ path: join(dir, 'x.db'), cleanupIntervalMs: 0 }), TypeError);
  });
});

describe('Redis limit store', () => {
  test('F-10: windows follow Redis TIME, so callers with skewed clocks share one window', async (t) => {
    if (!(await requireService(t, 'redis'))) return;
    const prefix = redisPrefix();
    const g1 = await createRedisLimitStore({ url: REDIS_URL, keyPrefix: prefix });
    const g2 = await createRedisLimitStore({ url: REDIS_URL, keyPrefix: prefix });
    t.after(async () => {
      await g1.close();
      await g2.close();
    });
    const shape = bucket('skew', 5, 3600);
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        // G2's clock is an hour ahead: it must neither split nor extend the window.
        i % 2 === 0 ? g1.take([shape], 'all', T0) : g2.take([shape], 'all', T0 + 3_600_000),
      ),
    );
    assert.equal(outcomes.filter((o) => o[0]!.allowed).length, 5);
  });

  test('a Redis that forgot the script (restart, SCRIPT FLUSH) gets it again with EVAL', async (t) => {
    if (!(await requireService(t, 'redis'))) return;
    const store = await createRedisLimitStore({ url: REDIS_URL, keyPrefix: redisPrefix() });
    t.after(() => store.close());
    await store.take([bucket('flush', 3, 60)], 'all', T0);
    const admin = createClient({ url: REDIS_URL });
    await admin.connect();
    try {
      await admin.scriptFlush();
    } finally {
      admin.destroy();
    }
    const [outcome] = await store.take([bucket('flush', 3, 60)], 'all', T0);
    assert.deepEqual([outcome!.allowed, outcome!.remaining], [true, 1]);
  });

  test('a Redis that may evict keys is refused (an evicted bucket is a fresh limit)', async () => {
    const redis = await startRedisProcess(['--maxmemory-policy', 'allkeys-lru']);
    try {
      await assert.rejects(
        createRedisLimitStore({ url: redis.url }),
        (error: unknown) => error instanceof StoreError && error.reason === 'redis_eviction_policy',
      );
    } finally {
      await redis.kill();
    }
  });

  test('F-02: a Redis that hangs fails each take within the command timeout, and recovers', async () => {
    const redis = await startRedisProcess();
    const proxy = await startFreezableProxy(redis.port);
    // 500 ms, not less: creation's CONFIG GET runs under the same bound, and a freshly started
    // Redis on a loaded machine can take longer than 100 ms to answer it.
    const store = await createRedisLimitStore({ url: proxy.url, commandTimeoutMs: 500 });
    try {
      assert.equal((await store.take([bucket('hang', 5, 60)], 'all', T0))[0]!.allowed, true);
      proxy.freeze();
      const started = performance.now();
      await assert.rejects(
        store.take([bucket('hang', 5, 60)], 'all', T0),
        (error: unknown) => error instanceof StoreOutageError && error.reason === 'store_timeout',
      );
      const elapsed = performance.now() - started;
      // It waited for the timeout (not an instant refusal) and did not hang (far below the test timeout).
      assert.ok(elapsed >= 450 && elapsed < 10_000, `timed out after ${elapsed} ms`);
      proxy.thaw();
      const [outcome] = await store.take([bucket('hang', 5, 60)], 'all', T0);
      // The timed-out take may or may not have reached Redis; either way the limit holds.
      assert.ok(outcome!.allowed && outcome!.remaining >= 2 && outcome!.remaining <= 3);
    } finally {
      await store.close();
      await proxy.close();
      await redis.kill();
    }
  });

  test('a server that accepts and never answers: creation fails quickly with store_timeout', async () => {
    const silent = await startSilentServer();
    const started = performance.now();
    try {
      await assert.rejects(
        createRedisLimitStore({ url: `redis://127.0.0.1:${silent.port}`, connectTimeoutMs: 200 }),
        (error: unknown) => error instanceof StoreOutageError && error.reason === 'store_timeout',
      );
      assert.ok(performance.now() - started < 1500);
    } finally {
      await silent.close();
    }
  });

  test('bad options are TypeErrors', async () => {
    await assert.rejects(createRedisLimitStore({ url: 'http://127.0.0.1:6379' }), TypeError);
    await assert.rejects(createRedisLimitStore({ url: REDIS_URL, keyPrefix: 'bad prefix' }), TypeError);
    await assert.rejects(createRedisLimitStore({ url: REDIS_URL, commandTimeoutMs: 0 }), TypeError);
  });
});
