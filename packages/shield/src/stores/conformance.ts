import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, type TestContext, test } from 'node:test';
import type { AuditRecord, NewDevice, StoredDebugCredential, Stores } from './ports.js';
import { StoreUnavailableError } from './ports.js';
import { StoreError } from './store-error.js';

/** Options of {@link runStoreConformance}. */
export interface StoreConformanceOptions {
  /**
   * Runs first in every test; returning false ends the test there (call `t.skip()` first), e.g.
   * `requireService(t, 'redis')` when a backing service is down.
   */
  ready?: (t: TestContext) => Promise<boolean>;
  /** Calls started at once in the race tests. Default 20. */
  concurrency?: number;
}

// A pinned instant: every time below is an offset from it, never the machine's clock.
const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);

const CONTROL_TEXT =
  'a\u0000b\u0001\u0007\b\t\n\v\f\r\u001b[31m\u007f\u0085\u2028\u2029"\\\'ü€😀 x\n{"decision":"allow"}';

function unique(label: string): string {
  return `${label}-${randomBytes(9).toString('base64url')}`;
}

function newDevice(keyId: string, overrides: Partial<NewDevice> = {}): NewDevice {
  return {
    keyId,
    appId: 'app-a',
    platform: 'ios',
    level: 'hardware',
    publicKeyJwk: {
      kty: 'EC',
      crv: 'P-256',
      x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
      y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0',
    },
    counter: 0,
    receipt: new Uint8Array([0, 1, 2, 127, 128, 255]),
    testRoot: false,
    attestation: {
      evidence: ['apple-app-attest'],
      environment: 'production',
      policy: '{"apple-app-attest":{}}',
    },
    firstSeen: T0,
    ...overrides,
  };
}

function auditRecord(overrides: Partial<AuditRecord> = {}): AuditRecord {
  return {
    ts: T0,
    requestId: unique('req'),
    instance: 'i-1',
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
    ...overrides,
  };
}

async function race<T>(count: number, call: () => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: count }, call));
}

/**
 * Registers the one behaviour suite every store adapter must pass (node:test). `create` must
 * return new, empty stores on each call; the suite closes them at the end of each test. Times
 * are pinned (no test reads the clock), so adapters must decide expiry by the `now` they are
 * given.
 *
 * @example
 * ```ts
 * // sqlite.test.ts
 * runStoreConformance('sqlite', async () => createSqliteStores({ path: join(dir, `${randomUUID()}.db`) }));
 * ```
 */
