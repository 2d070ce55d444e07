import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, type TestContext, test } from 'node:test';
import { startUpstream, type Upstream } from '../gateway/test-support/harness.js';
import { createMemoryStores } from '../stores/memory/create-memory-stores.js';
import type { DeviceStore, ReplayStore, Stores } from '../stores/ports.js';
import { createRedisStores, type RedisStores } from '../stores/redis/create-redis-stores.js';
import { StoreOutageError } from '../stores/store-outage-error.js';
import { createProofCheck, type ProofDegradedEvent } from './create-proof-check.js';
import {
  type Answer,
  APP_ID,
  androidDevice,
  claimsFor,
  iosDevice,
  type OutgoingRequest,
  PROOF_ROUTE_POLICIES,
  register,
  send,
  signedRequest,
  startProofGateway,
  TEST_NOW,
} from './test-support/proof-harness.js';

function outage(): StoreOutageError {
  return new StoreOutageError('store_unreachable', 'test store is down');
}

/** Memory stores whose replay and device halves can be switched off like a lost connection. */
function switchableStores(): { stores: Stores; down: { replay: boolean; devices: boolean } } {
  const stores = createMemoryStores();
  const down = { replay: false, devices: false };
  const replay: ReplayStore = {
    firstSeen: (key, ttl, now) =>
      down.replay ? Promise.reject(outage()) : stores.replay.firstSeen(key, ttl, now),
  };
  const devices: DeviceStore = {
    ...stores.devices,
    get: (keyId) => (down.devices ? Promise.reject(outage()) : stores.devices.get(keyId)),
    advanceCounter: (keyId, next, now) =>
      down.devices ? Promise.reject(outage()) : stores.devices.advanceCounter(keyId, next, now),
  };
  return { stores: { ...stores, replay, devices }, down };
}

