import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';
import { createPortcullis, type PortcullisOptions } from './create-portcullis.js';
import { PortcullisError } from './portcullis-error.js';
import type { PortcullisEvent } from './portcullis-event.js';
import type { AttestationProvider } from './providers/attestation-provider.js';
import { createDebugProvider } from './providers/create-debug-provider.js';
import {
  type StubServer,
  sendJson,
  startStubServer,
  stubChallenge,
  stubToken,
} from './test-support/stub-server.js';

const provider = createDebugProvider({ token: 'dbg_unit', releaseBuild: false });
const base: PortcullisOptions = { baseUrl: 'https://shield.example.com', appId: 'shop', provider };
const servers: StubServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function cooperative(): Promise<StubServer> {
  let n = 0;
  const server = await startStubServer((req, res) => {
    n += 1;
    if (req.url === '/v1/challenge') return sendJson(res, { challenge: stubChallenge(n), expiresIn: 300 });
    if (req.url === '/v1/attest') return sendJson(res, { token: stubToken(n), expiresIn: 300 });
    sendJson(res, { ok: true });
  });
  servers.push(server);
  return server;
}

test('bad options throw a TypeError naming the option, when the client is built', () => {
  const cases: Array<[Partial<PortcullisOptions> | Record<string, unknown>, RegExp]> = [
    [{ baseUrl: 'shield.example.com' }, /baseUrl/],
    [{ appId: '' }, /appId/],
    [{ appId: 'a b' }, /appId/],
    [{ provider: {} as AttestationProvider }, /provider/],
    [{ refreshAheadSeconds: -1 }, /refreshAheadSeconds/],
    [{ timeoutMs: 10 }, /timeoutMs/],
    [{ retry: { attempts: 0 } }, /retry\.attempts/],
    [{ retry: { maxRetryAfterSeconds: 1.5 } }, /retry\.maxRetryAfterSeconds/],
    [{ proofRoutes: [{ path: 'pay' }] }, /proofRoutes/],
    [{ learnProofRoutes: 'yes' as never }, /learnProofRoutes/],
    [{ fetch: 'fetch' as never }, /fetch/],
    [{ onEvent: 1 as never }, /onEvent/],
  ];
  for (const [override, message] of cases) {
    assert.throws(
      () => createPortcullis({ ...base, ...override } as PortcullisOptions),
      (error: Error) => {
        assert.ok(error instanceof TypeError);
        assert.match(error.message, message);
        return true;
      },
    );
  }
});

test('the debug provider in a release build warns at start and at every attestation', async () => {
  const server = await cooperative();
  const warnings: unknown[] = [];
  const original = console.warn;
  console.warn = (...args: unknown[]) => warnings.push(args.join(' '));
  const events: PortcullisEvent[] = [];
  try {
    const portcullis = createPortcullis({
      ...base,
      baseUrl: server.url,
      provider: createDebugProvider({ token: 'dbg_release', releaseBuild: true }),
      onEvent: (event) => events.push(event),
    });
    await portcullis.getToken();
    await portcullis.getToken({ forceRefresh: true });
  } finally {
    console.warn = original;
  }
  assert.equal(warnings.length, 1);
  assert.match(String(warnings[0]), /debug provider is on in a release build/);
  assert.equal(
    events.filter((e) => e.type === 'warning' && e.code === 'debug_provider_in_release').length,
    3,
  );
});

test("release builds are detected from React Native's __DEV__", () => {
  const global = globalThis as { __DEV__?: boolean };
  try {
    global.__DEV__ = false;
    assert.equal(createDebugProvider({ token: 'dbg_x' }).releaseBuild, true);
    global.__DEV__ = true;
    assert.equal(createDebugProvider({ token: 'dbg_x' }).releaseBuild, false);
  } finally {
    delete global.__DEV__;
  }
  assert.equal(createDebugProvider({ token: 'dbg_x' }).releaseBuild, false);
  for (const token of ['', 'has space', 'x'.repeat(513), 7]) {
    assert.throws(() => createDebugProvider({ token: token as string }), TypeError);
  }
});

