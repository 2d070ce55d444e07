import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { connect, createServer } from 'node:net';
import { after, before, describe, type TestContext, test } from 'node:test';
import pg from 'pg';
import { createClient } from 'redis';
import { deleteRedisKeys, POSTGRES_URL, REDIS_URL, requireService } from '../../test/support/services.js';
import { runStoreConformance } from './conformance.js';
import { createStores } from './create-stores.js';
import { StoreUnavailableError } from './ports.js';
import { createPostgresStores } from './postgres/create-postgres-stores.js';
import { createRedisStores } from './redis/create-redis-stores.js';
import { StoreError } from './store-error.js';
import { StoreOutageError } from './store-outage-error.js';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const RUN = randomBytes(4).toString('hex');
const prefixes: string[] = [];
const schemas: string[] = [];
let made = 0;

/** A key prefix and schema of their own for every stores instance this file creates. */
function isolation(): { keyPrefix: string; schema: string } {
  made += 1;
  const keyPrefix = `pt-${RUN}-${made}:`;
  const schema = `portcullis_test_${RUN}_${made}`;
  prefixes.push(keyPrefix);
  schemas.push(schema);
  return { keyPrefix, schema };
}

after(async () => {
  await deleteRedisKeys(prefixes);
  if (schemas.length > 0) {
    const pool = new pg.Pool({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
    try {
      for (const schema of schemas) await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    } catch {
      // PostgreSQL is down: the test schemas are dropped the next time it is up and this runs.
    } finally {
      await pool.end();
    }
  }
});

async function bothServices(t: TestContext): Promise<boolean> {
  return (await requireService(t, 'redis')) && (await requireService(t, 'postgres'));
}

function createIsolated(): Promise<Awaited<ReturnType<typeof createStores>>> {
  const { keyPrefix, schema } = isolation();
  return createStores({
    kind: 'redis+postgres',
    redisUrl: REDIS_URL,
    postgresUrl: POSTGRES_URL,
    keyPrefix,
    schema,
  });
}

runStoreConformance('redis+postgres', createIsolated, { ready: bothServices });

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(),
      );
    });
  });
}

function isOutage(reason: StoreOutageError['reason']) {
  return (error: unknown) =>
    error instanceof StoreUnavailableError && error instanceof StoreOutageError && error.reason === reason;
}

describe('redis+postgres: several instances share one state (F-05, F-07)', () => {
  test('two instances started together; races split across them: exactly one winner each time', async (t) => {
    if (!(await bothServices(t))) return;
    const { keyPrefix, schema } = isolation();
    const config = {
      kind: 'redis+postgres',
      redisUrl: REDIS_URL,
      postgresUrl: POSTGRES_URL,
      keyPrefix,
      schema,
    } as const;
    // Started together: the two migrations of one new schema serialise on the advisory lock.
    const [g1, g2] = await Promise.all([
      createStores(config, { instances: 2 }),
      createStores(config, { instances: 2 }),
    ]);
    try {
      const both = [g1, g2];
      for (let trial = 0; trial < 20; trial += 1) {
        const challenge = `c-${trial}`;
        await g1.challenges.issue({ challenge, appId: 'app', expiresAt: T0 + 60_000 });
        const consumed = await Promise.all(
          Array.from({ length: 10 }, (_, i) => both[i % 2]!.challenges.consume(challenge, T0)),
        );
        assert.equal(consumed.filter((r) => r !== null).length, 1);
        const seen = await Promise.all(
          Array.from({ length: 10 }, (_, i) => both[i % 2]!.replay.firstSeen(`jti-${trial}`, 60_000, T0)),
        );
        assert.equal(seen.filter(Boolean).length, 1);
      }
      await g2.devices.register({
        keyId: 'k',
        appId: 'app',
        platform: 'ios',
        level: 'hardware',
        publicKeyJwk: { kty: 'EC' },
        counter: 0,
        receipt: null,
        testRoot: false,
        attestation: null,
        firstSeen: T0,
      });
      const advanced = await Promise.all(
        Array.from({ length: 20 }, (_, i) => both[i % 2]!.devices.advanceCounter('k', 3, T0)),
      );
      assert.equal(advanced.filter(Boolean).length, 1);
      const records = await g1.audit.query({ limit: 10 });
      assert.deepEqual(records, await g2.audit.query({ limit: 10 }));
    } finally {
      await g1.close();
      await g2.close();
    }
  });
});