describe('store outages on proof routes (fail closed by default, degraded mode by choice)', () => {
  let u: Upstream;
  let gw: Awaited<ReturnType<typeof startProofGateway>>;
  let world: ReturnType<typeof switchableStores>;
  const events: ProofDegradedEvent[] = [];

  before(async () => {
    u = await startUpstream();
    world = switchableStores();
    const proofs = createProofCheck({
      devices: world.stores.devices,
      replay: world.stores.replay,
      routes: PROOF_ROUTE_POLICIES,
      appIdsFor: () => [APP_ID],
      allowTestRootDevices: true,
      retryAfterSeconds: 2,
      onDegraded: (event) => events.push(event),
    });
    gw = await startProofGateway(new URL(u.url), [proofs]);
  });

  after(async () => {
    await gw.close();
    await u.close();
    await world.stores.close();
  });

  async function expect(req: OutgoingRequest, status: number, code: string, reason: string | null) {
    const before = u.requests.length;
    const answer = await send(gw.port, req);
    assert.equal(answer.status, status, answer.code);
    assert.equal(answer.code, code);
    assert.equal(u.requests.length, before + (status < 300 ? 1 : 0), 'upstream count');
    assert.equal(gw.audits.at(-1)?.reason ?? null, reason);
    return answer;
  }

  test('replay or device store down: 503 store_unavailable with Retry-After, nothing forwarded', async () => {
    const device = androidDevice();
    await register(world.stores.devices, device);
    const token = await gw.issuer.mint(claimsFor(device));
    const before = signedRequest({ device, token, body: '{"before":true}' });
    await expect(before, 200, 'ok', null);
    try {
      world.down.replay = true;
      const answer = await expect(
        signedRequest({ device, token, body: '{"n":1}' }),
        503,
        'store_unavailable',
        'proof_replay_store_unavailable',
      );
      assert.equal(answer.headers['retry-after'], '2');
      world.down.replay = false;
      world.down.devices = true;
      await expect(
        signedRequest({ device, token, body: '{"n":2}' }),
        503,
        'store_unavailable',
        'proof_device_store_unavailable',
      );
    } finally {
      world.down.replay = false;
      world.down.devices = false;
    }
    // Recovered: the proof used before the outage is still a replay; the refused ones were never recorded.
    await expect(before, 401, 'proof_replayed', 'proof_replayed');
    await expect(signedRequest({ device, token, body: '{"n":1}' }), 200, 'ok', null);
    assert.deepEqual(events, []);
  });

  test('iOS: the counter compare-and-set failing is an outage too (503); the retry is signed anew and passes', async () => {
    const device = iosDevice();
    await register(world.stores.devices, device);
    const token = await gw.issuer.mint(claimsFor(device));
    const inner = world.stores.devices;
    const original = inner.advanceCounter;
    inner.advanceCounter = () => Promise.reject(outage());
    try {
      await expect(
        signedRequest({ device, token }),
        503,
        'store_unavailable',
        'proof_device_store_unavailable',
      );
    } finally {
      inner.advanceCounter = original;
    }
    await expect(signedRequest({ device, token, body: '{"again":1}' }), 200, 'ok', null);
  });

  test('allow-signature-only: signature and freshness still checked; replays pass while the replay store is down', async () => {
    events.length = 0;
    const device = androidDevice();
    await register(world.stores.devices, device);
    const token = await gw.issuer.mint(claimsFor(device));
    const req = signedRequest({ device, token, target: '/degraded' });
    try {
      world.down.replay = true;
      await expect(req, 200, 'ok', null);
      // The documented cost of the degraded mode: the same proof passes again.
      await expect(req, 200, 'ok', null);
      await expect(
        signedRequest({ device: androidDevice(), token, target: '/degraded' }),
        401,
        'proof_invalid',
        'proof_signature_invalid',
      );
      await expect(
        signedRequest({ device, token, target: '/degraded', timestampMs: TEST_NOW - 61_000 }),
        401,
        'proof_stale',
        'proof_too_old',
      );
      // Another route of the same gateway keeps failing closed.
      await expect(
        signedRequest({ device, token, body: '{"x":1}' }),
        503,
        'store_unavailable',
        'proof_replay_store_unavailable',
      );
    } finally {
      world.down.replay = false;
    }
    assert.deepEqual(
      events.map((e) => [e.routeId, e.reason]),
      [
        ['degraded', 'proof_degraded_replay_unchecked'],
        ['degraded', 'proof_degraded_replay_unchecked'],
      ],
    );
    assert.ok(events.every((e) => e.requestId.length > 0));
  });

  test('allow-signature-only with the replay store down: an iOS replay is still caught by the counter', async () => {
    const device = iosDevice();
    await register(world.stores.devices, device);
    const token = await gw.issuer.mint(claimsFor(device));
    const req = signedRequest({ device, token, target: '/degraded' });
    try {
      world.down.replay = true;
      await expect(req, 200, 'ok', null);
      await expect(req, 401, 'proof_replayed', 'proof_counter_not_increasing');
    } finally {
      world.down.replay = false;
    }
  });

  test('allow-signature-only with the device store down: the token cnf key verifies; revocation is unknown', async () => {
    events.length = 0;
    const device = androidDevice();
    await register(world.stores.devices, device);
    const token = await gw.issuer.mint(claimsFor(device));
    await world.stores.devices.revoke(device.keyId, 'stolen', TEST_NOW);
    const req = signedRequest({ device, token, target: '/degraded' });
    try {
      world.down.devices = true;
      // The documented cost: a revoked key is usable while its tokens live and the device store is down.
      await expect(req, 200, 'ok', null);
      await expect(req, 401, 'proof_replayed', 'proof_replayed');
      await expect(
        signedRequest({ device: androidDevice(), token, target: '/degraded' }),
        401,
        'proof_invalid',
        'proof_signature_invalid',
      );
    } finally {
      world.down.devices = false;
    }
    await expect(
      signedRequest({ device, token, target: '/degraded', body: '{"later":1}' }),
      403,
      'device_revoked',
      'proof_device_revoked',
    );
    assert.deepEqual(
      events.map((e) => e.reason),
      ['proof_degraded_device_unchecked'],
    );
  });
});

