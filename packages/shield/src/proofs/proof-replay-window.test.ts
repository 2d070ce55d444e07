import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startUpstream } from '../gateway/test-support/harness.js';
import { createMemoryStores } from '../stores/memory/create-memory-stores.js';
import type { ReplayStore } from '../stores/ports.js';
import { createProofCheck } from './create-proof-check.js';
import {
  androidDevice,
  claimsFor,
  PROOF_ROUTE_POLICIES,
  register,
  send,
  signedRequest,
  startProofGateway,
} from './test-support/proof-harness.js';

// F-04: a Redis failover can lose a replay key that was just written. The documented bound: the
// proof it marked is replayable within its time window only, never after.

test('F-04: a replay key lost in a failover makes its proof replayable within its window, never after it', async () => {
  const upstream = await startUpstream();
  const stores = createMemoryStores();
  let current: ReplayStore = createMemoryStores().replay;
  /** The replay store as the gateway sees it; `lose()` is a failover that kept nothing. */
  const failingOver = {
    firstSeen: (key: string, ttlMs: number, now: number) => current.firstSeen(key, ttlMs, now),
    lose: () => {
      current = createMemoryStores().replay;
    },
  };
  const proofs = createProofCheck({
    devices: stores.devices,
    replay: failingOver,
    routes: PROOF_ROUTE_POLICIES,
    appIdsFor: () => [],
    skewSeconds: 60,
    allowTestRootDevices: true,
  });
  const gateway = await startProofGateway(new URL(upstream.url), [proofs]);
  try {
    const device = androidDevice();
    await register(stores.devices, device);
    const token = await gateway.issuer.mint(claimsFor(device));
    const request = signedRequest({ device, token, body: '{"amount":1}' });

    assert.equal((await send(gateway.port, request)).status, 200);
    assert.equal((await send(gateway.port, request)).code, 'proof_replayed', 'while the key is kept');

    failingOver.lose();
    assert.equal(
      (await send(gateway.port, request)).status,
      200,
      'the documented bound: replayable once the key is lost',
    );
    assert.equal((await send(gateway.port, request)).code, 'proof_replayed', 'and marked again at once');

    failingOver.lose();
    gateway.clock.advance(61_000);
    assert.equal(
      (await send(gateway.port, request)).code,
      'proof_stale',
      'past its window, a lost key no longer matters',
    );
    assert.equal(upstream.requests.length, 2);
  } finally {
    await gateway.close();
    await upstream.close();
  }
});
