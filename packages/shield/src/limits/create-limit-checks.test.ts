import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, type TestContext, test } from 'node:test';
import { HEADER_TOKEN } from '@portcullis/protocol';
import type { RouteSpec } from '../gateway/index.js';
import { TEST_IDENTIFIERS } from '../gateway/test-support/harness.js';
import { StoreOutageError } from '../stores/store-outage-error.js';
import { createLimitChecks } from './create-limit-checks.js';
import { createMemoryLimitStore } from './stores/create-memory-limit-store.js';
import { createSqliteLimitStore } from './stores/create-sqlite-limit-store.js';
import {
  type CountingUpstream,
  type LimitsGateway,
  type LimitsGatewayOptions,
  type Reply,
  send,
  startCountingUpstream,
  startLimitsGateway,
  T0,
  tally,
  tokenRoute,
} from './test-support/limits-gateway.js';
import type { BucketOutcome, LimitStore, RouteLimits } from './types.js';

const dir = mkdtempSync(join(tmpdir(), 'portcullis-limit-checks-'));
after(() => rmSync(dir, { recursive: true, force: true }));

interface Setup {
  gw: LimitsGateway;
  upstream: CountingUpstream;
}

async function setup(
  t: TestContext,
  routes: (upstream: URL) => RouteSpec[],
  limitRoutes: RouteLimits[],
  extra: Partial<LimitsGatewayOptions> & { store?: LimitStore; limitOptions?: Record<string, unknown> } = {},
): Promise<Setup> {
  const upstream = await startCountingUpstream();
  const store = extra.store ?? createMemoryLimitStore();
  const gw = await startLimitsGateway({
    routes: routes(upstream.url),
    limits: { store, routes: limitRoutes, ...extra.limitOptions },
    ...(extra.trustedProxies === undefined ? {} : { trustedProxies: extra.trustedProxies }),
    ...(extra.before === undefined ? {} : { before: extra.before }),
  });
  t.after(async () => {
    await gw.close();
    await upstream.close();
    await store.close();
  });
  return { gw, upstream };
}

