import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { formatProofHeader, parseProofHeader, proofMessage } from '@portcullis/protocol';
import { createManualClock, type ShieldError } from '@portcullis/shield';
import { createNodeProvider } from '@portcullis/testkit';
import type { RouteSpec } from '../../shield/src/gateway/types.js';
import { createProofCheck } from '../../shield/src/proofs/index.js';
import {
  ANDROID_SIGNING_DIGEST,
  DEBUG_CREDENTIAL,
  type LiveShield,
  startLiveShield,
  startUpstream,
  type Upstream,
} from '../../shield/test/support/live-shield.js';
import { createPortcullis, type Portcullis, type PortcullisOptions } from './create-portcullis.js';
import { PortcullisError } from './portcullis-error.js';
import type { PortcullisEvent } from './portcullis-event.js';
import { createDebugProvider } from './providers/create-debug-provider.js';
import { createMemoryStorage } from './providers/secure-storage.js';
import {
  createRecordingFetch,
  type RecordedRequest,
  type RecordingFetch,
} from './test-support/recording-fetch.js';

// The client against a real shield on loopback (development mode, test-kit roots trusted): every
// token here was minted by the shield from evidence the SDK produced.

const IOS_APP_ID = 'ABCDE12345.com.example.shop';
const JSON_HEADERS = { 'content-type': 'application/json' };

interface Harness {
  portcullis: Portcullis;
  recorder: RecordingFetch;
  events: PortcullisEvent[];
}

function client(live: LiveShield, overrides: Partial<PortcullisOptions> = {}): Harness {
  const recorder = createRecordingFetch();
  const events: PortcullisEvent[] = [];
  const portcullis = createPortcullis({
    baseUrl: live.url,
    appId: 'shop',
    provider: createNodeProvider({ platform: 'ios', authority: live.apple, appId: IOS_APP_ID }),
    fetch: recorder.fetch,
    onEvent: (event) => events.push(event),
    ...overrides,
  });
  return { portcullis, recorder, events };
}

function androidProvider(live: LiveShield) {
  return createNodeProvider({
    platform: 'android',
    authority: live.android,
    packageName: 'com.example.shop',
    signingCertSha256: ANDROID_SIGNING_DIGEST,
  });
}

function claimsOf(token: string) {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}

async function pay(portcullis: Portcullis, amount = 1200): Promise<Response> {
  return portcullis.fetch('/pay', {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({ amount }),
  });
}

/** Runs the shield's own proof check (the gateway's, with the live shield's stores) on a request the SDK sent. */
async function shieldProofCheck(live: LiveShield, sent: RecordedRequest, now = Date.now()): Promise<void> {
  const check = createProofCheck({
    devices: live.shield.stores.devices,
    replay: live.shield.stores.replay,
    routes: { pay: {} },
    appIdsFor: () => [IOS_APP_ID],
    allowTestRootDevices: true,
  });
  const token = sent.headers['portcullis-token']!;
  await check.run({
    requestId: 'client-test',
    route: { id: 'pay' } as RouteSpec,
    claims: claimsOf(token),
    token,
    method: sent.method,
    path: sent.target.split('?')[0]!,
    query: sent.target.includes('?') ? sent.target.slice(sent.target.indexOf('?') + 1) : null,
    target: sent.target,
    headers: sent.headers,
    clientIp: '127.0.0.1',
    body: Buffer.from(sent.body),
    now,
    setResponseHeader() {},
  });
}