describe('redis+postgres: outages are StoreUnavailableError, quickly', () => {
  test('Redis on a closed port: refused within the connect timeout', async () => {
    const port = await freePort();
    const started = Date.now();
    await assert.rejects(
      createRedisStores({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 500 }),
      isOutage('store_unreachable'),
    );
    assert.ok(Date.now() - started < 1500, 'refused quickly');
  });

  test('Redis that accepts but never answers: store_timeout at the connect timeout, not a hang', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const address = silent.address();
    assert.ok(typeof address === 'object' && address !== null);
    const started = Date.now();
    try {
      await assert.rejects(
        createRedisStores({ url: `redis://127.0.0.1:${address.port}`, connectTimeoutMs: 300 }),
        isOutage('store_timeout'),
      );
      assert.ok(Date.now() - started < 1500);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  test('PostgreSQL on a closed port: refused within the connect timeout', async () => {
    const port = await freePort();
    const started = Date.now();
    await assert.rejects(
      createPostgresStores({ url: `postgres://postgres@127.0.0.1:${port}/postgres`, connectTimeoutMs: 500 }),
      isOutage('store_unreachable'),
    );
    assert.ok(Date.now() - started < 1500, 'refused quickly');
  });

  test('F-27: createStores never falls back: one service down fails the whole, and the other is closed', async (t) => {
    if (!(await requireService(t, 'postgres'))) return;
    const port = await freePort();
    const { schema } = isolation();
    await assert.rejects(
      createStores({
        kind: 'redis+postgres',
        redisUrl: `redis://127.0.0.1:${port}`,
        postgresUrl: POSTGRES_URL,
        schema,
        connectTimeoutMs: 500,
      }),
      isOutage('store_unreachable'),
    );
  });

  test('a held PostgreSQL lock: the statement times out (store_timeout), then the store recovers', async (t) => {
    if (!(await requireService(t, 'postgres'))) return;
    const { schema } = isolation();
    const stores = await createPostgresStores({ url: POSTGRES_URL, schema, statementTimeoutMs: 200 });
    const locker = new pg.Client({ connectionString: POSTGRES_URL });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query(`LOCK TABLE "${schema}".audit IN ACCESS EXCLUSIVE MODE`);
      const started = Date.now();
      await assert.rejects(stores.audit.query({ limit: 1 }), isOutage('store_timeout'));
      assert.ok(Date.now() - started < 1500);
      await locker.query('ROLLBACK');
      assert.deepEqual(await stores.audit.query({ limit: 1 }), []);
    } finally {
      await locker.end();
      await stores.close();
    }
  });

  test('a version 1 PostgreSQL schema migrates: its devices read back with attestation null', async (t) => {
    if (!(await requireService(t, 'postgres'))) return;
    const { schema } = isolation();
    // A schema exactly as version 1 left it: no attestation column, migrations up to 1.
    await (await createPostgresStores({ url: POSTGRES_URL, schema })).close();
    const pool = new pg.Pool({ connectionString: POSTGRES_URL });
    try {
      await pool.query(`ALTER TABLE "${schema}".devices DROP COLUMN attestation`);
      // What later versions added goes too, so they migrate as on a real version 1 schema.
      await pool.query(`DROP TABLE "${schema}".debug_credentials`);
      await pool.query(`DROP INDEX "${schema}".audit_device_ts, "${schema}".audit_route_ts`);
      await pool.query(`DELETE FROM "${schema}".schema_migrations WHERE version > 1`);
      await pool.query(
        `INSERT INTO "${schema}".devices (key_id, app_id, platform, level, public_key_jwk, counter, receipt, test_root, first_seen, last_seen)
         VALUES ('old-key', 'shop', 'android', 'device', '{"kty":"EC"}', 0, NULL, false, $1, $2)`,
        [T0, T0 + 5],
      );
    } finally {
      await pool.end();
    }
    const stores = await createPostgresStores({ url: POSTGRES_URL, schema });
    try {
      const old = await stores.devices.get('old-key');
      assert.equal(old?.attestation, null);
      assert.equal(old?.level, 'device');
      assert.equal(old?.lastSeen, T0 + 5);
      const attestation = {
        evidence: ['android-key-attestation' as const],
        environment: null,
        policy: '{"android-key-attestation":"{}"}',
      };
      await stores.devices.register({
        keyId: 'new-key',
        appId: 'shop',
        platform: 'android',
        level: 'hardware',
        publicKeyJwk: { kty: 'EC' },
        counter: 0,
        receipt: null,
        testRoot: false,
        attestation,
        firstSeen: T0,
      });
      assert.deepEqual((await stores.devices.get('new-key'))?.attestation, attestation);
    } finally {
      await stores.close();
    }
  });

  test('a PostgreSQL schema from a newer version is refused', async (t) => {
    if (!(await requireService(t, 'postgres'))) return;
    const { schema } = isolation();
    const stores = await createPostgresStores({ url: POSTGRES_URL, schema });
    await stores.close();
    const pool = new pg.Pool({ connectionString: POSTGRES_URL });
    try {
      await pool.query(`INSERT INTO "${schema}".schema_migrations (version) VALUES (99)`);
    } finally {
      await pool.end();
    }
    await assert.rejects(
      createPostgresStores({ url: POSTGRES_URL, schema }),
      (error: unknown) => error instanceof StoreError && error.reason === 'schema_too_new',
    );
  });

  test('bad options are TypeErrors naming the option', async () => {
    await assert.rejects(createRedisStores({ url: 'http://127.0.0.1:6379' }), /redisUrl/);
    await assert.rejects(createRedisStores({ url: REDIS_URL, keyPrefix: 'bad prefix' }), /keyPrefix/);
    await assert.rejects(createRedisStores({ url: REDIS_URL, commandTimeoutMs: 0 }), /commandTimeoutMs/);
    await assert.rejects(createPostgresStores({ url: 'mysql://x' }), /postgresUrl/);
    await assert.rejects(createPostgresStores({ url: POSTGRES_URL, schema: 'Robert"; drop' }), /schema/);
  });
});

describe('redis: a Redis of our own (eviction policy, slowness, restart)', () => {
  let port = 0;
  let server: ChildProcess | undefined;
  let unavailable: string | undefined;

  function reachable(): Promise<boolean> {
    return new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
  }

  async function startRedis(policy: string): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--maxmemory',
        '64mb',
        '--maxmemory-policy',
        policy,
        '--enable-debug-command',
        'local',
      ],
      { stdio: 'ignore' },
    );
    const spawned = await new Promise<boolean>((resolve) => {
      child.once('spawn', () => resolve(true));
      child.once('error', () => resolve(false));
    });
    if (!spawned) {
      unavailable = 'redis-server is not installed';
      return;
    }
    server = child;
    for (let i = 0; i < 100 && !(await reachable()); i += 1) await new Promise((r) => setTimeout(r, 20));
  }

  function stopRedis(): Promise<void> {
    const child = server;
    server = undefined;
    if (child === undefined || child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async function admin<T>(run: (client: ReturnType<typeof createClient>) => Promise<T>): Promise<T> {
    const client = createClient({ url: `redis://127.0.0.1:${port}` });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return await run(client);
    } finally {
      if (client.isOpen) client.destroy();
    }
  }

  function ready(t: TestContext): boolean {
    if (unavailable === undefined) return true;
    if (process.env['CI'] === 'true') throw new Error(unavailable);
    t.skip(unavailable);
    return false;
  }

  before(async () => {
    port = await freePort();
    await startRedis('allkeys-lru');
  });

  after(() => stopRedis());

  test('an evicting maxmemory-policy is refused at connect', async (t) => {
    if (!ready(t)) return;
    await assert.rejects(
      createRedisStores({ url: `redis://127.0.0.1:${port}` }),
      (error: unknown) => error instanceof StoreError && error.reason === 'redis_eviction_policy',
    );
    await admin((c) => c.configSet('maxmemory-policy', 'volatile-ttl'));
    await assert.rejects(
      createRedisStores({ url: `redis://127.0.0.1:${port}` }),
      (error: unknown) => error instanceof StoreError && /volatile-ttl/.test((error as Error).message),
    );
  });

  test('a slow Redis is a store_timeout within commandTimeoutMs, never a hang', async (t) => {
    if (!ready(t)) return;
    await admin((c) => c.configSet('maxmemory-policy', 'noeviction'));
    const stores = await createRedisStores({
      url: `redis://127.0.0.1:${port}`,
      commandTimeoutMs: 200,
      keyPrefix: 'slow:',
    });
    try {
      assert.equal(await stores.replay.firstSeen('before', 60_000, T0), true);
      // The admin client connects before it sends DEBUG SLEEP: on a loaded machine that takes a
      // while, so the sleep is long and the probe starts well after it was sent.
      const sleeping = admin((c) => c.sendCommand(['DEBUG', 'SLEEP', '2']));
      await new Promise((resolve) => setTimeout(resolve, 400));
      const started = Date.now();
      await assert.rejects(stores.replay.firstSeen('during', 60_000, T0), isOutage('store_timeout'));
      assert.ok(Date.now() - started < 1500, 'answered at the timeout, not after the sleep');
      await sleeping;
      assert.equal(await stores.replay.firstSeen('after', 60_000, T0), true);
    } finally {
      await stores.close();
    }
  });

  test('Redis dies: calls fail at once (no offline queue); it comes back: the same stores work again', async (t) => {
    if (!ready(t)) return;
    const stores = await createRedisStores({ url: `redis://127.0.0.1:${port}`, keyPrefix: 'restart:' });
    try {
      assert.equal(await stores.replay.firstSeen('a', 60_000, T0), true);
      await stopRedis();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const started = Date.now();
      await assert.rejects(stores.replay.firstSeen('b', 60_000, T0), isOutage('store_unreachable'));
      await assert.rejects(stores.ping(), StoreUnavailableError);
      assert.ok(Date.now() - started < 700, 'failed without waiting');
      await startRedis('noeviction');
      let answer: boolean | undefined;
      for (let i = 0; i < 100 && answer === undefined; i += 1) {
        answer = await stores.replay.firstSeen('b', 60_000, T0).catch(() => undefined);
        if (answer === undefined) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.equal(answer, true, 'reconnected within 5 s');
    } finally {
      await stores.close();
    }
  });

  test('a policy changed behind our back is caught at reconnect', async (t) => {
    if (!ready(t)) return;
    const errors: StoreOutageError[] = [];
    const stores = await createRedisStores({
      url: `redis://127.0.0.1:${port}`,
      keyPrefix: 'policy:',
      onError: (error) => errors.push(error),
    });
    try {
      assert.equal(await stores.replay.firstSeen('a', 60_000, T0), true);
      await admin(async (c) => {
        await c.configSet('maxmemory-policy', 'allkeys-random');
        await c.sendCommand(['CLIENT', 'KILL', 'SKIPME', 'yes']);
      });
      let refused = false;
      for (let i = 0; i < 100 && !refused; i += 1) {
        refused = await stores.replay.firstSeen('b', 60_000, T0).then(
          () => false,
          (error: unknown) => error instanceof StoreOutageError && error.reason === 'redis_eviction_policy',
        );
        if (!refused) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      assert.ok(refused, 'calls are refused once the evicting policy is seen');
      assert.ok(errors.some((e) => e.reason === 'redis_eviction_policy'));
      await assert.rejects(stores.ping(), isOutage('redis_eviction_policy'));
    } finally {
      await stores.close();
      await admin((c) => c.configSet('maxmemory-policy', 'noeviction'));
    }
  });
});