function device(kid: string) {
  return { cnf: { kid, jwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' } } };
}

function header(reply: Reply, name: string): string | undefined {
  const value = reply.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

async function sequential<T>(count: number, run: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(await run(i));
  return out;
}

describe('route limits through a real gateway (threats A4, A6-06, A2-04)', () => {
  test('A4-01: 5 e-mails per device per 10 min: calls 1-5 pass, call 6 is 429 with Retry-After, not forwarded, audited as limit', async (t) => {
    const { gw, upstream } = await setup(t, (u) => [tokenRoute('email-send', '/email/send', u)], [
      { routeId: 'email-send', rules: [{ per: 'device', max: 5, windowSeconds: 600 }] },
    ]);
    const token = await gw.issuer.mint(device('device-D'));
    const replies = await sequential(6, () =>
      send(gw.port, { path: '/email/send', headers: { [HEADER_TOKEN]: token }, body: '{"to":["a@x.io"]}' }),
    );
    assert.deepEqual(
      replies.map((r) => r.status),
      [200, 200, 200, 200, 200, 429],
    );
    assert.equal(upstream.bodies.length, 5);
    assert.equal(header(replies[0]!, 'ratelimit-policy'), '"device";q=5;w=600');
    assert.equal(header(replies[0]!, 'ratelimit'), '"device";r=4;t=120');
    assert.equal(header(replies[4]!, 'ratelimit'), '"device";r=0;t=600');
    const refused = replies[5]!;
    assert.equal(refused.code, 'rate_limited');
    assert.equal(header(refused, 'retry-after'), '120');
    assert.equal(header(refused, 'ratelimit'), '"device";r=0;t=600');
    assert.equal(header(refused, 'ratelimit-policy'), '"device";q=5;w=600');
    const audit = gw.audits.at(-1)!;
    assert.deepEqual([audit.decision, audit.code, audit.reason], ['limit', 'rate_limited', 'limit_exceeded']);
    assert.deepEqual(
      gw.events.map((e) => [e.reason, e.limit, e.per]),
      [['limit_exceeded', 'device', 'device']],
    );
    assert.equal(gw.limits.counters().limited, 1);
    // Two minutes later exactly one more e-mail fits.
    gw.clock.advance(120_000);
    const again = await sequential(2, () =>
      send(gw.port, { path: '/email/send', headers: { [HEADER_TOKEN]: token }, body: '{"to":["a@x.io"]}' }),
    );
    assert.deepEqual(
      again.map((r) => r.status),
      [200, 429],
    );
  });

  test('A4-02: per-user limit across 5 devices (2 sends each): the 6th call overall is 429', async (t) => {
    const { gw, upstream } = await setup(t, (u) => [tokenRoute('email-send', '/email/send', u)], [
      { routeId: 'email-send', rules: [{ per: 'user', max: 5, windowSeconds: 600 }] },
    ]);
    const tokens = await Promise.all([1, 2, 3, 4, 5].map((n) => gw.issuer.mint(device(`device-${n}`))));
    const statuses = await sequential(10, async (i) => {
      const reply = await send(gw.port, {
        path: '/email/send',
        headers: { [HEADER_TOKEN]: tokens[Math.floor(i / 2)]!, authorization: 'Bearer user-alice' },
        body: '{}',
      });
      return reply.status;
    });
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 429, 429, 429, 429, 429]);
    assert.equal(upstream.bodies.length, 5);
    // Another user is counted apart.
    const bob = await send(gw.port, {
      path: '/email/send',
      headers: { [HEADER_TOKEN]: tokens[0]!, authorization: 'Bearer user-bob' },
      body: '{}',
    });
    assert.equal(bob.status, 200);
  });

  test('per user by a token claim when userClaim is set', async (t) => {
    const { gw } = await setup(
      t,
      (u) => [tokenRoute('pay', '/pay', u)],
      [{ routeId: 'pay', rules: [{ per: 'user', max: 2, windowSeconds: 60 }] }],
      { limitOptions: { userClaim: 'uid' } },
    );
    const a1 = await gw.issuer.mint({ ...device('d1'), uid: 'u-1' });
    const a2 = await gw.issuer.mint({ ...device('d2'), uid: 'u-1' });
    const statuses = await sequential(
      3,
      async (i) =>
        (await send(gw.port, { path: '/pay', headers: { [HEADER_TOKEN]: i === 1 ? a2 : a1 }, body: '{}' }))
          .status,
    );
    assert.deepEqual(statuses, [200, 200, 429]);
    const noClaim = await send(gw.port, {
      path: '/pay',
      headers: { [HEADER_TOKEN]: await gw.issuer.mint(device('d3')) },
      body: '{}',
    });
    assert.equal(noClaim.status, 400);
    assert.equal(gw.audits.at(-1)?.reason, 'limit_key_missing');
  });

  test('A4-03: one device token from 10 source addresses: the per-device limit trips regardless of IP', async (t) => {
    const { gw, upstream } = await setup(t, (u) => [tokenRoute('email-send', '/email/send', u)], [
      { routeId: 'email-send', rules: [{ per: 'device', max: 3, windowSeconds: 600 }] },
    ]);
    const token = await gw.issuer.mint(device('device-roaming'));
    const replies = await sequential(10, (i) =>
      send(gw.port, {
        path: '/email/send',
        headers: { [HEADER_TOKEN]: token },
        body: '{}',
        localAddress: `127.0.0.${i + 1}`,
      }),
    );
    assert.deepEqual(tally(replies), { 200: 3, 429: 7 });
    assert.equal(upstream.bodies.length, 3);
    assert.equal(new Set(gw.audits.map((a) => a.clientIp)).size, 10, 'the requests came from 10 addresses');
  });

  test('A4-04: 20 device tokens from one IP: the per-IP limit trips (token farming)', async (t) => {
    const { gw, upstream } = await setup(t, (u) => [tokenRoute('email-send', '/email/send', u)], [
      {
        routeId: 'email-send',
        rules: [
          { per: 'device', max: 5, windowSeconds: 600 },
          { per: 'ip', max: 5, windowSeconds: 600 },
        ],
      },
    ]);
    const tokens = await Promise.all(
      Array.from({ length: 20 }, (_, i) => gw.issuer.mint(device(`farm-${i}`))),
    );
    const replies = await sequential(20, (i) =>
      send(gw.port, { path: '/email/send', headers: { [HEADER_TOKEN]: tokens[i]! }, body: '{}' }),
    );
    assert.deepEqual(tally(replies), { 200: 5, 429: 15 });
    assert.equal(upstream.bodies.length, 5);
    assert.equal(header(replies[0]!, 'ratelimit-policy'), '"device";q=5;w=600, "ip";q=5;w=600');
  });

  test('A4-06: a daily cap per provider shared by two routes; the counter and event fire; nothing forwarded past it', async (t) => {
    const shared = {
      per: 'global' as const,
      max: 100,
      windowSeconds: 86_400,
      group: 'stripe',
      name: 'stripe-daily',
    };
    const { gw, upstream } = await setup(
      t,
      (u) => [
        tokenRoute('stripe-charge', '/stripe/charge', u),
        tokenRoute('stripe-refund', '/stripe/refund', u),
      ],
      [
        { routeId: 'stripe-charge', rules: [shared] },
        { routeId: 'stripe-refund', rules: [shared] },
      ],
    );
    const token = await gw.issuer.mint(device('d'));
    const replies: Reply[] = [];
    for (let wave = 0; wave < 11; wave++) {
      replies.push(
        ...(await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            send(gw.port, {
              path: i % 2 === 0 ? '/stripe/charge' : '/stripe/refund',
              headers: { [HEADER_TOKEN]: token },
              body: '{}',
            }),
          ),
        )),
      );
    }
    assert.deepEqual(tally(replies), { 200: 100, 429: 10 });
    assert.equal(upstream.bodies.length, 100);
    assert.equal(gw.limits.counters().limited, 10);
    assert.equal(
      gw.events.filter((e) => e.reason === 'limit_exceeded' && e.limit === 'stripe-daily').length,
      10,
    );
  });

  test('A4-07: a body over the route limit is 413 before any budget is spent', async (t) => {
    const { gw, upstream } = await setup(
      t,
      (u) => [{ ...tokenRoute('email-send', '/email/send', u), maxBodyBytes: 1024 }],
      [
        {
          routeId: 'email-send',
          rules: [{ per: 'device', max: 10, windowSeconds: 86_400, cost: { paths: ['$.to'] } }],
        },
      ],
    );
    const token = await gw.issuer.mint(device('d'));
    const big = JSON.stringify({ to: ['a@x.io'], text: 'x'.repeat(2000) });
    const tooLarge = await send(gw.port, {
      path: '/email/send',
      headers: { [HEADER_TOKEN]: token },
      body: big,
    });
    assert.equal(tooLarge.status, 413);
    const fine = await send(gw.port, {
      path: '/email/send',
      headers: { [HEADER_TOKEN]: token },
      body: '{"to":["a@x.io"]}',
    });
    assert.equal(fine.status, 200);
    assert.equal(header(fine, 'ratelimit'), '"device";r=9;t=8640', 'the 413 spent nothing');
    assert.equal(upstream.bodies.length, 1);
  });

  test('A6-06: at most 3 payment sessions per user per minute; 4 sent in 2 s: the 4th is 429', async (t) => {
    const { gw, upstream } = await setup(t, (u) => [tokenRoute('payments-session', '/payments/session', u)], [
      { routeId: 'payments-session', rules: [{ per: 'user', max: 3, windowSeconds: 60 }] },
    ]);
    const token = await gw.issuer.mint(device('d'));
    const statuses = await sequential(4, async () => {
      const reply = await send(gw.port, {
        path: '/payments/session',
        headers: { [HEADER_TOKEN]: token, authorization: 'Bearer session-1' },
        body: '{}',
      });
      gw.clock.advance(500);
      return reply.status;
    });
    assert.deepEqual(statuses, [200, 200, 200, 429]);
    assert.equal(upstream.bodies.length, 3);
  });

  test('A2-04: 30 OTP checks for one phone number from 30 devices: the per-number limit trips; spellings count together', async (t) => {
    const { gw, upstream } = await setup(t, (u) => [tokenRoute('otp-verify', '/auth/otp/verify', u)], [
      {
        routeId: 'otp-verify',
        rules: [
          { per: 'device', max: 10, windowSeconds: 900 },
          { per: 'body', field: '$.phone', max: 5, windowSeconds: 900, name: 'phone' },
        ],
      },
    ]);
    const spellings = ['+1 555 010 9999', '+15550109999', '1-555-010-9999', '(1) 555.010.9999'];
    const replies: Reply[] = [];
    for (let i = 0; i < 30; i++) {
      const token = await gw.issuer.mint(device(`otp-device-${i}`));
      replies.push(
        await send(gw.port, {
          path: '/auth/otp/verify',
          headers: { [HEADER_TOKEN]: token },
          body: JSON.stringify({ phone: spellings[i % spellings.length], code: String(100000 + i) }),
        }),
      );
    }
    assert.deepEqual(tally(replies), { 200: 5, 429: 25 });
    assert.equal(upstream.bodies.length, 5);
    assert.equal(replies[5]!.code, 'rate_limited');
    assert.equal(header(replies[0]!, 'ratelimit-policy'), '"device";q=10;w=900, "phone";q=5;w=900');
    const other = await send(gw.port, {
      path: '/auth/otp/verify',
      headers: { [HEADER_TOKEN]: await gw.issuer.mint(device('x')) },
      body: '{"phone":"+44 20 7946 0000","code":"1"}',
    });
    assert.equal(other.status, 200);
    const missing = await send(gw.port, {
      path: '/auth/otp/verify',
      headers: { [HEADER_TOKEN]: await gw.issuer.mint(device('y')) },
      body: '{"code":"1"}',
    });
    assert.deepEqual([missing.status, missing.code], [400, 'bad_request']);
    assert.equal(gw.audits.at(-1)?.reason, 'limit_key_missing');
  });
});