describe('client against a live shield', () => {
  let live: LiveShield;
  before(async () => {
    live = await startLiveShield();
  });
  after(async () => {
    await live.close();
  });

  test('first call attests once, then the payment reaches the upstream with the token and without leaking it', async () => {
    const { portcullis, recorder, events } = client(live);
    const before = live.upstream.requests.length;
    const response = await pay(portcullis);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { ok: true });
    assert.equal(recorder.to('/v1/challenge').length, 1);
    assert.equal(recorder.to('/v1/attest').length, 1);
    assert.equal(recorder.to('/v1/assert').length, 0);
    const [sent] = recorder.to('/pay');
    assert.equal(claimsOf(sent!.headers['portcullis-token']!).plt, 'ios');
    const upstream = live.upstream.requests.slice(before);
    assert.equal(upstream.length, 1);
    assert.equal(upstream[0]!.body, '{"amount":1200}');
    assert.equal(upstream[0]!.headers['portcullis-token'], undefined);
    assert.deepEqual(
      events.map((e) => e.type),
      ['token_issued', 'response'],
    );
    assert.deepEqual(events[0], {
      type: 'token_issued',
      via: 'attest',
      platform: 'ios',
      expiresInSeconds: 300,
    });
    // A second call reuses the token: no call to the attestation endpoints.
    assert.equal((await pay(portcullis)).status, 200);
    assert.equal(recorder.requests.filter((r) => r.target.startsWith('/v1/')).length, 2);
  });

  for (const platform of ['ios', 'android'] as const) {
    test(`${platform}: the token is renewed ahead of expiry by an assertion, in the background`, async () => {
      let now = Date.now();
      const provider = platform === 'ios' ? undefined : androidProvider(live);
      const { portcullis, recorder, events } = client(live, {
        now: () => now,
        ...(provider === undefined ? {} : { provider }),
      });
      const first = await portcullis.getToken();
      now += 250_000; // 50 s left: inside the 60 s refresh window, still usable
      const held = await portcullis.getToken();
      assert.equal(held, first, 'the held token is returned at once');
      await new Promise((resolve) => setTimeout(resolve, 300));
      await waitFor(
        () =>
          recorder.to('/v1/assert').length === 1 &&
          events.some((e) => e.type === 'token_issued' && e.via === 'assert'),
      );
      const renewed = await portcullis.getToken();
      assert.notEqual(renewed, first);
      assert.equal(claimsOf(renewed).cnf.kid, claimsOf(first).cnf.kid, 'same device key');
      assert.equal(recorder.to('/v1/attest').length, 1);
      assert.equal((await pay(portcullis)).status, 200);
    });
  }

  test('an app restart with the same key storage asserts instead of attesting again', async () => {
    const storage = createMemoryStorage();
    const provider = createNodeProvider({
      platform: 'ios',
      authority: live.apple,
      appId: IOS_APP_ID,
      storage,
    });
    const first = client(live, { provider });
    await first.portcullis.getToken();
    const second = client(live, { provider });
    await second.portcullis.getToken();
    assert.equal(second.recorder.to('/v1/attest').length, 0);
    assert.equal(second.recorder.to('/v1/assert').length, 1);
  });

  for (const platform of ['ios', 'android'] as const) {
    test(`${platform}: payment with a proof the shield's own proof check accepts once, bound to method, target, body and token`, async () => {
      const provider = platform === 'ios' ? undefined : androidProvider(live);
      const { portcullis, recorder } = client(live, {
        proofRoutes: [{ methods: ['POST'], path: '/pay' }],
        ...(provider === undefined ? {} : { provider }),
      });
      const response = await portcullis.fetch('/pay?cart=42&note=caf\u00e9 au lait', {
        method: 'post',
        headers: { ...JSON_HEADERS, authorization: 'Bearer user-a-session' },
        body: JSON.stringify({ amount: 1200, currency: 'EUR' }),
      });
      assert.equal(response.status, 200);
      const sent = recorder.to('/pay').at(-1)!;
      assert.equal(sent.method, 'POST');
      assert.equal(sent.target, '/pay?cart=42&note=caf%C3%A9%20au%20lait');
      const parsed = parseProofHeader(sent.headers['portcullis-proof']!);
      assert.ok(parsed.ok);
      assert.ok(Math.abs(parsed.timestampMs - Date.now()) < 5000);
      // The gateway's proof check, on the shield's stores, accepts it...
      await shieldProofCheck(live, sent);
      // ...once: the same proof again is a replay.
      await assert.rejects(
        shieldProofCheck(live, sent),
        (error: ShieldError) => error.code === 'proof_replayed',
      );
      // Any change to what was signed breaks it.
      for (const change of [
        { body: new TextEncoder().encode('{"amount":1,"currency":"EUR"}') },
        { target: '/pay?cart=43&note=caf%C3%A9%20au%20lait' },
        { headers: { ...sent.headers, authorization: 'Bearer user-b-session' } },
      ]) {
        const forged = { ...sent, ...change };
        await assert.rejects(
          shieldProofCheck(live, forged),
          (error: ShieldError) => error.code === 'proof_invalid',
        );
      }
      // And the header is the protocol's format over the protocol's message.
      const message = proofMessage({
        method: 'POST',
        target: sent.target,
        body: sent.body,
        timestampMs: parsed.timestampMs,
        token: sent.headers['portcullis-token']!,
        authorization: 'Bearer user-a-session',
      });
      assert.match(message, /^portcullis-proof-v1\nPOST\n\/pay\?cart=42/);
      assert.equal(formatProofHeader(parsed.timestampMs, parsed.signature), sent.headers['portcullis-proof']);
    });
  }

  for (const platform of ['ios', 'android'] as const) {
    test(`${platform}: concurrent signed requests ${platform === 'ios' ? 'go one at a time, in counter order' : 'go in parallel'}`, async () => {
      const provider = platform === 'ios' ? undefined : androidProvider(live);
      const recorder = createRecordingFetch();
      let inflight = 0;
      let most = 0;
      const portcullis = createPortcullis({
        baseUrl: live.url,
        appId: 'shop',
        provider:
          provider ?? createNodeProvider({ platform: 'ios', authority: live.apple, appId: IOS_APP_ID }),
        proofRoutes: [{ methods: ['POST'], path: '/pay' }],
        // A slow network: the first request is delayed, so without ordering a later one would overtake it.
        fetch: async (url, init) => {
          if (!url.endsWith('/pay')) return recorder.fetch(url, init);
          inflight += 1;
          most = Math.max(most, inflight);
          try {
            if (recorder.to('/pay').length === 0) await new Promise((resolve) => setTimeout(resolve, 50));
            return await recorder.fetch(url, init);
          } finally {
            inflight -= 1;
          }
        },
      });
      await portcullis.getToken();
      const responses = await Promise.all(Array.from({ length: 8 }, (_, i) => pay(portcullis, i)));
      assert.deepEqual(
        responses.map((r) => r.status),
        Array(8).fill(200),
      );
      if (platform === 'ios') {
        assert.equal(most, 1, 'App Attest: one signed request in flight at a time');
        // In arrival order, every assertion counter increases: the shield's check accepts all.
        for (const sent of recorder.to('/pay')) await shieldProofCheck(live, sent);
      } else {
        assert.ok(most > 1, 'Android signatures have no counter: no need to wait');
      }
    });
  }

  test('a token the shield says expired is refreshed by assertion and the request sent again, once', async () => {
    const clock = createManualClock(Date.now());
    const timed = await startLiveShield({ overrides: { clock } });
    try {
      const { portcullis, recorder, events } = client(timed);
      assert.equal((await pay(portcullis)).status, 200);
      clock.advance(400_000); // the shield's clock: the token expired; the device still thinks it valid
      const before = timed.upstream.requests.length;
      const response = await pay(portcullis);
      assert.equal(response.status, 200);
      assert.equal(
        timed.upstream.requests.length - before,
        1,
        'the refused request never reached the upstream',
      );
      assert.deepEqual(
        recorder.to('/pay').map((r) => r.status),
        [200, 401, 200],
      );
      assert.equal(recorder.to('/v1/assert').length, 1);
      assert.ok(events.some((e) => e.type === 'retry' && e.code === 'token_expired'));
    } finally {
      await timed.close();
    }
  });

  test('50 concurrent requests cost exactly one attestation, and later exactly one refresh', async () => {
    let now = Date.now();
    const { portcullis, recorder } = client(live, { now: () => now });
    const cold = await Promise.all(Array.from({ length: 50 }, (_, i) => pay(portcullis, i)));
    assert.ok(cold.every((r) => r.status === 200));
    assert.equal(recorder.to('/v1/challenge').length, 1);
    assert.equal(recorder.to('/v1/attest').length, 1);
    now += 299_000; // past the usable window: every request must wait for the new token
    const warm = await Promise.all(Array.from({ length: 50 }, (_, i) => pay(portcullis, i)));
    assert.ok(warm.every((r) => r.status === 200));
    assert.equal(recorder.to('/v1/challenge').length, 2);
    assert.equal(recorder.to('/v1/assert').length, 1);
    assert.equal(recorder.to('/v1/attest').length, 1);
    const tokens = new Set(
      recorder
        .to('/pay')
        .slice(50)
        .map((r) => r.headers['portcullis-token']),
    );
    assert.equal(tokens.size, 1);
  });

  test('a shield restarted with rotated keys and an empty store: token refused, key dropped, one new attestation, request sent again', async () => {
    const storage = createMemoryStorage();
    const provider = createNodeProvider({
      platform: 'ios',
      authority: live.apple,
      appId: IOS_APP_ID,
      storage,
    });
    const { portcullis, recorder, events } = client(live, { provider });
    assert.equal((await pay(portcullis)).status, 200);
    const restarted = await startLiveShield({ overrides: { appleTestRoots: [live.apple.root] } });
    try {
      recorder.redirect(live.url, restarted.url);
      const response = await pay(portcullis);
      assert.equal(response.status, 200);
      assert.deepEqual(
        recorder.to('/pay').map((r) => r.status),
        [200, 401, 200],
      );
      assert.deepEqual(
        recorder.requests.filter((r) => r.target.startsWith('/v1/')).map((r) => `${r.target} ${r.status}`),
        [
          '/v1/challenge 200',
          '/v1/attest 200',
          '/v1/challenge 200',
          '/v1/assert 401',
          '/v1/challenge 200',
          '/v1/attest 200',
        ],
      );
      assert.ok(events.some((e) => e.type === 'retry' && e.code === 'token_invalid'));
      assert.ok(events.some((e) => e.type === 'key_lost' && e.reason === 'shield_unknown'));
      assert.equal(restarted.upstream.requests.length, 1);
    } finally {
      await restarted.close();
    }
  });

  test('a revoked device: the error says so, the key is dropped, the next call attests a new key', async () => {
    let now = Date.now();
    const { portcullis, events } = client(live, { now: () => now });
    const token = await portcullis.getToken();
    const kid = claimsOf(token).cnf.kid as string;
    assert.equal(await live.shield.stores.devices.revoke(kid, 'test', Date.now()), true);
    now += 299_000;
    await assert.rejects(portcullis.getToken(), (error: PortcullisError) => {
      assert.equal(error.code, 'device_revoked');
      assert.equal(error.status, 403);
      assert.match(error.hint, /revoked/);
      assert.equal(typeof error.requestId, 'string');
      return true;
    });
    assert.ok(events.some((e) => e.type === 'key_lost' && e.reason === 'revoked'));
    const fresh = await portcullis.getToken();
    assert.notEqual(claimsOf(fresh).cnf.kid, kid);
  });

  test('a token the gateway answers device_revoked for is dropped with its key; the next call attests a new key', async () => {
    for (const provider of [undefined, androidProvider(live)]) {
      const { portcullis, recorder, events } = client(live, provider === undefined ? {} : { provider });
      const token = await portcullis.getToken();
      const kid = claimsOf(token).cnf.kid as string;
      // Revoked before the gateway ever looked the key up, so no cached answer hides it.
      assert.equal(await live.shield.stores.devices.revoke(kid, 'test', Date.now()), true);
      const forwarded = live.upstream.requests.length;
      await assert.rejects(pay(portcullis), (error: PortcullisError) => {
        assert.equal(error.code, 'device_revoked');
        assert.equal(error.status, 403);
        return true;
      });
      assert.ok(events.some((e) => e.type === 'key_lost' && e.reason === 'revoked'));
      const response = await pay(portcullis);
      assert.equal(response.status, 200);
      assert.equal(live.upstream.requests.length, forwarded + 1);
      const sent = recorder.to('/pay').map((r) => r.headers['portcullis-token']!);
      assert.equal(sent.length, 2);
      assert.equal(sent[0], token);
      assert.notEqual(claimsOf(sent[1]!).cnf.kid, kid, 'a new key, attested again');
      assert.equal(recorder.to('/v1/attest').length, 2);
    }
  });

  test('debug provider: debug-level token, refused on a hardware route with a typed error, proof routes sent unsigned', async () => {
    const { portcullis, recorder } = client(live, {
      provider: createDebugProvider({ token: DEBUG_CREDENTIAL, releaseBuild: false }),
      proofRoutes: [{ methods: ['POST'], path: '/pay' }],
    });
    const token = await portcullis.getToken();
    assert.equal(claimsOf(token).lvl, 'debug');
    assert.equal(claimsOf(token).cnf, undefined);
    await assert.rejects(
      portcullis.fetch('/strong', { method: 'POST', body: '{}' }),
      (error: PortcullisError) =>
        error.code === 'level_insufficient' &&
        error.status === 403 &&
        /stronger attestation/.test(error.hint),
    );
    // No device key to sign with: the request goes unsigned and the shield's route policy decides
    // (this route does not require a proof; one that does answers proof_missing, which the client
    // reports as proof_unsupported).
    assert.equal((await pay(portcullis)).status, 200);
    assert.equal(recorder.to('/pay')[0]!.headers['portcullis-proof'], undefined);
  });

  test('a wrong debug credential is evidence_invalid, and the cool-down does not apply to it', async () => {
    const { portcullis, recorder } = client(live, {
      provider: createDebugProvider({ token: 'dbg_not-the-credential' }),
    });
    for (let i = 0; i < 2; i++) {
      await assert.rejects(
        portcullis.getToken(),
        (error: PortcullisError) => error.code === 'evidence_invalid',
      );
    }
    assert.equal(recorder.to('/v1/attest').length, 2);
  });

  test('public routes go without a token and cost no attestation', async () => {
    const { portcullis, recorder } = client(live, { publicRoutes: [{ methods: ['GET'], path: '/catalog' }] });
    const response = await portcullis.fetch('/catalog');
    assert.equal(response.status, 200);
    assert.equal(recorder.requests.length, 1);
    assert.equal(recorder.requests[0]!.headers['portcullis-token'], undefined);
  });

  test('unknown app and unknown routes are typed errors with the shield hint', async () => {
    const unknown = client(live, { appId: 'nope' });
    await assert.rejects(unknown.portcullis.getToken(), (error: PortcullisError) => {
      assert.ok(error instanceof PortcullisError);
      assert.equal(error.code, 'app_unknown');
      assert.equal(error.message, 'app_unknown: Unknown app');
      return true;
    });
    const { portcullis } = client(live);
    await assert.rejects(
      portcullis.fetch('/nowhere'),
      (error: PortcullisError) => error.code === 'route_not_found',
    );
  });

  test('a URL outside baseUrl is refused before anything is sent: the token never leaves for another host', async () => {
    const { portcullis, recorder } = client(live);
    for (const url of ['https://evil.example/pay', `${live.url}.evil.example/pay`, '//evil.example/pay']) {
      await assert.rejects(
        portcullis.fetch(url),
        (error: PortcullisError) => error.code === 'request_invalid',
      );
    }
    assert.equal(recorder.requests.length, 0);
  });
});

