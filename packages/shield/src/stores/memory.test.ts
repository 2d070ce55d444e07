import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runStoreConformance } from './conformance.js';
import { createStores } from './create-stores.js';
import { createMemoryStores } from './memory/create-memory-stores.js';
import { StoreUnavailableError } from './ports.js';
import { StoreError } from './store-error.js';
import { StoreOutageError } from './store-outage-error.js';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

runStoreConformance('memory', async () => createMemoryStores());
runStoreConformance('memory via createStores', async () => createStores({ kind: 'memory' }));

function isFull(error: unknown): boolean {
  return (
    error instanceof StoreUnavailableError &&
    error instanceof StoreOutageError &&
    error.reason === 'store_full'
  );
}

describe('memory stores: bounds', () => {
  test('a full challenge store sweeps expired challenges first, then refuses new ones', async () => {
    const stores = createMemoryStores({ maxEntries: 2 });
    try {
      await stores.challenges.issue({ challenge: 'a', appId: 'app', expiresAt: T0 + 10 });
      await stores.challenges.issue({ challenge: 'b', appId: 'app', expiresAt: T0 + 1000 });
      await assert.rejects(
        stores.challenges.issue({ challenge: 'c', appId: 'app', expiresAt: T0 + 1000 }),
        isFull,
      );
      // A later `now` from any caller lets the sweep remove 'a'; 'b' is still live and kept.
      assert.equal(await stores.challenges.consume('unknown', T0 + 10), null);
      await stores.challenges.issue({ challenge: 'c', appId: 'app', expiresAt: T0 + 1000 });
      assert.deepEqual(await stores.challenges.consume('b', T0 + 20), {
        challenge: 'b',
        appId: 'app',
        expiresAt: T0 + 1000,
      });
      assert.deepEqual(await stores.challenges.consume('c', T0 + 20), {
        challenge: 'c',
        appId: 'app',
        expiresAt: T0 + 1000,
      });
    } finally {
      await stores.close();
    }
  });

  test('a full replay store refuses a new key instead of forgetting a live one', async () => {
    const stores = createMemoryStores({ maxEntries: 2 });
    try {
      assert.equal(await stores.replay.firstSeen('a', 100, T0), true);
      assert.equal(await stores.replay.firstSeen('b', 100, T0), true);
      await assert.rejects(stores.replay.firstSeen('c', 100, T0 + 50), isFull);
      assert.equal(await stores.replay.firstSeen('a', 100, T0 + 50), false, 'the live key is still refused');
      assert.equal(await stores.replay.firstSeen('b', 100, T0 + 60), false);
      assert.equal(await stores.replay.firstSeen('c', 100, T0 + 100), true, 'expired keys make room');
      assert.equal(await stores.replay.firstSeen('c', 100, T0 + 150), false);
    } finally {
      await stores.close();
    }
  });

  test('a full device store refuses new keys and still answers exists for known ones', async () => {
    const stores = createMemoryStores({ maxEntries: 1 });
    const device = {
      keyId: 'k1',
      appId: 'app',
      platform: 'ios',
      level: 'hardware',
      publicKeyJwk: { kty: 'EC' },
      counter: 0,
      receipt: null,
      testRoot: false,
      attestation: null,
      firstSeen: T0,
    } as const;
    try {
      assert.equal(await stores.devices.register({ ...device, publicKeyJwk: { kty: 'EC' } }), 'created');
      assert.equal(await stores.devices.register({ ...device, publicKeyJwk: { kty: 'EC' } }), 'exists');
      await assert.rejects(
        stores.devices.register({ ...device, keyId: 'k2', publicKeyJwk: { kty: 'EC' } }),
        isFull,
      );
    } finally {
      await stores.close();
    }
  });

  test('a full audit log keeps the newest records', async () => {
    const stores = createMemoryStores({ maxEntries: 3 });
    try {
      for (let i = 0; i < 5; i += 1) {
        await stores.audit.append({
          ts: T0 + i,
          requestId: `r${i}`,
          instance: 'i',
          event: 'gateway',
          decision: 'allow',
          code: 'ok',
          reason: null,
          appId: null,
          routeId: null,
          method: null,
          path: null,
          clientIp: null,
          deviceIdHash: null,
          userIdHash: null,
          tokenJti: null,
          level: null,
          upstreamStatus: null,
          latencyMs: null,
          details: null,
        });
      }
      assert.deepEqual(
        (await stores.audit.query({ limit: 10 })).map((r) => r.requestId),
        ['r4', 'r3', 'r2'],
      );
      assert.equal(await stores.audit.prune(T0 + 3), 1);
      assert.deepEqual(
        (await stores.audit.query({ limit: 10 })).map((r) => r.requestId),
        ['r4', 'r3'],
      );
    } finally {
      await stores.close();
    }
  });

  test('bad options are TypeErrors naming the option', () => {
    assert.throws(() => createMemoryStores({ maxEntries: 0 }), /maxEntries/);
    assert.throws(() => createMemoryStores({ sweepIntervalMs: 1 }), /sweepIntervalMs/);
  });
});

describe('createStores: memory', () => {
  test('refuses the memory store for more than one instance (F-05)', async () => {
    await assert.rejects(
      createStores({ kind: 'memory' }, { instances: 2 }),
      (error: unknown) => error instanceof StoreError && error.reason === 'memory_multi_instance',
    );
    const single = await createStores({ kind: 'memory', maxEntries: 10 }, { instances: 1 });
    await single.close();
  });

  test('refuses an unknown kind or a bad instances count', async () => {
    await assert.rejects(createStores({ kind: 'mongo' } as never), TypeError);
    await assert.rejects(createStores({ kind: 'memory' }, { instances: 0 }), TypeError);
  });
});