for (const backend of ['memory', 'sqlite'] as const) {
  describe(`F-24 and exactness through the gateway: ${backend}`, () => {
    const store = () =>
      backend === 'memory'
        ? createMemoryLimitStore()
        : createSqliteLimitStore({ path: join(dir, `gw-${Math.random()}.db`) });

    test('F-24: 20/min, 20 requests at 59.9 s and 20 at 60.1 s (injected clock): 20 forwarded, not 40', async (t) => {
      const { gw, upstream } = await setup(
        t,
        (u) => [tokenRoute('pay', '/pay', u)],
        [{ routeId: 'pay', rules: [{ per: 'device', max: 20, windowSeconds: 60 }] }],
        { store: store() },
      );
      const token = await gw.issuer.mint(device('edge'));
      const burst = () =>
        Promise.all(
          Array.from({ length: 20 }, () =>
            send(gw.port, { path: '/pay', headers: { [HEADER_TOKEN]: token }, body: '{}' }),
          ),
        );
      gw.clock.set(T0 + 59_900);
      assert.deepEqual(tally(await burst()), { 200: 20 });
      gw.clock.set(T0 + 60_100);
      const second = await burst();
      assert.deepEqual(tally(second), { 429: 20 });
      assert.equal(header(second[0]!, 'retry-after'), '3');
      assert.equal(upstream.bodies.length, 20);
      // The bucket refills at 20/min: one request every 3 s, never a second burst.
      gw.clock.set(T0 + 59_900 + 3_000);
      assert.deepEqual(tally(await burst()), { 200: 1, 429: 19 });
    });

    test('a limit of 10 with 50 concurrent requests forwards exactly 10', async (t) => {
      const { gw, upstream } = await setup(
        t,
        (u) => [tokenRoute('pay', '/pay', u)],
        [{ routeId: 'pay', rules: [{ per: 'device', max: 10, windowSeconds: 3600 }] }],
        { store: store() },
      );
      const token = await gw.issuer.mint(device('concurrent'));
      const replies = await Promise.all(
        Array.from({ length: 50 }, () =>
          send(gw.port, { path: '/pay', headers: { [HEADER_TOKEN]: token }, body: '{}' }),
        ),
      );
      assert.deepEqual(tally(replies), { 200: 10, 429: 40 });
      assert.equal(upstream.bodies.length, 10);
    });
  });
}

