import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { REDIS_URL, requireService } from '../../test/support/services.js';
import { createManualClock } from '../clock.js';
import { isShieldError } from '../errors.js';
import { TEST_IDENTIFIERS } from '../gateway/test-support/harness.js';
import { StoreOutageError } from '../stores/store-outage-error.js';
import { createEndpointLimiter, type EndpointLimiterOptions } from './create-endpoint-limiter.js';
import { createMemoryLimitStore } from './stores/create-memory-limit-store.js';
import { createRedisLimitStore } from './stores/create-redis-limit-store.js';
import type { LimitEvent, LimitStore } from './types.js';

const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);

function refusal(code: string, reason: string, retryAfter?: number) {
  return (error: unknown) =>
    isShieldError(error) &&
    error.code === code &&
    error.reason === reason &&
    (retryAfter === undefined || error.retryAfter === retryAfter);
}

/** Runs `count` calls and returns how many passed before the first refusal, and that refusal. */
async function until(count: number, call: () => Promise<void>): Promise<{ passed: number; error: unknown }> {
  for (let i = 0; i < count; i++) {
    try {
      await call();
    } catch (error) {
      return { passed: i, error };
    }
  }
  return { passed: count, error: null };
}

function limiter(overrides: Partial<EndpointLimiterOptions> = {}) {
  const clock = createManualClock(T0);
  const events: LimitEvent[] = [];
  const endpoints = createEndpointLimiter({
    store: createMemoryLimitStore(),
    clock,
    identifiers: TEST_IDENTIFIERS,
    onEvent: (event) => events.push(event),
    ...overrides,
  });
  return { endpoints, clock, events };
}