export function runStoreConformance(
  name: string,
  create: () => Promise<Stores>,
  options: StoreConformanceOptions = {},
): void {
  const concurrency = options.concurrency ?? 20;

  function withStores(title: string, body: (stores: Stores) => Promise<void>): void {
    test(title, async (t) => {
      if (options.ready !== undefined && !(await options.ready(t))) return;
      const stores = await create();
      try {
        await body(stores);
      } finally {
        await stores.close();
      }
    });
  }

  describe(`store conformance: ${name}`, () => {
    describe('challenges', () => {
      withStores('an issued challenge is returned by the first consume only', async ({ challenges }) => {
        const record = { challenge: unique('c'), appId: 'app-a', expiresAt: T0 + 300_000 };
        await challenges.issue(record);
        assert.deepEqual(await challenges.consume(record.challenge, T0), record);
        assert.equal(await challenges.consume(record.challenge, T0), null);
      });

      withStores('an unknown, empty or over-long challenge consumes to null', async ({ challenges }) => {
        assert.equal(await challenges.consume(unique('never-issued'), T0), null);
        assert.equal(await challenges.consume('', T0), null);
        assert.equal(await challenges.consume('x'.repeat(5000), T0), null);
      });

      withStores(
        'a challenge expires at expiresAt by the given now, and a late try spends it',
        async ({ challenges }) => {
          const live = { challenge: unique('live'), appId: 'app-a', expiresAt: T0 + 1000 };
          const late = { challenge: unique('late'), appId: 'app-a', expiresAt: T0 + 1000 };
          await challenges.issue(live);
          await challenges.issue(late);
          assert.deepEqual(await challenges.consume(live.challenge, T0 + 999), live);
          assert.equal(await challenges.consume(late.challenge, T0 + 1000), null);
          assert.equal(
            await challenges.consume(late.challenge, T0),
            null,
            'a failed consume spends the challenge',
          );
        },
      );

      withStores('challenges that differ only by case are distinct', async ({ challenges }) => {
        const base = unique('case');
        const upper = { challenge: `${base}-ABC`, appId: 'app-upper', expiresAt: T0 + 1000 };
        const lower = { challenge: `${base}-abc`, appId: 'app-lower', expiresAt: T0 + 1000 };
        await challenges.issue(upper);
        await challenges.issue(lower);
        assert.deepEqual(await challenges.consume(lower.challenge, T0), lower);
        assert.deepEqual(await challenges.consume(upper.challenge, T0), upper);
      });

      withStores(
        `${concurrency} concurrent consumes of one challenge: exactly one wins`,
        async ({ challenges }) => {
          const record = { challenge: unique('race'), appId: 'app-a', expiresAt: T0 + 60_000 };
          await challenges.issue(record);
          const results = await race(concurrency, () => challenges.consume(record.challenge, T0));
          assert.deepEqual(
            results.filter((r) => r !== null),
            [record],
          );
        },
      );

      withStores(
        'issuing a stored challenge again is refused and changes nothing',
        async ({ challenges }) => {
          const record = { challenge: unique('dup'), appId: 'app-a', expiresAt: T0 + 60_000 };
          await challenges.issue(record);
          await assert.rejects(
            challenges.issue({ ...record, appId: 'app-b', expiresAt: T0 + 120_000 }),
            (error: unknown) => error instanceof StoreError && error.reason === 'challenge_exists',
          );
          assert.deepEqual(await challenges.consume(record.challenge, T0), record);
        },
      );
    });

    describe('devices', () => {
      withStores(
        'register stores a key once; the second time is exists and changes nothing',
        async ({ devices }) => {
          const device = newDevice(unique('key'));
          assert.equal(await devices.register(device), 'created');
          const again = newDevice(device.keyId, {
            appId: 'app-b',
            platform: 'android',
            level: 'device',
            counter: 9,
            receipt: null,
            testRoot: true,
            attestation: null,
            firstSeen: T0 + 5000,
          });
          assert.equal(await devices.register(again), 'exists');
          assert.deepEqual(await devices.get(device.keyId), {
            ...device,
            lastSeen: T0,
            revokedAt: null,
            revokedReason: null,
          });
        },
      );

      withStores('every field round-trips: no receipt, test root, android', async ({ devices }) => {
        const device = newDevice(unique('key'), {
          appId: 'app-b',
          platform: 'android',
          level: 'device',
          counter: 4_294_967_295,
          receipt: null,
          testRoot: true,
          publicKeyJwk: {
            kty: 'OKP',
            crv: 'Ed25519',
            x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
            use: 'sig',
          },
          firstSeen: T0 + 1,
        });
        await devices.register(device);
        assert.deepEqual(await devices.get(device.keyId), {
          ...device,
          lastSeen: T0 + 1,
          revokedAt: null,
          revokedReason: null,
        });
      });

      withStores(
        'what was attested round-trips: evidence in EVIDENCE_TYPES order, environment, policy text; null stays null',
        async ({ devices }) => {
          const device = newDevice(unique('key'), {
            platform: 'android',
            attestation: {
              evidence: ['client-signals', 'play-integrity', 'android-key-attestation'],
              environment: null,
              policy: `${CONTROL_TEXT}${'p'.repeat(3900)}`,
            },
          });
          await devices.register(device);
          assert.deepEqual((await devices.get(device.keyId))?.attestation, {
            evidence: ['android-key-attestation', 'play-integrity', 'client-signals'],
            environment: null,
            policy: `${CONTROL_TEXT}${'p'.repeat(3900)}`,
          });
          const unrecorded = newDevice(unique('key'), { attestation: null });
          await devices.register(unrecorded);
          assert.equal((await devices.get(unrecorded.keyId))?.attestation, null);
          const [listed] = await devices.list({ limit: 1, afterKeyId: device.keyId.slice(0, -1) });
          assert.ok(listed !== undefined && 'attestation' in listed);
        },
      );

      withStores(
        'a malformed attestation is refused as a TypeError and stores nothing',
        async ({ devices }) => {
          const bad: NewDevice['attestation'][] = [
            { evidence: [], environment: null, policy: '' },
            { evidence: ['apple-app-attest', 'apple-app-attest'], environment: 'production', policy: '' },
            { evidence: ['telepathy' as never], environment: null, policy: '' },
            { evidence: ['debug'], environment: 'staging' as never, policy: '' },
            { evidence: ['debug'], environment: null, policy: 'x'.repeat(4097) },
            'apple' as never,
          ];
          for (const attestation of bad) {
            const device = newDevice(unique('key'), { attestation });
            await assert.rejects(devices.register(device), TypeError);
            assert.equal(await devices.get(device.keyId), null);
          }
        },
      );

      withStores('get of an unknown, empty or over-long key id is null', async ({ devices }) => {
        assert.equal(await devices.get(unique('unknown')), null);
        assert.equal(await devices.get(''), null);
        assert.equal(await devices.get('k'.repeat(5000)), null);
      });

      withStores('advanceCounter moves the counter strictly forward', async ({ devices }) => {
        const keyId = unique('key');
        await devices.register(newDevice(keyId));
        assert.equal(await devices.advanceCounter(keyId, 1, T0 + 1), true);
        assert.equal(await devices.advanceCounter(keyId, 1, T0 + 2), false, 'an equal counter is a replay');
        assert.equal(await devices.advanceCounter(keyId, 0, T0 + 3), false, 'a lower counter is a rollback');
        let stored = await devices.get(keyId);
        assert.equal(stored?.counter, 1);
        assert.equal(stored?.lastSeen, T0 + 1, 'a refused advance does not touch lastSeen');
        assert.equal(await devices.advanceCounter(keyId, 10, T0 + 4), true);
        stored = await devices.get(keyId);
        assert.equal(stored?.counter, 10);
        assert.equal(stored?.lastSeen, T0 + 4);
        assert.equal(await devices.advanceCounter(unique('unknown'), 5, T0), false);
      });

      withStores(
        `${concurrency} concurrent advanceCounter with one value: exactly one true`,
        async ({ devices }) => {
          const keyId = unique('key');
          await devices.register(newDevice(keyId, { counter: 3 }));
          const results = await race(concurrency, () => devices.advanceCounter(keyId, 7, T0 + 10));
          assert.equal(results.filter(Boolean).length, 1);
          assert.equal((await devices.get(keyId))?.counter, 7);
        },
      );

      withStores('touch moves lastSeen and ignores unknown keys', async ({ devices }) => {
        const keyId = unique('key');
        await devices.register(newDevice(keyId));
        await devices.touch(keyId, T0 + 50);
        await devices.touch(unique('unknown'), T0 + 50);
        const stored = await devices.get(keyId);
        assert.equal(stored?.lastSeen, T0 + 50);
        assert.equal(stored?.counter, 0);
      });

      withStores(
        'revoke marks a known key, keeps the first revocation, and is false for unknown keys',
        async ({ devices }) => {
          const device = newDevice(unique('key'));
          await devices.register(device);
          assert.equal(await devices.revoke(unique('unknown'), 'lost', T0), false);
          assert.equal(await devices.revoke(device.keyId, 'stolen phone', T0 + 100), true);
          assert.equal(await devices.revoke(device.keyId, 'again', T0 + 200), true);
          assert.deepEqual(await devices.get(device.keyId), {
            ...device,
            lastSeen: T0,
            revokedAt: T0 + 100,
            revokedReason: 'stolen phone',
          });
        },
      );

      withStores('list pages in key-id order, filtered by app', async ({ devices }) => {
        const keys = ['k07', 'k02', 'k05', 'k01', 'k06', 'k03', 'k04'];
        for (const keyId of keys) {
          await devices.register(
            newDevice(keyId, { appId: Number(keyId.slice(1)) % 2 === 0 ? 'app-even' : 'app-odd' }),
          );
        }
        const ids = (list: { keyId: string }[]) => list.map((d) => d.keyId);
        assert.deepEqual(ids(await devices.list({ limit: 3 })), ['k01', 'k02', 'k03']);
        assert.deepEqual(ids(await devices.list({ limit: 3, afterKeyId: 'k03' })), ['k04', 'k05', 'k06']);
        assert.deepEqual(ids(await devices.list({ limit: 3, afterKeyId: 'k06' })), ['k07']);
        assert.deepEqual(await devices.list({ limit: 3, afterKeyId: 'k07' }), []);
        assert.deepEqual(ids(await devices.list({ limit: 10, appId: 'app-odd' })), [
          'k01',
          'k03',
          'k05',
          'k07',
        ]);
        assert.deepEqual(ids(await devices.list({ limit: 1, appId: 'app-even', afterKeyId: 'k02' })), [
          'k04',
        ]);
        assert.deepEqual(await devices.list({ limit: 10, appId: 'app-none' }), []);
        const [first] = await devices.list({ limit: 1 });
        assert.deepEqual(first, {
          ...newDevice('k01', { appId: 'app-odd' }),
          lastSeen: T0,
          revokedAt: null,
          revokedReason: null,
        });
      });

      withStores('returned records are copies: mutating them changes nothing stored', async ({ devices }) => {
        const device = newDevice(unique('key'));
        await devices.register(device);
        device.receipt?.fill(9);
        device.publicKeyJwk['x'] = 'changed';
        const got = await devices.get(device.keyId);
        assert.ok(got !== null);
        assert.deepEqual(got.receipt, new Uint8Array([0, 1, 2, 127, 128, 255]));
        got.receipt?.fill(7);
        got.publicKeyJwk['y'] = 'changed';
        got.counter = 99;
        const again = await devices.get(device.keyId);
        assert.deepEqual(again?.receipt, new Uint8Array([0, 1, 2, 127, 128, 255]));
        assert.equal(again?.publicKeyJwk['x'], 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU');
        assert.equal(again?.publicKeyJwk['y'], 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0');
        assert.equal(again?.counter, 0);
      });
    });

    describe('replay', () => {
      withStores(
        'firstSeen is true once, then false until the key expires at now + ttl',
        async ({ replay }) => {
          const key = unique('jti');
          assert.equal(await replay.firstSeen(key, 1000, T0), true);
          assert.equal(await replay.firstSeen(key, 1000, T0), false);
          assert.equal(await replay.firstSeen(key, 1000, T0 + 999), false);
          assert.equal(
            await replay.firstSeen(key, 1000, T0 + 1000),
            true,
            'expired at now + ttl: recorded again',
          );
          assert.equal(
            await replay.firstSeen(key, 1000, T0 + 1500),
            false,
            'the new record lasts its own ttl',
          );
          assert.equal(await replay.firstSeen(key, 1000, T0 + 2000), true);
        },
      );

      withStores('keys that differ only by case are distinct', async ({ replay }) => {
        const base = unique('jti');
        assert.equal(await replay.firstSeen(`${base}-ABC`, 60_000, T0), true);
        assert.equal(await replay.firstSeen(`${base}-abc`, 60_000, T0), true);
        assert.equal(await replay.firstSeen(`${base}-Abc`, 60_000, T0), true);
        assert.equal(await replay.firstSeen(`${base}-abc`, 60_000, T0), false);
      });

      withStores(`${concurrency} concurrent firstSeen of one key: exactly one true`, async ({ replay }) => {
        const key = unique('jti');
        const results = await race(concurrency, () => replay.firstSeen(key, 60_000, T0));
        assert.equal(results.filter(Boolean).length, 1);
      });

      withStores('keys are independent of each other', async ({ replay }) => {
        const a = unique('jti');
        const b = unique('jti');
        assert.equal(await replay.firstSeen(a, 60_000, T0), true);
        assert.equal(await replay.firstSeen(b, 60_000, T0), true);
        assert.equal(await replay.firstSeen(a, 60_000, T0 + 1), false);
        assert.equal(await replay.firstSeen(b, 60_000, T0 + 1), false);
      });
    });

    describe('debug credentials', () => {
      const credential = (overrides: Partial<StoredDebugCredential> = {}): StoredDebugCredential => ({
        id: unique('dc'),
        appId: 'app-a',
        name: 'ci-runner',
        keyedHash: randomBytes(32).toString('hex'),
        audiences: null,
        createdAt: T0,
        expiresAt: T0 + 86_400_000,
        revokedAt: null,
        ...overrides,
      });

      withStores('add, find by keyed hash, list newest first, revoke once', async ({ debugCredentials }) => {
        const first = credential({ createdAt: T0, audiences: ['api'] });
        const second = credential({ createdAt: T0 + 1000, appId: 'app-b', name: 'qa ü "x"' });
        await debugCredentials.add(first);
        await debugCredentials.add(second);
        assert.deepEqual(await debugCredentials.findByHash(first.keyedHash), first);
        assert.equal(await debugCredentials.findByHash(randomBytes(32).toString('hex')), null);
        assert.deepEqual(
          (await debugCredentials.list({ limit: 10 })).map((c) => c.id),
          [second.id, first.id],
        );
        assert.deepEqual(await debugCredentials.list({ limit: 10, appId: 'app-b' }), [second]);
        assert.equal((await debugCredentials.list({ limit: 1 })).length, 1);
        assert.equal(await debugCredentials.revoke(first.id, T0 + 5000), true);
        assert.equal(await debugCredentials.revoke(first.id, T0 + 9000), true);
        assert.equal((await debugCredentials.findByHash(first.keyedHash))?.revokedAt, T0 + 5000);
        assert.equal(await debugCredentials.revoke(unique('dc'), T0), false);
      });

      withStores('a repeated id or keyed hash is refused', async ({ debugCredentials }) => {
        const first = credential();
        await debugCredentials.add(first);
        const exists = (error: unknown) =>
          error instanceof StoreError && error.reason === 'debug_credential_exists';
        await assert.rejects(debugCredentials.add(credential({ id: first.id })), exists);
        await assert.rejects(debugCredentials.add(credential({ keyedHash: first.keyedHash })), exists);
        await assert.rejects(debugCredentials.add(credential({ keyedHash: 'NOT-HEX' })), TypeError);
      });
    });

    describe('audit', () => {
      withStores('query returns the newest records first, up to limit', async ({ audit }) => {
        const records = [0, 3, 1, 2].map((offset) => auditRecord({ ts: T0 + offset * 1000 }));
        for (const record of records) await audit.append(record);
        const found = await audit.query({ limit: 3 });
        assert.deepEqual(
          found.map((r) => r.ts),
          [T0 + 3000, T0 + 2000, T0 + 1000],
        );
        assert.equal((await audit.query({ limit: 100 })).length, 4);
      });

      withStores('records with one ts come back latest append first', async ({ audit }) => {
        const first = auditRecord({ ts: T0 });
        const second = auditRecord({ ts: T0 });
        const third = auditRecord({ ts: T0 });
        for (const record of [first, second, third]) await audit.append(record);
        assert.deepEqual(
          (await audit.query({ limit: 10 })).map((r) => r.requestId),
          [third.requestId, second.requestId, first.requestId],
        );
      });

      withStores('query filters by since, requestId, decision and event', async ({ audit }) => {
        const shared = unique('req-shared');
        const records = [
          auditRecord({ ts: T0, decision: 'allow', event: 'gateway' }),
          auditRecord({ ts: T0 + 1, decision: 'deny', event: 'gateway', requestId: shared }),
          auditRecord({ ts: T0 + 2, decision: 'deny', event: 'attest' }),
          auditRecord({ ts: T0 + 3, decision: 'limit', event: 'gateway', requestId: shared }),
          auditRecord({ ts: T0 + 4, decision: 'error', event: 'admin' }),
        ];
        for (const record of records) await audit.append(record);
        const ts = (list: AuditRecord[]) => list.map((r) => r.ts - T0);
        assert.deepEqual(ts(await audit.query({ limit: 10, since: T0 + 2 })), [4, 3, 2]);
        assert.deepEqual(ts(await audit.query({ limit: 10, requestId: shared })), [3, 1]);
        assert.deepEqual(ts(await audit.query({ limit: 10, decision: 'deny' })), [2, 1]);
        assert.deepEqual(ts(await audit.query({ limit: 10, event: 'gateway' })), [3, 1, 0]);
        assert.deepEqual(
          ts(await audit.query({ limit: 10, event: 'gateway', decision: 'deny', since: T0 + 1 })),
          [1],
        );
        assert.deepEqual(ts(await audit.query({ limit: 1, requestId: shared, since: T0 })), [3]);
        assert.deepEqual(await audit.query({ limit: 10, requestId: unique('none') }), []);
      });

      withStores('query filters by until, device, route and reason', async ({ audit }) => {
        const records = [
          auditRecord({ ts: T0, deviceIdHash: 'dev-a', routeId: 'pay', reason: null }),
          auditRecord({ ts: T0 + 1, deviceIdHash: 'dev-b', routeId: 'pay', reason: 'proof_missing' }),
          auditRecord({ ts: T0 + 2, deviceIdHash: 'dev-a', routeId: 'cart', reason: 'proof_missing' }),
          auditRecord({ ts: T0 + 3, deviceIdHash: null, routeId: null, reason: 'token_expired' }),
        ];
        for (const record of records) await audit.append(record);
        const ts = (found: AuditRecord[]) => found.map((r) => r.ts - T0);
        assert.deepEqual(ts(await audit.query({ limit: 10, until: T0 + 2 })), [1, 0]);
        assert.deepEqual(ts(await audit.query({ limit: 10, deviceIdHash: 'dev-a' })), [2, 0]);
        assert.deepEqual(ts(await audit.query({ limit: 10, routeId: 'pay' })), [1, 0]);
        assert.deepEqual(ts(await audit.query({ limit: 10, reason: 'proof_missing' })), [2, 1]);
        assert.deepEqual(
          ts(await audit.query({ limit: 10, reason: 'proof_missing', deviceIdHash: 'dev-a', since: T0 + 1 })),
          [2],
        );
      });

      withStores('summarize counts records per bucket and grouped field, strings only', async ({ audit }) => {
        const base = { event: 'gateway' as const, routeId: 'pay', appId: 'shop', level: 'hardware' };
        const records = [
          auditRecord({ ...base, ts: T0, details: { platform: 'ios', appVersion: '1.2.0' } }),
          auditRecord({ ...base, ts: T0 + 500, details: { platform: 'ios', appVersion: '1.2.0', n: 3 } }),
          auditRecord({
            ...base,
            ts: T0 + 1500,
            decision: 'deny',
            code: 'proof_invalid',
            reason: 'proof_missing',
          }),
          auditRecord({ ...base, ts: T0 + 1600, details: { wouldRefuse: 'proof_missing', platform: 7 } }),
          auditRecord({ ...base, ts: T0 + 5000 }),
          auditRecord({ ...base, ts: T0 - 1 }),
        ];
        for (const record of records) await audit.append(record);
        const rows = await audit.summarize({ since: T0, until: T0 + 5000, bucketMs: 1000 });
        const shown = rows
          .map(
            (r) =>
              `${r.bucket - T0} ${r.decision} ${r.reason} ${r.platform} ${r.appVersion} ${r.wouldRefuse} ${r.count}`,
          )
          .sort();
        assert.deepEqual(shown, [
          '0 allow null ios 1.2.0 null 2',
          '1000 allow null null null proof_missing 1',
          '1000 deny proof_missing null null null 1',
        ]);
        const row = rows.find((r) => r.decision === 'deny')!;
        assert.deepEqual(
          { ...row, bucket: row.bucket - T0 },
          {
            bucket: 1000,
            event: 'gateway',
            decision: 'deny',
            code: 'proof_invalid',
            reason: 'proof_missing',
            appId: 'shop',
            routeId: 'pay',
            level: 'hardware',
            platform: null,
            appVersion: null,
            wouldRefuse: null,
            count: 1,
          },
        );
        assert.deepEqual(await audit.summarize({ since: T0 + 6000, until: T0 + 9000, bucketMs: 1000 }), []);
        await assert.rejects(audit.summarize({ since: T0, until: T0 + 1, bucketMs: 10 }), TypeError);
      });

      withStores(
        'a record with control characters and a 4 KB user agent round-trips unchanged',
        async ({ audit }) => {
          const full = auditRecord({
            ts: T0 + 7,
            requestId: `${unique('req')}${CONTROL_TEXT}`,
            instance: `i-${CONTROL_TEXT}`,
            event: 'attest',
            decision: 'deny',
            code: 'evidence_invalid',
            reason: 'apple_nonce_mismatch',
            appId: 'shop',
            routeId: 'payments',
            method: 'POST',
            path: `/pay/${CONTROL_TEXT}`,
            clientIp: '2001:db8::1',
            deviceIdHash: 'q2Fv1x3l0fW7b2QkU0W3z9h4yq1bK8m0p2cR5sT6uV8',
            userIdHash: 'u1',
            tokenJti: 'jti-1',
            level: 'hardware',
            upstreamStatus: 502,
            latencyMs: 12.75,
            details: {
              userAgent: `Mozilla/5.0 ${CONTROL_TEXT}`.padEnd(4096, 'Z'),
              [`key ${CONTROL_TEXT}`]: 'v',
              count: 3,
              ratio: 0.5,
              negative: -2,
              ok: false,
              yes: true,
              empty: '',
            },
          });
          const empty = auditRecord({ ts: T0 + 8, requestId: unique('req') });
          await audit.append(full);
          await audit.append(empty);
          assert.deepEqual(await audit.query({ limit: 10 }), [empty, full]);
          assert.deepEqual(await audit.query({ limit: 10, requestId: full.requestId }), [full]);
        },
      );

      withStores(
        'prune deletes records strictly older than the cutoff and counts them',
        async ({ audit }) => {
          for (const offset of [0, 1, 2, 3, 4]) await audit.append(auditRecord({ ts: T0 + offset }));
          assert.equal(await audit.prune(T0 + 2), 2);
          assert.deepEqual(
            (await audit.query({ limit: 10 })).map((r) => r.ts - T0),
            [4, 3, 2],
          );
          assert.equal(await audit.prune(T0 + 2), 0);
          assert.equal(await audit.prune(T0 + 100), 3);
          assert.deepEqual(await audit.query({ limit: 10 }), []);
        },
      );

      withStores('appended records are copies', async ({ audit }) => {
        const record = auditRecord({ details: { a: 1 } });
        await audit.append(record);
        record.code = 'changed';
        if (record.details !== null) record.details['a'] = 2;
        const [stored] = await audit.query({ limit: 1 });
        assert.equal(stored?.code, 'ok');
        assert.deepEqual(stored?.details, { a: 1 });
      });

      withStores(
        'appendMany (where offered) writes a batch in order, and a bad batch writes nothing',
        async ({ audit }) => {
          if (audit.appendMany === undefined) return;
          const batch = [1, 2, 3].map((n) => auditRecord({ ts: T0 + n, requestId: `batch-${n}` }));
          await audit.appendMany(batch);
          const stored = await audit.query({ limit: 10 });
          assert.deepEqual(
            stored.map((r) => r.requestId),
            ['batch-3', 'batch-2', 'batch-1'],
          );
          const bad = [
            auditRecord({ ts: T0 + 10, requestId: 'ok-but-with-a-bad-sibling' }),
            { ...auditRecord(), ts: Number.NaN },
          ];
          await assert.rejects(audit.appendMany(bad));
          assert.equal((await audit.query({ limit: 10, requestId: 'ok-but-with-a-bad-sibling' })).length, 0);
        },
      );
    });

    describe('arguments and lifecycle', () => {
      withStores('bad arguments are TypeErrors, not outages', async (stores) => {
        await assert.rejects(stores.devices.list({ limit: 0 }), TypeError);
        await assert.rejects(stores.devices.list({ limit: 1001 }), TypeError);
        await assert.rejects(stores.audit.query({ limit: 1.5 }), TypeError);
        await assert.rejects(stores.replay.firstSeen(unique('jti'), 0, T0), TypeError);
        await assert.rejects(stores.replay.firstSeen('', 1000, T0), TypeError);
        await assert.rejects(stores.challenges.consume(unique('c'), Number.NaN), TypeError);
        await assert.rejects(stores.devices.advanceCounter(unique('k'), -1, T0), TypeError);
        await assert.rejects(
          stores.devices.register(newDevice(unique('k'), { level: 'ultra' as never })),
          TypeError,
        );
        await assert.rejects(stores.audit.append(auditRecord({ decision: 'maybe' as never })), TypeError);
        await assert.rejects(
          stores.audit.append(auditRecord({ details: { n: Number.POSITIVE_INFINITY } })),
          TypeError,
        );
        await assert.rejects(
          stores.challenges.issue({ challenge: unique('c'), appId: 'app-a', expiresAt: -1 }),
          TypeError,
        );
      });

      withStores('ping answers; after close every call is a StoreUnavailableError', async (stores) => {
        await stores.ping();
        await stores.close();
        await stores.close();
        const unavailable = (error: unknown) => error instanceof StoreUnavailableError;
        await assert.rejects(stores.ping(), unavailable);
        await assert.rejects(
          stores.challenges.issue({ challenge: unique('c'), appId: 'app-a', expiresAt: T0 + 1000 }),
          unavailable,
        );
        await assert.rejects(stores.challenges.consume(unique('c'), T0), unavailable);
        await assert.rejects(stores.replay.firstSeen(unique('jti'), 1000, T0), unavailable);
        await assert.rejects(stores.devices.get(unique('k')), unavailable);
        await assert.rejects(stores.audit.append(auditRecord()), unavailable);
        await assert.rejects(stores.audit.query({ limit: 1 }), unavailable);
      });
    });
  });
}