describe('E-26: a flood of one device', () => {
  test('200 requests, 50 at a time, limit 20: the upstream receives exactly 20, the rest are 429, no 5xx', async (t) => {
    const { gw, upstream } = await setup(t, (u) => [tokenRoute('email-send', '/email/send', u)], [
      {
        routeId: 'email-send',
        rules: [
          { per: 'device', max: 20, windowSeconds: 3600 },
          { per: 'route', max: 1000, windowSeconds: 60 },
        ],
      },
    ]);
    const token = await gw.issuer.mint(device('flood'));
    const replies: Reply[] = [];
    for (let wave = 0; wave < 4; wave++) {
      replies.push(
        ...(await Promise.all(
          Array.from({ length: 50 }, () =>
            send(gw.port, {
              path: '/email/send',
              headers: { [HEADER_TOKEN]: token },
              body: '{"to":["a@x.io"]}',
            }),
          ),
        )),
      );
    }
    assert.deepEqual(tally(replies), { 200: 20, 429: 180 });
    assert.equal(upstream.bodies.length, 20);
    assert.equal(gw.audits.length, 200, 'one audit record per request');
  });
});

describe('budgets: a request costs what its body says', () => {
  const routes = (u: URL) => [tokenRoute('email-send', '/email/send', u)];
  const budget: RouteLimits = {
    routeId: 'email-send',
    rules: [
      { per: 'device', max: 20, windowSeconds: 600 },
      {
        per: 'device',
        max: 10,
        windowSeconds: 86_400,
        name: 'recipients',
        cost: { paths: ['$.to', '$.cc', '$.bcc'] },
      },
    ],
  };

  test('multi-recipient bodies draw the budget down; a cost above what is left waits; one request cannot smuggle a thousand', async (t) => {
    const { gw, upstream } = await setup(t, routes, [budget]);
    const token = await gw.issuer.mint(device('mailer'));
    const mail = (body: unknown) =>
      send(gw.port, { path: '/email/send', headers: { [HEADER_TOKEN]: token }, body: JSON.stringify(body) });
    const four = await mail({ to: ['a@x.io', 'b@x.io'], cc: 'c@x.io, d@x.io' });
    assert.equal(four.status, 200);
    assert.equal(
      header(four, 'ratelimit-policy'),
      '"device";q=20;w=600, "recipients";q=10;w=86400',
      'header limits and budgets in one field',
    );
    assert.equal(header(four, 'ratelimit'), '"device";r=19;t=30, "recipients";r=6;t=34560');
    assert.equal((await mail({ to: ['a', 'b', 'c', 'd'] })).status, 200);
    const over = await mail({ to: ['a', 'b', 'c'] });
    assert.deepEqual([over.status, over.code], [429, 'budget_exhausted']);
    assert.equal(header(over, 'retry-after'), '8640');
    assert.equal(gw.audits.at(-1)?.reason, 'budget_exceeded');
    assert.equal((await mail({ to: ['a', 'b'] })).status, 200);
    const thousand = await mail({ to: Array.from({ length: 1000 }, (_, i) => `r${i}@x.io`) });
    assert.deepEqual([thousand.status, thousand.code], [429, 'budget_exhausted']);
    assert.equal(header(thousand, 'retry-after'), '86400');
    assert.equal(gw.audits.at(-1)?.reason, 'budget_cost_over_capacity');
    assert.deepEqual(
      upstream.bodies.map((b) => (JSON.parse(b) as { to: unknown[] }).to.length),
      [2, 4, 2],
    );
  });

  test('unreadable costs are refused by default (400), never counted as 1', async (t) => {
    const { gw, upstream } = await setup(t, routes, [budget]);
    const token = await gw.issuer.mint(device('mailer'));
    for (const body of [
      'not json',
      '{"to":["a"],"to":["b","c","d","e","f","g","h","i","j","k","l"]}',
      '{"to":{"0":"a"}}',
      '{"subject":"x"}',
    ]) {
      const reply = await send(gw.port, { path: '/email/send', headers: { [HEADER_TOKEN]: token }, body });
      assert.deepEqual([reply.status, reply.code], [400, 'bad_request'], body);
      assert.equal(gw.audits.at(-1)?.reason, 'budget_cost_unreadable');
    }
    assert.equal(upstream.bodies.length, 0);
    assert.equal(gw.limits.counters().unreadable, 4);
  });

  test('whenUnreadable: a number charges that many units instead', async (t) => {
    const { gw } = await setup(t, routes, [
      {
        routeId: 'email-send',
        rules: [
          { per: 'device', max: 10, windowSeconds: 3600, cost: { paths: ['$.to'], whenUnreadable: 5 } },
        ],
      },
    ]);
    const token = await gw.issuer.mint(device('mailer'));
    const statuses = await sequential(
      3,
      async () =>
        (await send(gw.port, { path: '/email/send', headers: { [HEADER_TOKEN]: token }, body: 'plain text' }))
          .status,
    );
    assert.deepEqual(statuses, [200, 200, 429]);
  });
});