describe('createEndpointLimiter (A2-03, D-34)', () => {
  test('A2-03: 200 challenges a minute from one IP: refused past the threshold with Retry-After', async () => {
    const { endpoints, clock, events } = limiter({
      limits: { challenge: { perIp: { max: 60, windowSeconds: 60 } } },
    });
    const { passed, error } = await until(200, () => endpoints.consume('challenge', '198.51.100.7'));
    assert.equal(passed, 60);
    assert.ok(refusal('rate_limited', 'endpoint_ip_limit_exceeded', 1)(error));
    assert.deepEqual(
      events.map((e) => [e.reason, e.limit]),
      [['endpoint_ip_limit_exceeded', 'challenge-ip']],
    );
    // Another address is not affected; one second later one more challenge fits.
    await endpoints.consume('challenge', '198.51.100.8');
    clock.advance(1000);
    await endpoints.consume('challenge', '198.51.100.7');
    await assert.rejects(
      endpoints.consume('challenge', '198.51.100.7'),
      refusal('rate_limited', 'endpoint_ip_limit_exceeded'),
    );
  });

  test('A2-03: failed verifications lock the address out of attest and assert, not out of challenges', async () => {
    const { endpoints, clock } = limiter({
      limits: {
        failures: { perIp: { max: 10, windowSeconds: 3600 } },
        attest: { perIp: { max: 100, windowSeconds: 60 } },
      },
    });
    const ip = '203.0.113.50';
    const garbage = async (i: number) => {
      await endpoints.consume('attest', ip, `garbage-key-${i}`);
      await endpoints.recordFailure('attest', ip, `garbage-key-${i}`);
    };
    let i = 0;
    const { passed, error } = await until(50, () => garbage(i++));
    assert.equal(passed, 10);
    assert.ok(refusal('rate_limited', 'endpoint_locked_out', 360)(error));
    await assert.rejects(
      endpoints.consume('assert', ip, 'any-key'),
      refusal('rate_limited', 'endpoint_locked_out'),
    );
    await endpoints.consume('challenge', ip);
    clock.advance(360_000);
    await endpoints.consume('attest', ip, 'one-more');
  });

  test('failures per key id lock that key out from every address', async () => {
    const { endpoints } = limiter({ limits: { failures: { perKey: { max: 3, windowSeconds: 3600 } } } });
    for (let i = 0; i < 3; i++) {
      await endpoints.consume('assert', `192.0.2.${i}`, 'stolen-key');
      await endpoints.recordFailure('assert', `192.0.2.${i}`, 'stolen-key');
    }
    await assert.rejects(
      endpoints.consume('assert', '192.0.2.99', 'stolen-key'),
      refusal('rate_limited', 'endpoint_locked_out'),
    );
    await endpoints.consume('assert', '192.0.2.99', 'other-key');
  });

  test('D-34: token mints per key id per hour are capped', async () => {
    const { endpoints } = limiter({ limits: { assert: { perKey: { max: 30, windowSeconds: 3600 } } } });
    const { passed, error } = await until(40, () => endpoints.consume('assert', '192.0.2.1', 'farmed-key'));
    assert.equal(passed, 30);
    assert.ok(refusal('rate_limited', 'endpoint_key_limit_exceeded', 120)(error));
  });

  test('IPv6 addresses of one /64 share the per-IP limit', async () => {
    const { endpoints } = limiter({ limits: { challenge: { perIp: { max: 5, windowSeconds: 60 } } } });
    let n = 0;
    const { passed } = await until(20, () =>
      endpoints.consume('challenge', `2001:db8:aa:bb::${(++n).toString(16)}`),
    );
    assert.equal(passed, 5);
    await endpoints.consume('challenge', '2001:db8:aa:bc::1');
  });

  test('store outage: closed by default (store_unavailable, Retry-After); open: the insurance cap; recordFailure never throws', async () => {
    const down: LimitStore = {
      kind: 'redis',
      take: () => Promise.reject(new StoreOutageError('store_timeout', 'hung')),
      close: async () => undefined,
    };
    const closed = limiter({ store: down });
    await assert.rejects(
      closed.endpoints.consume('attest', '192.0.2.1', 'k'),
      refusal('store_unavailable', 'limit_store_unavailable', 5),
    );
    await closed.endpoints.recordFailure('attest', '192.0.2.1', 'k');
    assert.deepEqual(
      closed.events.map((e) => [e.reason, e.storeReason]),
      [
        ['limit_store_unavailable', 'store_timeout'],
        ['limit_store_unavailable', 'store_timeout'],
      ],
    );
    const open = limiter({
      store: down,
      onStoreFailure: 'open',
      limits: { challenge: { perIp: { max: 8, windowSeconds: 60 } } },
    });
    const { passed, error } = await until(10, () => open.endpoints.consume('challenge', '192.0.2.1'));
    assert.equal(passed, 2);
    assert.ok(refusal('rate_limited', 'insurance_limit_exceeded')(error));
    assert.deepEqual(
      [open.endpoints.counters().failOpenAllowed, open.endpoints.counters().insuranceLimited],
      [2, 1],
    );
  });

  test('bad options and arguments are TypeErrors', async () => {
    const store = createMemoryLimitStore();
    const clock = createManualClock(T0);
    const identifiers = TEST_IDENTIFIERS;
    assert.throws(() => createEndpointLimiter({ store, clock: {} as typeof clock, identifiers }), /clock/);
    assert.throws(
      () => createEndpointLimiter({ store, clock, identifiers: undefined as unknown as typeof identifiers }),
      /identifiers/,
    );
    assert.throws(
      () =>
        createEndpointLimiter({
          store,
          clock,
          identifiers,
          limits: { attest: { perKey: { max: 0, windowSeconds: 60 } } },
        }),
      /limits\.attest\.perKey\.max/,
    );
    assert.throws(
      () => createEndpointLimiter({ store, clock, identifiers, onStoreFailure: 'maybe' as 'open' }),
      /onStoreFailure/,
    );
    const endpoints = createEndpointLimiter({ store, clock, identifiers });
    await assert.rejects(endpoints.consume('mint' as 'attest', '192.0.2.1'), TypeError);
    await assert.rejects(endpoints.consume('attest', '192.0.2.1', 42 as unknown as string), TypeError);
  });

  test('on Redis, two instances share the lockout', async (t) => {
    if (!(await requireService(t, 'redis'))) return;
    const keyPrefix = `ptle-${randomBytes(4).toString('hex')}:`;
    const [s1, s2] = await Promise.all([
      createRedisLimitStore({ url: REDIS_URL, keyPrefix, commandTimeoutMs: 2000 }),
      createRedisLimitStore({ url: REDIS_URL, keyPrefix, commandTimeoutMs: 2000 }),
    ]);
    t.after(async () => {
      await s1.close();
      await s2.close();
    });
    const clock = createManualClock(T0);
    const limits = { failures: { perKey: { max: 4, windowSeconds: 60 } } };
    const g1 = createEndpointLimiter({ store: s1, clock, limits, identifiers: TEST_IDENTIFIERS });
    const g2 = createEndpointLimiter({ store: s2, clock, limits, identifiers: TEST_IDENTIFIERS });
    await Promise.all(
      Array.from({ length: 4 }, (_, i) => (i % 2 === 0 ? g1 : g2).recordFailure('attest', '192.0.2.1', 'k')),
    );
    await assert.rejects(
      g1.consume('attest', '192.0.2.2', 'k'),
      refusal('rate_limited', 'endpoint_locked_out'),
    );
    await assert.rejects(
      g2.consume('attest', '192.0.2.3', 'k'),
      refusal('rate_limited', 'endpoint_locked_out'),
    );
  });
});