test('a throwing listener changes nothing; on() returns an unsubscribe', async () => {
  const server = await cooperative();
  const seen: string[] = [];
  const portcullis = createPortcullis({
    ...base,
    baseUrl: server.url,
    onEvent: () => {
      throw new Error('listener bug');
    },
  });
  const off = portcullis.on((event) => seen.push(event.type));
  assert.equal((await portcullis.fetch('/a')).status, 200);
  off();
  assert.equal((await portcullis.fetch('/a')).status, 200);
  assert.deepEqual(seen, ['token_issued', 'response']);
});

test('methods are handed to fetch as fetch would send them: the six standard ones upper-cased, others as written', async () => {
  const server = await cooperative();
  const methods: string[] = [];
  const portcullis = createPortcullis({
    ...base,
    baseUrl: server.url,
    fetch: async (url, init) => {
      if (url.endsWith('/a')) {
        methods.push(String(init.method));
        return new Response('{}', { status: 200 });
      }
      return globalThis.fetch(url, init);
    },
  });
  await portcullis.fetch('/a', { method: 'post', body: 'x' });
  await portcullis.fetch('/a', { method: 'patch', body: 'x' });
  await portcullis.fetch('/a');
  assert.deepEqual(methods, ['POST', 'patch', 'GET']);
  await assert.rejects(portcullis.fetch('/a', { method: 'BAD METHOD' }), /request_invalid/);
});

test('reset drops the token (the next call attests) and, when asked, the device key', async () => {
  const server = await cooperative();
  let forgotten = 0;
  const portcullis = createPortcullis({
    ...base,
    baseUrl: server.url,
    provider: { ...provider, forgetKey: async () => void forgotten++ },
  });
  await portcullis.getToken();
  await portcullis.reset();
  await portcullis.getToken();
  assert.equal(server.to('/v1/attest').length, 2);
  assert.equal(forgotten, 0);
  await portcullis.reset({ forgetKey: true });
  assert.equal(forgotten, 1);
});

test("the caller's Portcullis-Token and Portcullis-Proof headers are replaced, other headers kept", async () => {
  const server = await cooperative();
  const portcullis = createPortcullis({ ...base, baseUrl: server.url });
  await portcullis.fetch('/a', {
    headers: { 'portcullis-token': 'forged', 'portcullis-proof': 'v1.1.AA', 'x-app': 'shop' },
  });
  const [sent] = server.to('/a');
  assert.notEqual(sent!.headers['portcullis-token'], 'forged');
  assert.equal(sent!.headers['portcullis-proof'], undefined);
  assert.equal(sent!.headers['x-app'], 'shop');
});

test("a provider of the app's own that throws plain errors, or signs garbage, still yields typed errors", async () => {
  let n = 0;
  const server = await startStubServer((req, res) => {
    n += 1;
    if (req.url === '/v1/challenge') return sendJson(res, { challenge: stubChallenge(n), expiresIn: 300 });
    if (req.url === '/v1/attest') return sendJson(res, { token: stubToken(n), expiresIn: 300, keyId: 'k1' });
    sendJson(res, { ok: true });
  });
  servers.push(server);
  let signature: () => Promise<Uint8Array> = async () => {
    throw new Error('native crash');
  };
  const own: AttestationProvider = {
    platform: 'android',
    ordered: false,
    currentKey: async () => null,
    attest: async () => [{ type: 'android-key-attestation', certificateChain: ['AA==', 'AA=='] }],
    attested: async () => {},
    forgetKey: async () => {},
    signProof: () => signature(),
  };
  const portcullis = createPortcullis({
    ...base,
    baseUrl: server.url,
    provider: own,
    proofRoutes: [{ methods: ['POST'], path: '/pay' }],
  });
  const typed = (detail: string | undefined) => (error: unknown) => {
    assert.ok(error instanceof PortcullisError);
    assert.equal(error.code, 'bridge_error');
    assert.equal(error.detail, detail);
    return true;
  };
  await assert.rejects(portcullis.fetch('/pay', { method: 'POST', body: '{}' }), typed(undefined));
  signature = async () => new Uint8Array(5000);
  await assert.rejects(portcullis.fetch('/pay', { method: 'POST', body: '{}' }), typed('signature_size'));
  const failing = createPortcullis({
    ...base,
    baseUrl: server.url,
    provider: {
      ...own,
      attest: async () => {
        throw new Error('boom');
      },
    },
  });
  await assert.rejects(failing.getToken(), typed(undefined));
  assert.equal(server.to('/pay').length, 0);
});