describe('client against a live shield that requires proofs', () => {
  let live: LiveShield;
  let upstream: Upstream;
  before(async () => {
    upstream = await startUpstream();
    live = await startLiveShield({
      extraYaml: `
  - id: checkout
    match: { methods: [POST], path: /checkout }
    upstream: ${upstream.url}
    require: { token: true, apps: [shop], proof: true }`,
    });
  });
  after(async () => {
    await live.close();
    await upstream.close();
  });

  function checkout(portcullis: Portcullis, amount: number, headers: Record<string, string> = {}) {
    return portcullis.fetch('/checkout?step=pay', {
      method: 'POST',
      headers: { ...JSON_HEADERS, ...headers },
      body: JSON.stringify({ amount }),
    });
  }

  for (const platform of ['ios', 'android'] as const) {
    test(`${platform}: signed requests pass the gateway's proof check; a replay and a changed body do not`, async () => {
      const provider = platform === 'ios' ? undefined : androidProvider(live);
      const { portcullis, recorder } = client(live, {
        proofRoutes: [{ methods: ['POST'], path: '/checkout' }],
        ...(provider === undefined ? {} : { provider }),
      });
      const before = upstream.requests.length;
      const response = await checkout(portcullis, 1200, { authorization: 'Bearer user-a-session' });
      assert.equal(response.status, 200);
      const received = upstream.requests.slice(before);
      assert.equal(received.length, 1);
      assert.equal(received[0]!.body, '{"amount":1200}');
      assert.equal(received[0]!.headers['portcullis-proof'], undefined, 'the gateway strips the proof');
      const sent = recorder.to('/checkout')[0]!;
      const replay = (body: Uint8Array) =>
        globalThis.fetch(`${live.url}${sent.target}`, { method: 'POST', headers: sent.headers, body });
      const replayed = await replay(sent.body);
      assert.equal(replayed.status, 401);
      assert.equal(((await replayed.json()) as { code: string }).code, 'proof_replayed');
      const changed = await replay(new TextEncoder().encode('{"amount":1}'));
      assert.equal(((await changed.json()) as { code: string }).code, 'proof_invalid');
      assert.equal(upstream.requests.length - before, 1);
    });
  }

  test('a proof route missing from the config is learned from proof_missing and signed from then on', async () => {
    const { portcullis, recorder, events } = client(live);
    assert.equal((await checkout(portcullis, 1)).status, 200);
    assert.equal((await checkout(portcullis, 2)).status, 200);
    assert.deepEqual(
      recorder
        .to('/checkout')
        .map((r) => `${r.status} ${r.headers['portcullis-proof'] === undefined ? 'unsigned' : 'signed'}`),
      ['401 unsigned', '200 signed', '200 signed'],
    );
    assert.ok(events.some((e) => e.type === 'proof_route_learned' && e.path === '/checkout'));
  });

  test('iOS: concurrent signed requests all pass, their assertion counters reaching the gateway in order', async () => {
    let first = true;
    const { portcullis } = client(live, {
      proofRoutes: [{ methods: ['POST'], path: '/checkout' }],
      // A slow network for the first request: unordered, the later ones would overtake it and its
      // lower App Attest counter would then be refused.
      fetch: async (url, init) => {
        if (url.includes('/checkout') && first) {
          first = false;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        return globalThis.fetch(url, init);
      },
    });
    const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => checkout(portcullis, i)));
    assert.deepEqual(
      responses.map((r) => r.status),
      Array(10).fill(200),
    );
  });

  test('a provider without a signing key gets proof_unsupported from a route that requires proofs', async () => {
    const { portcullis } = client(live, {
      provider: createDebugProvider({ token: DEBUG_CREDENTIAL, releaseBuild: false }),
      proofRoutes: [{ methods: ['POST'], path: '/checkout' }],
    });
    await assert.rejects(checkout(portcullis, 1), (error: PortcullisError) => {
      assert.equal(error.code, 'proof_unsupported');
      assert.equal(error.status, 401);
      assert.match(error.hint, /signs/);
      return true;
    });
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