// ---- A Redis of our own, killed and restarted -------------------------------------------------------

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

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('Redis replay store killed and restarted (AOF, appendfsync always): a proof used before the outage stays used', () => {
  let port = 0;
  let dir = '';
  let server: ChildProcess | undefined;
  let unavailable: string | undefined;

  async function startRedis(): Promise<void> {
    const child = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--maxmemory',
        '32mb',
        '--maxmemory-policy',
        'noeviction',
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
    for (let i = 0; i < 200 && !(await reachable(port)); i++) await new Promise((r) => setTimeout(r, 25));
  }

  function killRedis(): Promise<void> {
    const child = server;
    server = undefined;
    if (child === undefined || child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  function ready(t: TestContext): boolean {
    if (unavailable === undefined) return true;
    if (process.env['CI'] === 'true') throw new Error(unavailable);
    t.skip(unavailable);
    return false;
  }

  before(async () => {
    port = await freePort();
    dir = mkdtempSync(join(tmpdir(), 'portcullis-proof-redis-'));
    await startRedis();
  });

  after(async () => {
    await killRedis();
    rmSync(dir, { recursive: true, force: true });
  });

  test('accepted → Redis killed: 503, nothing forwarded → restarted: the old proof is proof_replayed, a refused one is fresh', async (t) => {
    if (!ready(t)) return;
    const u = await startUpstream();
    const memory = createMemoryStores();
    let redis: RedisStores | undefined;
    let gw: Awaited<ReturnType<typeof startProofGateway>> | undefined;
    try {
      redis = await createRedisStores({
        url: `redis://127.0.0.1:${port}`,
        keyPrefix: 'proof-outage:',
        commandTimeoutMs: 300,
      });
      const events: ProofDegradedEvent[] = [];
      const proofs = createProofCheck({
        devices: memory.devices,
        replay: redis.replay,
        routes: PROOF_ROUTE_POLICIES,
        appIdsFor: () => [APP_ID],
        allowTestRootDevices: true,
        onDegraded: (event) => events.push(event),
      });
      gw = await startProofGateway(new URL(u.url), [proofs]);
      const device = androidDevice();
      await register(memory.devices, device);
      const token = await gw.issuer.mint(claimsFor(device));
      const port_ = gw.port;
      const sendCounted = async (req: OutgoingRequest): Promise<[Answer, number]> => {
        const before = u.requests.length;
        const answer = await send(port_, req);
        return [answer, u.requests.length - before];
      };

      const used = signedRequest({ device, token, body: '{"step":"before"}' });
      assert.deepEqual((await sendCounted(used))[0].status, 200);

      await killRedis();
      const during = signedRequest({ device, token, body: '{"step":"during"}' });
      const [refused, forwarded] = await sendCounted(during);
      assert.equal(refused.status, 503);
      assert.equal(refused.code, 'store_unavailable');
      assert.equal(refused.headers['retry-after'], '1');
      assert.equal(forwarded, 0);
      assert.equal((await sendCounted(used))[0].code, 'store_unavailable');
      // A degraded route still serves, and says so.
      const degraded = signedRequest({ device, token, target: '/degraded' });
      assert.equal((await sendCounted(degraded))[0].status, 200);
      assert.deepEqual(
        events.map((e) => e.reason),
        ['proof_degraded_replay_unchecked'],
      );

      await startRedis();
      let pinged = false;
      for (let i = 0; i < 200 && !pinged; i++) {
        pinged = await redis.ping().then(
          () => true,
          () => false,
        );
        if (!pinged) await new Promise((r) => setTimeout(r, 50));
      }
      assert.ok(pinged, 'the stores reconnected by themselves');

      const [replayed, replayForwarded] = await sendCounted(used);
      assert.equal(replayed.code, 'proof_replayed', 'the entry written before the kill survived it');
      assert.equal(replayForwarded, 0);
      const [fresh, freshForwarded] = await sendCounted(during);
      assert.equal(fresh.status, 200, 'the proof refused during the outage was never recorded');
      assert.equal(freshForwarded, 1);
      assert.equal((await sendCounted(during))[0].code, 'proof_replayed');
    } finally {
      await gw?.close();
      await redis?.close();
      await memory.close();
      await u.close();
    }
  });
});