describe('client IP (E-18) and IPv6 grouping through the gateway', () => {
  test('E-18: no trusted proxy, 100 requests rotating forwarding headers, per-IP limit 10: requests 11-100 get 429', async (t) => {
    const { gw, upstream } = await setup(t, (u) => [tokenRoute('login', '/login', u)], [
      { routeId: 'login', rules: [{ per: 'ip', max: 10, windowSeconds: 600 }] },
    ]);
    const token = await gw.issuer.mint(device('d'));
    const names = ['X-Forwarded-For', 'X-Real-IP', 'Forwarded', 'True-Client-IP', 'CF-Connecting-IP'];
    const replies = await sequential(100, (i) =>
      send(gw.port, {
        path: '/login',
        headers: {
          [HEADER_TOKEN]: token,
          [names[i % names.length]!]:
            names[i % names.length] === 'Forwarded' ? `for=10.0.0.${i}` : `10.0.0.${i}`,
        },
        body: '{}',
      }),
    );
    assert.deepEqual(
      replies.slice(0, 10).map((r) => r.status),
      Array(10).fill(200),
    );
    assert.deepEqual(tally(replies.slice(10)), { 429: 90 });
    assert.equal(upstream.bodies.length, 10);
    assert.ok(gw.audits.every((a) => a.clientIp === '127.0.0.1'));
  });

  test('with trusted proxy 127.0.0.1, "XFF: spoofed, 127.0.0.9" counts as 127.0.0.9; IPv6 clients are grouped by /64', async (t) => {
    const { gw } = await setup(
      t,
      (u) => [tokenRoute('login', '/login', u)],
      [{ routeId: 'login', rules: [{ per: 'ip', max: 3, windowSeconds: 600 }] }],
      { trustedProxies: ['127.0.0.1'] },
    );
    const token = await gw.issuer.mint(device('d'));
    const via = (xff: string) =>
      send(gw.port, {
        path: '/login',
        headers: { [HEADER_TOKEN]: token, 'x-forwarded-for': xff },
        body: '{}',
      });
    const spoofed = await sequential(4, (i) => via(`10.0.0.${i}, 127.0.0.9`));
    assert.deepEqual(
      spoofed.map((r) => r.status),
      [200, 200, 200, 429],
    );
    assert.equal(gw.audits[0]?.clientIp, '127.0.0.9');
    assert.equal((await via('127.0.0.10')).status, 200, 'another client has its own bucket');
    const sameSubnet = await sequential(5, (i) => via(`2001:db8:1:2::${i + 1}`));
    assert.deepEqual(
      sameSubnet.map((r) => r.status),
      [200, 200, 200, 429, 429],
    );
    assert.equal((await via('2001:db8:1:3::1')).status, 200, 'the next /64 is another client');
  });
});

