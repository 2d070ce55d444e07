import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { REDIS_URL, requireService } from '../../test/support/services.js';
import { createManualClock } from '../clock.js';
import { createIssuer, startUpstream } from '../gateway/test-support/harness.js';
import { createMemoryStores } from '../stores/memory/create-memory-stores.js';
import { createRedisStores, type RedisStores } from '../stores/redis/create-redis-stores.js';
import { createProofCheck } from './create-proof-check.js';
import {
  APP_ID,
  androidDevice,
  claimsFor,
  iosDevice,
  PROOF_ROUTE_POLICIES,
  register,
  send,
  signedRequest,
  startProofGateway,
  TEST_NOW,
} from './test-support/proof-harness.js';

test('F-05: two gateways sharing Redis; the same proof sent to both at once, 200 trials: exactly one success each', async (t) => {
  if (!(await requireService(t, 'redis'))) return;
  const u = await startUpstream();
  // Devices live in PostgreSQL in a multi-instance deployment; one shared store stands in for it here
  // (the device store's own suite covers PostgreSQL). Each gateway has its own Redis connection.
  const memory = createMemoryStores();
  const prefix = `proofs-f05-${randomUUID().slice(0, 8)}:`;
  const redis: RedisStores[] = [];
  const clock = createManualClock(TEST_NOW);
  const issuer = await createIssuer(clock.now);
  const gateways: Awaited<ReturnType<typeof startProofGateway>>[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      // A generous timeout: this measures exactness under concurrency, not outage handling, and a
      // busy 2-core machine can delay a reply past the 500 ms default.
      const stores = await createRedisStores({ url: REDIS_URL, keyPrefix: prefix, commandTimeoutMs: 5000 });
      redis.push(stores);
      const check = createProofCheck({
        devices: memory.devices,
        replay: stores.replay,
        routes: PROOF_ROUTE_POLICIES,
        appIdsFor: () => [APP_ID],
        allowTestRootDevices: true,
      });
      gateways.push(await startProofGateway(new URL(u.url), [check], { issuer, clock }));
    }
    const [g1, g2] = gateways as [(typeof gateways)[0], (typeof gateways)[0]];

    // Android keys have no counter: the shared replay store alone must make the decision.
    const android = androidDevice();
    await register(memory.devices, android);
    const token = await issuer.mint(claimsFor(android));
    let wins = 0;
    for (let trial = 0; trial < 200; trial++) {
      const req = signedRequest({ device: android, token, body: `{"trial":${trial}}` });
      const answers = await Promise.all([send(g1.port, req), send(g2.port, req)]);
      const passed = answers.filter((a) => a.status === 200).length;
      assert.equal(passed, 1, `trial ${trial}: ${answers.map((a) => a.code).join(', ')}`);
      assert.ok(answers.some((a) => a.code === 'proof_replayed'));
      wins += passed;
    }
    assert.equal(wins, 200);
    assert.equal(u.requests.length, 200, 'the upstream saw each request exactly once');
    // Which instance wins a race is up to the scheduler (a loaded machine can hand every race to
    // one of them), so that each instance refuses what the other accepted is shown in order.
    for (let trial = 0; trial < 10; trial++) {
      const [first, second] = trial % 2 === 0 ? [g1, g2] : [g2, g1];
      const req = signedRequest({ device: android, token, body: `{"sequential":${trial}}` });
      assert.equal((await send(first.port, req)).status, 200, `sequential trial ${trial}`);
      assert.equal((await send(second.port, req)).code, 'proof_replayed', `sequential trial ${trial}`);
    }
    assert.equal(u.requests.length, 210);

    // iOS: the counter compare-and-set on the shared device store and the replay store agree.
    const ios = iosDevice();
    await register(memory.devices, ios);
    const iosToken = await issuer.mint(claimsFor(ios));
    for (let trial = 0; trial < 20; trial++) {
      const req = signedRequest({ device: ios, token: iosToken, body: `{"trial":${trial}}` });
      const answers = await Promise.all([send(g1.port, req), send(g2.port, req)]);
      assert.equal(answers.filter((a) => a.status === 200).length, 1, `ios trial ${trial}`);
    }
    assert.equal(u.requests.length, 230);
  } finally {
    for (const gateway of gateways) await gateway.close();
    for (const stores of redis) await stores.close();
    await memory.close();
    await u.close();
  }
});
