import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, type TestContext, test } from 'node:test';
import { decodeCBOR, encodeCBOR } from '@levischuck/tiny-cbor';
import { type AppTokenClaims, parseProofHeader } from '@portcullis/protocol';
import { REDIS_URL, requireService } from '../../test/support/services.js';
import {
  type RecordedRequest,
  type RunningGateway,
  startUpstream,
  type Upstream,
} from '../gateway/test-support/harness.js';
import { createMemoryStores } from '../stores/memory/create-memory-stores.js';
import type { DeviceStore, ReplayStore } from '../stores/ports.js';
import { createRedisStores } from '../stores/redis/create-redis-stores.js';
import { createSqliteStores } from '../stores/sqlite/create-sqlite-stores.js';
import { createAuthorizationBindingCheck } from './create-authorization-binding-check.js';
import { createProofCheck } from './create-proof-check.js';
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
  type TestDevice,
  USER_A,
  USER_B,
} from './test-support/proof-harness.js';

interface StoreSet {
  devices: DeviceStore;
  replay: ReplayStore;
  close(): Promise<void>;
}

interface World {
  u: Upstream;
  gw: RunningGateway;
  stores: StoreSet;
}

/** P-256 group order, for the high-s twin of a signature. */
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function derInteger(value: bigint): Buffer {
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  let bytes = Buffer.from(hex, 'hex');
  if ((bytes[0]! & 0x80) !== 0) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

function readDer(signature: Uint8Array): { r: bigint; s: bigint } {
  const der = Buffer.from(signature);
  const rLength = der[3]!;
  const r = BigInt(`0x${der.subarray(4, 4 + rLength).toString('hex')}`);
  const sLength = der[5 + rLength]!;
  const s = BigInt(`0x${der.subarray(6 + rLength, 6 + rLength + sLength).toString('hex')}`);
  return { r, s };
}

/** The same ECDSA signature with s replaced by n - s: valid too (ECDSA is malleable). */
function highSTwin(signature: Uint8Array): Buffer {
  const { r, s } = readDer(signature);
  const body = Buffer.concat([derInteger(r), derInteger(N - s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

function withProof(req: OutgoingRequest, proof: string): OutgoingRequest {
  return { ...req, headers: { ...req.headers, 'portcullis-proof': proof } };
}

function resigned(proof: string, signature: Uint8Array): string {
  const [version, ts] = proof.split('.');
  return `${version}.${ts}.${Buffer.from(signature).toString('base64url')}`;
}

function proofSuite(kind: 'memory' | 'sqlite' | 'redis', open: () => Promise<StoreSet>): void {
  describe(`proof check on a real gateway, replay store: ${kind}`, () => {
    let world: Promise<World> | undefined;
    const cleanups: (() => Promise<void>)[] = [];

    async function use(t: TestContext): Promise<World | undefined> {
      if (kind === 'redis' && !(await requireService(t, 'redis'))) return undefined;
      world ??= (async () => {
        const u = await startUpstream();
        const stores = await open();
        const proofs = createProofCheck({
          devices: stores.devices,
          replay: stores.replay,
          routes: PROOF_ROUTE_POLICIES,
          appIdsFor: (appId) => (appId === 'shop' ? [APP_ID] : []),
          allowTestRootDevices: true,
        });
        const gw = await startProofGateway(new URL(u.url), [createAuthorizationBindingCheck(), proofs]);
        cleanups.push(
          () => gw.close(),
          () => u.close(),
          () => stores.close(),
        );
        return { u, gw, stores };
      })();
      return world;
    }

    after(async () => {
      for (const cleanup of cleanups) await cleanup();
    });

    async function ready(w: World, device: TestDevice, extra: Parameters<typeof claimsFor>[1] = {}) {
      await register(w.stores.devices, device);
      return w.gw.issuer.mint(claimsFor(device, extra));
    }

    /** Sends and checks the answer, that nothing (or exactly one request) reached U, and the audit sub-code. */
    async function expect(
      w: World,
      req: OutgoingRequest,
      status: number,
      code: string,
      reason: string | null = null,
    ): Promise<Answer> {
      const before = w.u.requests.length;
      const answer = await send(w.gw.port, req);
      assert.equal(answer.status, status, `${req.method} ${req.target}: ${answer.code}`);
      assert.equal(answer.code, code);
      assert.equal(w.u.requests.length, before + (status < 300 ? 1 : 0), 'upstream count');
      if (reason !== null) assert.equal(w.gw.audits.at(-1)?.reason, reason);
      return answer;
    }

    test('a signed request passes once, for either platform; the upstream never sees the proof', async (t) => {
      const w = await use(t);
      if (w === undefined) return;
      for (const device of [androidDevice(), iosDevice()]) {
        const token = await ready(w, device);
        const req = signedRequest({ device, token, body: '{"amount":1999}', authorization: USER_A });
        await expect(w, req, 200, 'ok');
        const seen: RecordedRequest = w.u.requests.at(-1)!;
        assert.equal(seen.body.toString(), '{"amount":1999}');
        assert.ok(
          !seen.rawHeaders.some((h: string) => /^portcullis-/i.test(h)),
          'no Portcullis header forwarded',
        );
      }
      const ios = iosDevice();
      const token = await ready(w, ios);
      await expect(w, signedRequest({ device: ios, token }), 200, 'ok');
      assert.equal((await w.stores.devices.get(ios.keyId))?.counter, 1, 'the App Attest counter was stored');
    });

    test('A6-02: a stolen token without a proof is refused (proof_missing), with WWW-Authenticate; NF', async (t) => {
      const w = await use(t);
      if (w === undefined) return;
      const device = androidDevice();
      const token = await ready(w, device);
      const req = signedRequest({ device, token });
      delete req.headers['portcullis-proof'];
      const answer = await expect(w, req, 401, 'proof_missing', 'proof_missing');
      assert.equal(answer.headers['www-authenticate'], 'Portcullis realm="app", error="proof_missing"');
      // A token without any device key cannot satisfy a proof route, whatever it sends.
      // The issuer's default claims carry a cnf; an explicit undefined removes it (JSON drops it).
      const withoutCnf = { plt: 'debug', lvl: 'debug', cnf: undefined } as unknown as Partial<AppTokenClaims>;
      const debugToken = await w.gw.issuer.mint(withoutCnf);
      const debugReq = signedRequest({ device, token: debugToken });
      await expect(w, debugReq, 401, 'proof_invalid', 'proof_no_device_key');
      // Routes that need no proof are untouched by the check.
      const profile = {
        method: 'GET',
        target: '/profile',
        headers: { 'portcullis-token': token },
        body: Buffer.alloc(0),
      };
      await expect(w, profile, 200, 'ok');
    });

    test('C-23: two Portcullis-Proof headers → 400 duplicate_header; NF', async (t) => {
      const w = await use(t);
      if (w === undefined) return;
      const device = androidDevice();
      const token = await ready(w, device);
      const one = signedRequest({ device, token });
      const req = { ...one, headers: { ...one.headers, 'portcullis-proof': [one.proof, one.proof] } };
      await expect(w, req, 400, 'duplicate_header', 'duplicate_proof');
      await expect(w, one, 200, 'ok'); // the refused pair recorded nothing
    });

    test('B-02: ts within ±skew passes (bounds included); 1 ms beyond → proof_stale; a step-up route has 10 s', async (t) => {
      const w = await use(t);
      if (w === undefined) return;
      const device = androidDevice();
      const token = await ready(w, device);
      const at = (timestampMs: number, target = '/pay/session') =>
        signedRequest({ device, token, timestampMs, target });
      await expect(w, at(TEST_NOW - 60_000), 200, 'ok');
      await expect(w, at(TEST_NOW + 60_000), 200, 'ok');
      await expect(w, at(TEST_NOW - 60_001), 401, 'proof_stale', 'proof_too_old');
      await expect(w, at(TEST_NOW + 60_001), 401, 'proof_stale', 'proof_from_future');
      await expect(w, at(TEST_NOW - 3_600_000), 401, 'proof_stale', 'proof_too_old');
      await expect(w, at(TEST_NOW - 10_000, '/stepup'), 200, 'ok');
      const stale = await expect(w, at(TEST_NOW - 10_001, '/stepup'), 401, 'proof_stale', 'proof_too_old');
      assert.equal(stale.headers['www-authenticate'], 'Portcullis realm="app", error="proof_stale"');
    });

    test('header spellings: only the one canonical form is accepted', async (t) => {
      const w = await use(t);
      if (w === undefined) return;
      const device = androidDevice();
      const token = await ready(w, device);
      const req = signedRequest({ device, token });
      const parsed = parseProofHeader(req.proof);
      assert.ok(parsed.ok);
      const sig = Buffer.from(parsed.signature);
      const variants: [string, string][] = [
        [`v1.${TEST_NOW}.${sig.toString('base64url')}==`, 'proof_signature_not_base64url'],
        [`v1.0${TEST_NOW}.${sig.toString('base64url')}`, 'proof_timestamp_malformed'],
        [`v1.${TEST_NOW}.0.${sig.toString('base64url')}`, 'proof_header_malformed'],
        [`v2.${TEST_NOW}.${sig.toString('base64url')}`, 'proof_version_unsupported'],
        [`v1.${TEST_NOW}.${'A'.repeat(6000)}`, 'proof_header_too_long'],
        [`v1.${TEST_NOW}.`, 'proof_signature_not_base64url'],
      ];
      // Standard base64 differs from base64url only when the bytes need + / or padding: a random
      // signature sometimes needs none, and then it is the canonical spelling itself.
      const standard = sig.toString('base64');
      if (standard !== sig.toString('base64url')) {
        variants.push([`v1.${TEST_NOW}.${standard}`, 'proof_signature_not_base64url']);
      }
      // A signature whose last character carries stray bits decodes to the same bytes elsewhere.
      const last = sig.toString('base64url');
      if ((sig.length * 8) % 6 !== 0) {
        const index = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'.indexOf(
          last.at(-1)!,
        );
        const stray = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'[(index + 1) % 64]!;
        variants.push([`v1.${TEST_NOW}.${last.slice(0, -1)}${stray}`, 'proof_signature_not_base64url']);
      }
      for (const [proof, reason] of variants) {
        await expect(w, withProof(req, proof), 401, 'proof_invalid', reason);
      }
      await expect(w, req, 200, 'ok'); // none of the refused spellings was recorded
    });

    test('A6-04, A6-05, D-10, C-21: a proof moved to another route, method, query, body, token or Authorization → proof_invalid; NF', async (t) => {
      const w = await use(t);
      if (w === undefined) return;
      const device = androidDevice();
      const token = await ready(w, device);
      const otherToken = await w.gw.issuer.mint(claimsFor(device));
      const signed = signedRequest({
        device,
        token,
        method: 'POST',
        target: '/orders?cart=42',
        body: '{"sku":"a"}',
        authorization: USER_A,
      });
      const moved = (change: Partial<OutgoingRequest>, headers: Record<string, string | undefined> = {}) => {
        const merged: Record<string, string | string[]> = { ...signed.headers };
        for (const [name, value] of Object.entries({ ...change.headers, ...headers })) {
          if (value === undefined) delete merged[name];
          else merged[name] = value;
        }
        return { ...signed, ...change, headers: merged };
      };
      const cases: [string, OutgoingRequest][] = [
        ['another route', moved({ target: '/pay/session' })],
        [
          'another method (POST → GET)',
          moved({ method: 'GET', body: Buffer.alloc(0) }, { 'content-type': undefined }),
        ],
        ['another query', moved({ target: '/orders?cart=43' })],
        ['the query dropped', moved({ target: '/orders' })],
        ['the query re-encoded', moved({ target: '/orders?cart=%342' })],
        ['a parameter added', moved({ target: '/orders?cart=42&admin=1' })],
        ['another body', moved({ body: Buffer.from('{"sku":"b"}') })],
        ['the body emptied', moved({ body: Buffer.alloc(0) }, { 'content-type': undefined })],
        ['another token of the same device', moved({}, { 'portcullis-token': otherToken })],
        ["another user's Authorization", moved({}, { authorization: USER_B })],
        ['Authorization removed', moved({}, { authorization: undefined })],
        [
          'Authorization scheme in lower case',
          moved({}, { authorization: USER_A.replace('Bearer', 'bearer') }),
        ],
      ];
      for (const [name, req] of cases) {
        const before: number = w.u.requests.length;
        const answer: Answer = await send(w.gw.port, req);
        assert.equal(answer.code, 'proof_invalid', name);
        assert.equal(w.gw.audits.at(-1)?.reason, 'proof_signature_invalid', name);
        assert.equal(w.u.requests.length, before, `${name}: nothing forwarded`);
      }
      await expect(w, signed, 200, 'ok');
      // A GET proof used for a POST with the same target: refused too.
      const get = signedRequest({ device, token, method: 'GET', target: '/orders' });
      await expect(w, { ...get, method: 'POST' }, 401, 'proof_invalid', 'proof_signature_invalid');
      await expect(w, get, 200, 'ok');
    });

    test('B-07, C-22, D-33: only the key named in cnf, registered for this app and not revoked, can sign', async (t) => {
      const w = await use(t);
      if (w === undefined) return;
      const k1 = androidDevice();
      const k2 = androidDevice();
      const token = await ready(w, k1);
      await register(w.stores.devices, k2);
      // K2 signs a request that carries K1's token.
      const byK2 = signedRequest({ device: k2, token });
      await expect(w, byK2, 401, 'proof_invalid', 'proof_signature_invalid');
      // An iOS assertion by another App Attest key, for a token bound to an iOS key.
      const i1 = iosDevice();
      const i2 = iosDevice();
      const iosToken = await ready(w, i1);
      await expect(
        w,
        signedRequest({ device: i2, token: iosToken }),
        401,
        'proof_invalid',
        'proof_signature_invalid',
      );
      // A key that was never registered.
      const stranger = androidDevice();
      const strangerToken = await w.gw.issuer.mint(claimsFor(stranger));
      await expect(
        w,
        signedRequest({ device: stranger, token: strangerToken }),
        401,
        'proof_invalid',
        'proof_device_unknown',
      );
      // A key registered for another app.
      const foreign = androidDevice();
      await register(w.stores.devices, foreign, { appId: 'other-app' });
      const foreignToken = await w.gw.issuer.mint(claimsFor(foreign));
      await expect(
        w,
        signedRequest({ device: foreign, token: foreignToken }),
        401,
        'proof_invalid',
        'proof_device_other_app',
      );
      // A token whose cnf names K1 but carries K2's public key.
      const swapped = await w.gw.issuer.mint(claimsFor(k1, { cnf: { kid: k1.keyId, jwk: k2.publicKeyJwk } }));
      await expect(
        w,
        signedRequest({ device: k2, token: swapped }),
        401,
        'proof_invalid',
        'proof_device_key_mismatch',
      );
      // A token claiming another platform than the registered key's.
      const wrongPlatform = await w.gw.issuer.mint(claimsFor(k1, { plt: 'ios' }));
      await expect(
        w,
        signedRequest({ device: k1, token: wrongPlatform }),
        401,
        'proof_invalid',
        'proof_device_key_mismatch',
      );
      // A revoked key: 403 device_revoked, even with a perfect proof.
      await expect(w, signedRequest({ device: k1, token }), 200, 'ok');
      await w.stores.devices.revoke(k1.keyId, 'lost', TEST_NOW);
      await expect(
        w,
        signedRequest({ device: k1, token, target: '/email/send' }),
        403,
        'device_revoked',
        'proof_device_revoked',
      );
    });

    test('A6-03: a captured proof re-sent 50 times within a second: the upstream sees exactly 1 request', async (t) => {
      const w = await use(t);
      if (w === undefined) return;
      for (const device of [androidDevice(), iosDevice()]) {
        const token = await ready(w, device);
        const req = signedRequest({ device, token, target: '/email/send', body: '{"to":"a@example.com"}' });
        const before: number = w.u.requests.length;
        assert.equal((await send(w.gw.port, req)).status, 200);
        const started = Date.now();
        const codes = new Map<string, number>();
        for (let i = 0; i < 50; i++) {
          const answer = await send(w.gw.port, req);
          codes.set(answer.code, (codes.get(answer.code) ?? 0) + 1);
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        assert.deepEqual([...codes], [['proof_replayed', 50]], device.platform);
        assert.ok(Date.now() - started < 10_000);
        assert.equal(w.u.requests.length, before + 1, `${device.platform}: exactly one request forwarded`);
        const reason: string | null | undefined = w.gw.audits.at(-1)?.reason;
        // iOS replays are caught by the App Attest counter first, android ones by the replay store.
        assert.equal(reason, device.platform === 'ios' ? 'proof_counter_not_increasing' : 'proof_replayed');
      }
    });

    test('iOS: of two proofs that arrive out of counter order, the earlier counter is refused (documented)', async (t) => {
      const w = await use(t);
      if (w === undefined) return;
      const device = iosDevice();
      const token = await ready(w, device);
      const earlier = signedRequest({ device, token, body: '{"n":1}' });
      const later = signedRequest({ device, token, body: '{"n":2}' });
      await expect(w, later, 200, 'ok');
      await expect(w, earlier, 401, 'proof_replayed', 'proof_counter_not_increasing');
      await expect(w, signedRequest({ device, token, body: '{"n":1}' }), 200, 'ok'); // the retry, signed anew
    });

    test('re-spelled proofs are the same proof: high-s twin, DER re-encoding, base64 variants, CBOR re-encoding', async (t) => {
      const w = await use(t);
      if (w === undefined) return;
      const android = androidDevice();
      const token = await ready(w, android);
      const req = signedRequest({ device: android, token });
      const parsed = parseProofHeader(req.proof);
      assert.ok(parsed.ok);
      // The twin verifies as ECDSA, so only a replay key over the message catches it, before or after use.
      const twin = withProof(req, resigned(req.proof, highSTwin(parsed.signature)));
      await expect(w, twin, 200, 'ok');
      await expect(w, req, 401, 'proof_replayed', 'proof_replayed');
      const longForm = Buffer.concat([Buffer.from([0x30, 0x81]), Buffer.from(parsed.signature).subarray(1)]);
      await expect(
        w,
        withProof(req, resigned(req.proof, longForm)),
        401,
        'proof_invalid',
        'proof_signature_malformed',
      );
      const trailing = Buffer.concat([Buffer.from(parsed.signature), Buffer.from([0])]);
      await expect(
        w,
        withProof(req, resigned(req.proof, trailing)),
        401,
        'proof_invalid',
        'proof_signature_malformed',
      );

      const ios = iosDevice();
      const iosToken = await ready(w, ios);
      const iosReq = signedRequest({ device: ios, token: iosToken });
      const iosParsed = parseProofHeader(iosReq.proof);
      assert.ok(iosParsed.ok);
      await expect(w, iosReq, 200, 'ok');
      const map = decodeCBOR(iosParsed.signature) as Map<string, Uint8Array>;
      const swapped = encodeCBOR(
        new Map<string, Uint8Array>([
          ['authenticatorData', map.get('authenticatorData')!],
          ['signature', map.get('signature')!],
        ]),
      );
      assert.notDeepEqual(Buffer.from(swapped), Buffer.from(iosParsed.signature));
      await expect(
        w,
        withProof(iosReq, resigned(iosReq.proof, swapped)),
        401,
        'proof_replayed',
        'proof_counter_not_increasing',
      );
      const innerTwin = encodeCBOR(
        new Map<string, Uint8Array>([
          ['signature', new Uint8Array(highSTwin(map.get('signature')!))],
          ['authenticatorData', map.get('authenticatorData')!],
        ]),
      );
      await expect(
        w,
        withProof(iosReq, resigned(iosReq.proof, innerTwin)),
        401,
        'proof_replayed',
        'proof_counter_not_increasing',
      );
    });

    test('20 concurrent sends of one proof: exactly one passes (android: replay store; ios: counter and replay store)', async (t) => {
      const w = await use(t);
      if (w === undefined) return;
      for (const device of [androidDevice(), iosDevice()]) {
        const token = await ready(w, device);
        const req = signedRequest({ device, token, body: `{"n":"${randomUUID()}"}` });
        const before: number = w.u.requests.length;
        const answers: Answer[] = await Promise.all(Array.from({ length: 20 }, () => send(w.gw.port, req)));
        const passed = answers.filter((a: Answer) => a.status === 200).length;
        assert.equal(passed, 1, device.platform);
        assert.ok(answers.every((a: Answer) => a.status === 200 || a.code === 'proof_replayed'));
        assert.equal(w.u.requests.length, before + 1);
      }
    });
  });
}

proofSuite('memory', async () => {
  const stores = createMemoryStores();
  return { devices: stores.devices, replay: stores.replay, close: () => stores.close() };
});

proofSuite('sqlite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-proofs-'));
  const stores = createSqliteStores({ path: join(dir, 'shield.db') });
  return {
    devices: stores.devices,
    replay: stores.replay,
    async close() {
      await stores.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

proofSuite('redis', async () => {
  const redis = await createRedisStores({
    url: REDIS_URL,
    keyPrefix: `proofs-test-${randomUUID().slice(0, 8)}:`,
  });
  const memory = createMemoryStores();
  return {
    devices: memory.devices,
    replay: redis.replay,
    async close() {
      await redis.close();
      await memory.close();
    },
  };
});

describe('createProofCheck without a server', () => {
  const stores = createMemoryStores();
  after(() => stores.close());
  const base = {
    devices: stores.devices,
    replay: stores.replay,
    routes: { pay: {} },
    appIdsFor: () => [APP_ID],
  };

  test('bad options throw a TypeError naming the option when the check is built', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ devices: {} }, /devices/],
      [{ replay: null }, /replay/],
      [{ appIdsFor: [APP_ID] }, /appIdsFor/],
      [{ routes: null }, /routes/],
      [{ routes: { pay: 'yes' } }, /routes\.pay/],
      [{ routes: { pay: { skewSeconds: 0 } } }, /routes\.pay\.skewSeconds/],
      [{ routes: { pay: { onStoreOutage: 'allow' } } }, /routes\.pay\.onStoreOutage/],
      [{ skewSeconds: 301 }, /skewSeconds/],
      [{ skewSeconds: 1.5 }, /skewSeconds/],
      [{ onStoreOutage: 'open' }, /onStoreOutage/],
      [{ retryAfterSeconds: 0 }, /retryAfterSeconds/],
      [{ allowTestRootDevices: 'yes' }, /allowTestRootDevices/],
      [{ onDegraded: 'log' }, /onDegraded/],
    ];
    for (const [change, name] of bad) {
      assert.throws(() => createProofCheck({ ...base, ...change } as never), {
        name: 'TypeError',
        message: name,
      });
    }
    const check = createProofCheck({ ...base, routes: new Map([['pay', {}]]) });
    assert.equal(check.phase, 'body');
    assert.equal(check.name, 'proof');
  });

  function context(
    routeId: string,
    headers: Record<string, string | string[]>,
    claims: AppTokenClaims | null,
  ) {
    return {
      requestId: 'r1',
      route: { id: routeId } as never,
      claims,
      token: claims === null ? null : 'a.b.c',
      method: 'POST',
      path: '/pay',
      query: null,
      target: '/pay',
      headers,
      clientIp: '127.0.0.1',
      body: Buffer.alloc(0),
      now: TEST_NOW,
      setResponseHeader() {},
    };
  }

  test('routes not listed pass untouched; a listed route without a token or with a repeated header is refused', async () => {
    const check = createProofCheck({ ...base, allowTestRootDevices: true });
    await check.run(context('other', { 'portcullis-proof': 'garbage' }, null));
    await assert.rejects(
      Promise.resolve(check.run(context('pay', { 'portcullis-proof': 'v1.1.AA' }, null))),
      {
        code: 'proof_stale',
      },
    );
    const fresh = `v1.${TEST_NOW}.AA`;
    await assert.rejects(Promise.resolve(check.run(context('pay', { 'portcullis-proof': fresh }, null))), {
      code: 'proof_invalid',
      reason: 'proof_no_device_key',
    });
    await assert.rejects(
      Promise.resolve(check.run(context('pay', { 'portcullis-proof': [fresh, fresh] }, null))),
      {
        code: 'proof_invalid',
        reason: 'proof_header_malformed',
      },
    );
  });
});