describe('monitor mode, missing keys, outages, options', () => {
  test('monitor mode records what would have been limited and refuses nothing; no headers for it', async (t) => {
    const { gw, upstream } = await setup(t, (u) => [tokenRoute('search', '/search', u)], [
      {
        routeId: 'search',
        rules: [
          { per: 'device', max: 2, windowSeconds: 60, mode: 'monitor' },
          { per: 'route', max: 100, windowSeconds: 60 },
        ],
      },
    ]);
    const token = await gw.issuer.mint(device('curious'));
    const replies = await sequential(5, () =>
      send(gw.port, { path: '/search', headers: { [HEADER_TOKEN]: token }, body: '{}' }),
    );
    assert.deepEqual(tally(replies), { 200: 5 });
    assert.equal(upstream.bodies.length, 5);
    assert.equal(header(replies[4]!, 'ratelimit-policy'), '"route";q=100;w=60');
    assert.equal(gw.limits.counters().monitorWouldLimit, 3);
    assert.deepEqual(
      gw.events.map((e) => [e.reason, e.mode, e.limit]),
      Array(3).fill(['monitor_would_limit', 'monitor', 'device']),
    );
  });

  test('a per-device limit refuses a token that names no device key (403 device_key_required, with a detail), forwarding nothing', async (t) => {
    const { gw, upstream } = await setup(t, (u) => [tokenRoute('pay', '/pay', u)], [
      { routeId: 'pay', rules: [{ per: 'device', max: 5, windowSeconds: 60 }] },
    ]);
    const token = await gw.issuer.mint({ cnf: undefined } as unknown as {
      cnf: { kid: string; jwk: { kty: string } };
    });
    const reply = await send(gw.port, { path: '/pay', headers: { [HEADER_TOKEN]: token }, body: '{}' });
    assert.deepEqual([reply.status, reply.code], [403, 'device_key_required']);
    assert.match(
      (JSON.parse(reply.body) as { detail?: string }).detail ?? '',
      /counts requests per device and the app token carries no device key/,
    );
    assert.equal(gw.audits.at(-1)?.reason, 'limit_device_key_missing');
    assert.equal(upstream.bodies.length, 0);
  });

  test('store outage: fail-closed routes answer 503 with Retry-After, fail-open routes go through the insurance cap', async (t) => {
    const real = createMemoryLimitStore();
    let down = false;
    const flaky: LimitStore = {
      kind: 'memory',
      take(buckets, mode, now): Promise<BucketOutcome[]> {
        if (down) return Promise.reject(new StoreOutageError('store_unreachable', 'down for the test'));
        return real.take(buckets, mode, now);
      },
      close: () => real.close(),
    };
    const { gw, upstream } = await setup(
      t,
      (u) => [tokenRoute('email-send', '/email/send', u), tokenRoute('catalog', '/catalog', u)],
      [
        { routeId: 'email-send', rules: [{ per: 'device', max: 8, windowSeconds: 600 }] },
        {
          routeId: 'catalog',
          onStoreFailure: 'open',
          rules: [{ per: 'device', max: 8, windowSeconds: 600 }],
        },
      ],
      { store: flaky },
    );
    const token = await gw.issuer.mint(device('d'));
    const call = (path: string) => send(gw.port, { path, headers: { [HEADER_TOKEN]: token }, body: '{}' });
    assert.equal((await call('/email/send')).status, 200);
    down = true;
    const closed = await call('/email/send');
    assert.deepEqual(
      [closed.status, closed.code, header(closed, 'retry-after')],
      [503, 'store_unavailable', '5'],
    );
    assert.equal(gw.audits.at(-1)?.reason, 'limit_store_unavailable');
    const open = await sequential(4, () => call('/catalog'));
    // Insurance: max 8 / insuranceDivisor 4 = 2 per window on this instance.
    assert.deepEqual(
      open.map((r) => r.status),
      [200, 200, 429, 429],
    );
    assert.equal(gw.audits.at(-1)?.reason, 'insurance_limit_exceeded');
    const counters = gw.limits.counters();
    assert.deepEqual(
      [counters.storeFailures, counters.failedClosed, counters.failOpenAllowed, counters.insuranceLimited],
      [5, 1, 2, 2],
    );
    assert.deepEqual(
      gw.events.map((e) => [e.reason, e.storeReason]),
      [
        ['limit_store_unavailable', 'store_unreachable'],
        ['limit_store_failed_open', 'store_unreachable'],
        ['limit_store_failed_open', 'store_unreachable'],
        ['insurance_limit_exceeded', 'store_unreachable'],
        ['insurance_limit_exceeded', 'store_unreachable'],
      ],
    );
    down = false;
    assert.equal((await call('/catalog')).status, 200, 'normal limits resume with the store');
    assert.equal(upstream.bodies.length, 4);
  });

  test('bad options are TypeErrors naming what is wrong', () => {
    const store = createMemoryLimitStore();
    const make =
      (routes: RouteLimits[], extra: Record<string, unknown> = {}) =>
      () =>
        createLimitChecks({ store, routes, identifiers: TEST_IDENTIFIERS, ...extra });
    const rule = { per: 'device' as const, max: 5, windowSeconds: 60 };
    assert.throws(make([{ routeId: '', rules: [rule] }]), /routes\[0\]\.routeId/);
    assert.doesNotThrow(make([{ routeId: 'POST /pay', rules: [rule] }]));
    assert.throws(
      make([
        { routeId: 'a', rules: [rule] },
        { routeId: 'a', rules: [] },
      ]),
      /listed twice/,
    );
    assert.throws(make([{ routeId: 'a', rules: [{ ...rule, max: 0 }] }]), /rules\[0\]\.max/);
    assert.throws(
      make([{ routeId: 'a', rules: [{ ...rule, windowSeconds: 40 * 86_400 }] }]),
      /windowSeconds/,
    );
    assert.throws(make([{ routeId: 'a', rules: [{ ...rule, per: 'planet' as 'device' }] }]), /per/);
    assert.throws(make([{ routeId: 'a', rules: [rule, rule] }]), /repeats/);
    assert.throws(make([{ routeId: 'a', rules: [{ ...rule, per: 'body' }] }]), /field/);
    assert.throws(make([{ routeId: 'a', rules: [{ ...rule, field: '$.x' }] }]), /field applies only/);
    assert.throws(
      make([{ routeId: 'a', rules: [{ ...rule, cost: { paths: ['to'] } }] }]),
      /cost\.paths\[0\]/,
    );
    assert.throws(
      make([{ routeId: 'a', rules: [{ ...rule, cost: { paths: ['$.to'], whenUnreadable: 6 } }] }]),
      /whenUnreadable/,
    );
    assert.throws(
      make([{ routeId: 'a', rules: [{ ...rule, cost: { paths: ['$.to.length'] } }] }]),
      /cost\.paths\[0\] counts elements/,
    );
    assert.doesNotThrow(
      make([{ routeId: 'a', rules: [{ ...rule, cost: { paths: ['$.to.length'], count: 'elements' } }] }]),
    );
    assert.throws(
      make([{ routeId: 'a', rules: [{ ...rule, cost: { paths: ['$.to'], count: 'words' as 'elements' } }] }]),
      /cost\.count/,
    );
    assert.throws(make([{ routeId: 'a', rules: [{ ...rule, name: 'Device!' }] }]), /name/);
    assert.throws(
      make([
        { routeId: 'a', rules: [{ ...rule, group: 'mail' }] },
        { routeId: 'b', rules: [{ ...rule, group: 'mail', max: 6 }] },
      ]),
      /group "mail"/,
    );
    assert.throws(
      make([
        { routeId: 'a', rules: [{ per: 'global', max: 5, windowSeconds: 60 }] },
        { routeId: 'b', rules: [{ per: 'global', max: 9, windowSeconds: 60 }] },
      ]),
      /group "global"/,
    );
    assert.throws(make([], { insuranceDivisor: 0 }), /insuranceDivisor/);
    assert.throws(make([], { userClaim: 'a b' }), /userClaim/);
    assert.throws(make([], { ipv6PrefixLength: 200 }), /ipv6PrefixLength/);
    assert.throws(
      () => createLimitChecks({ store: {} as LimitStore, routes: [], identifiers: TEST_IDENTIFIERS }),
      /store/,
    );
    assert.throws(make([], { identifiers: undefined }), /identifiers/);
  });
});
