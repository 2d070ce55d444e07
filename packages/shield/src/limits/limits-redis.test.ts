import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, type TestContext, test } from 'node:test';
import { HEADER_TOKEN } from '@portcullis/protocol';
import { deleteRedisKeys, REDIS_URL, requireService } from '../../test/support/services.js';
import { createManualClock } from '../clock.js';
import { createRedisLimitStore } from './stores/create-redis-limit-store.js';
import {
  type CountingUpstream,
  createIssuer,
  type LimitsGateway,
  type Reply,
  send,
  startCountingUpstream,
  startLimitsGateway,
  T0,
  tally,
  tokenRoute,
} from './test-support/limits-gateway.js';
import { startFreezableProxy, startRedisProcess } from './test-support/redis-process.js';
import type { LimitStore, RouteLimits } from './types.js';

const RUN = randomBytes(4).toString('hex');
const prefixes: string[] = [];
let made = 0;

after(() => deleteRedisKeys(prefixes));

function prefix(): string {
  const value = `ptlg-${RUN}-${++made}:`;
  prefixes.push(value);
  return value;
}

const device = (kid: string) => ({ cnf: { kid, jwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' } } });

interface Fleet {
  upstream: CountingUpstream;
  gateways: LimitsGateway[];
  stores: LimitStore[];
}

/** `count` gateway instances, each with its own Redis connection, sharing one key prefix and upstream. */
async function fleet(
  t: TestContext,
  url: string,
  count: number,
  routes: RouteLimits[],
  options: { skewMs?: number; commandTimeoutMs?: number } = {},
): Promise<Fleet> {
  const upstream = await startCountingUpstream();
  const keyPrefix = prefix();
  const base = createManualClock(T0);
  const issuer = await createIssuer(base);
  const stores: LimitStore[] = [];
  const gateways: LimitsGateway[] = [];
  for (let i = 0; i < count; i++) {
    // Exactness runs get a generous timeout: 50 requests at once on a busy 2-core machine can delay a
    // reply past 100 ms, which would (correctly) be an outage and not what these tests measure.
    const store = await createRedisLimitStore({
      url,
      keyPrefix,
      commandTimeoutMs: options.commandTimeoutMs ?? 2000,
    });
    stores.push(store);
    gateways.push(
      await startLimitsGateway({
        routes: [
          tokenRoute('email-send', '/email/send', upstream.url),
          tokenRoute('catalog', '/catalog', upstream.url),
        ],
        limits: { store, routes },
        clock: i === 0 ? base : createManualClock(T0 + i * (options.skewMs ?? 0)),
        issuer,
      }),
    );
  }
  t.after(async () => {
    for (const gw of gateways) await gw.close();
    for (const store of stores) await store.close();
    await upstream.close();
  });
  return { upstream, gateways, stores };
}

const perDevice = (max: number, onStoreFailure: 'closed' | 'open' = 'closed'): RouteLimits[] => [
  { routeId: 'email-send', rules: [{ per: 'device', max, windowSeconds: 3600 }] },
  { routeId: 'catalog', onStoreFailure, rules: [{ per: 'device', max, windowSeconds: 3600 }] },
];

describe('limits on Redis through real gateways', () => {
  test('a limit of 10 with 50 concurrent requests forwards exactly 10 (one instance)', async (t) => {
    if (!(await requireService(t, 'redis'))) return;
    const { upstream, gateways } = await fleet(t, REDIS_URL, 1, perDevice(10));
    const token = await gateways[0]!.issuer.mint(device('d'));
    const replies = await Promise.all(
      Array.from({ length: 50 }, () =>
        send(gateways[0]!.port, { path: '/email/send', headers: { [HEADER_TOKEN]: token }, body: '{}' }),
      ),
    );
    assert.deepEqual(tally(replies), { 200: 10, 429: 40 });
    assert.equal(upstream.bodies.length, 10);
  });

  test('two gateway instances sharing Redis, clocks 30 s apart (F-10): 50 concurrent requests forward exactly 10', async (t) => {
    if (!(await requireService(t, 'redis'))) return;
    const { upstream, gateways } = await fleet(t, REDIS_URL, 2, perDevice(10), { skewMs: 30_000 });
    const token = await gateways[0]!.issuer.mint(device('d'));
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        send(gateways[i % 2]!.port, { path: '/email/send', headers: { [HEADER_TOKEN]: token }, body: '{}' }),
      ),
    );
    assert.deepEqual(tally(replies), { 200: 10, 429: 40 });
    assert.equal(upstream.bodies.length, 10);
    const [a, b] = gateways.map((gw) => gw.audits.filter((r) => r.code === 'ok').length);
    assert.ok(a! > 0 && b! > 0, `both instances forwarded some (${a}, ${b})`);
  });

  test('F-01: Redis killed mid-test: fail-closed 503, fail-open held to the insurance cap; restarted: limits resume within 5 s', async (t) => {
    const redis = await startRedisProcess();
    t.after(() => redis.kill());
    const { upstream, gateways } = await fleet(t, redis.url, 1, perDevice(8, 'open'), {
      commandTimeoutMs: 100,
    });
    const gw = gateways[0]!;
    const token = await gw.issuer.mint(device('d'));
    const call = (path: string) => send(gw.port, { path, headers: { [HEADER_TOKEN]: token }, body: '{}' });
    assert.equal((await call('/email/send')).status, 200);
    assert.equal((await call('/catalog')).status, 200);

    await redis.kill();
    const closed: Reply[] = [];
    for (let i = 0; i < 5; i++) closed.push(await call('/email/send'));
    assert.deepEqual(tally(closed), { 503: 5 });
    assert.deepEqual([closed[0]!.code, closed[0]!.headers['retry-after']], ['store_unavailable', '5']);
    const open: Reply[] = [];
    for (let i = 0; i < 6; i++) open.push(await call('/catalog'));
    // Insurance cap: max 8 / insuranceDivisor 4 = 2 per window on this instance.
    assert.deepEqual(tally(open), { 200: 2, 429: 4 });
    assert.equal(upstream.bodies.length, 2 + 2, 'the upstream saw nothing past the degraded cap');
    const reasons: Record<string, number> = {};
    for (const record of gw.audits.slice(-11))
      reasons[record.reason ?? record.code] = (reasons[record.reason ?? record.code] ?? 0) + 1;
    assert.deepEqual(reasons, { limit_store_unavailable: 5, ok: 2, insurance_limit_exceeded: 4 });
    const counters = gw.limits.counters();
    assert.deepEqual([counters.failedClosed, counters.failOpenAllowed, counters.insuranceLimited], [5, 2, 4]);
    assert.equal(gw.events.filter((e) => e.reason === 'limit_store_failed_open').length, 2);

    await redis.start();
    const restarted = performance.now();
    let resumed: Reply | null = null;
    while (performance.now() - restarted < 5000) {
      const reply = await call('/email/send');
      if (reply.status !== 503) {
        resumed = reply;
        break;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(resumed !== null, 'limits resumed within 5 s of the restart');
    assert.equal(resumed.status, 200);
    // A fresh Redis holds a fresh bucket; the limit is enforced again from there.
    const after: Reply[] = [];
    for (let i = 0; i < 8; i++) after.push(await call('/email/send'));
    assert.deepEqual(tally(after), { 200: 7, 429: 1 });
  });

  test('F-02: a Redis that hangs: each request is answered within ~100 ms of timeout, as an outage', async (t) => {
    const redis = await startRedisProcess();
    t.after(() => redis.kill());
    const proxy = await startFreezableProxy(redis.port);
    t.after(() => proxy.close());
    const { gateways } = await fleet(t, proxy.url, 1, perDevice(8, 'open'), { commandTimeoutMs: 100 });
    const gw = gateways[0]!;
    const token = await gw.issuer.mint(device('d'));
    const call = (path: string) => send(gw.port, { path, headers: { [HEADER_TOKEN]: token }, body: '{}' });
    assert.equal((await call('/email/send')).status, 200);
    proxy.freeze();
    for (const [path, status] of [
      ['/email/send', 503],
      ['/catalog', 200],
    ] as const) {
      const started = performance.now();
      const reply = await call(path);
      const elapsed = performance.now() - started;
      assert.equal(reply.status, status, path);
      assert.ok(
        elapsed >= 90 && elapsed < 2000,
        `${path} answered after ${elapsed} ms: bounded by the command timeout, not hanging`,
      );
    }
    assert.deepEqual(
      gw.events.map((e) => [e.reason, e.storeReason]),
      [
        ['limit_store_unavailable', 'store_timeout'],
        ['limit_store_failed_open', 'store_timeout'],
      ],
    );
    proxy.thaw();
    assert.equal((await call('/email/send')).status, 200);
  });
});
