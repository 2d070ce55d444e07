import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, test } from 'node:test';
import { parseProofHeader } from '@portcullis/protocol';
import { createAppAttestTestAuthority, createNodeProvider } from '@portcullis/testkit';
import { createPortcullis, type Portcullis, type PortcullisOptions } from './create-portcullis.js';
import { PortcullisError } from './portcullis-error.js';
import type { PortcullisEvent } from './portcullis-event.js';
import type { AttestationProvider } from './providers/attestation-provider.js';
import { createDebugProvider } from './providers/create-debug-provider.js';
import { createRecordingFetch } from './test-support/recording-fetch.js';
import {
  type StubHandler,
  type StubServer,
  sendJson,
  sendProblem,
  startStubServer,
  stubChallenge,
  stubToken,
} from './test-support/stub-server.js';

// The client against stand-in shields on loopback whose answers each test controls: rate limits
// with Retry-After, outages, garbage, silence, a clock ten minutes ahead. Waits are recorded, not
// slept, and the clock is the test's.

const authority = createAppAttestTestAuthority();
const servers: StubServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

interface Stub {
  server: StubServer;
  portcullis: Portcullis;
  events: PortcullisEvent[];
  sleeps: number[];
  clock: { now: number };
}

/** The attestation endpoints of a cooperative shield; `routes` answer everything else. */
function shieldHandler(routes: StubHandler = (_req, res) => sendJson(res, { ok: true })): StubHandler {
  let n = 0;
  return (req, res) => {
    n += 1;
    if (req.url === '/v1/challenge') return sendJson(res, { challenge: stubChallenge(n), expiresIn: 300 });
    if (req.url === '/v1/attest') {
      const evidence = (JSON.parse(req.body) as { evidence: Array<{ keyId?: string }> }).evidence[0]!;
      return sendJson(res, {
        token: stubToken(n),
        expiresIn: 300,
        ...(evidence.keyId ? { keyId: evidence.keyId } : {}),
      });
    }
    if (req.url === '/v1/assert') return sendJson(res, { token: stubToken(n), expiresIn: 300 });
    return routes(req, res);
  };
}

async function stub(handler: StubHandler, overrides: Partial<PortcullisOptions> = {}): Promise<Stub> {
  const server = await startStubServer(handler);
  servers.push(server);
  const events: PortcullisEvent[] = [];
  const sleeps: number[] = [];
  const clock = { now: Date.now() };
  const portcullis = createPortcullis({
    baseUrl: server.url,
    appId: 'shop',
    provider: createDebugProvider({ token: 'dbg_stub', releaseBuild: false }),
    onEvent: (event) => events.push(event),
    now: () => clock.now,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock.now += ms;
    },
    ...overrides,
  });
  return { server, portcullis, events, sleeps, clock };
}

function iosProvider(): ReturnType<typeof createNodeProvider> {
  return createNodeProvider({ platform: 'ios', authority, appId: 'ABCDE12345.com.example.shop' });
}

function code(expected: string, extra: (error: PortcullisError) => void = () => {}) {
  return (error: unknown) => {
    assert.ok(error instanceof PortcullisError, `a PortcullisError, got ${String(error)}`);
    assert.equal(error.code, expected);
    extra(error);
    return true;
  };
}

describe('backoff on rate limits and throttling', () => {
  test('429 with Retry-After on the challenge: waits at least Retry-After (plus jitter), then succeeds', async () => {
    let refusals = 2;
    const inner = shieldHandler();
    const { portcullis, server, sleeps, events } = await stub((req, res) => {
      if (req.url === '/v1/challenge' && refusals-- > 0)
        return sendProblem(res, 'rate_limited', 429, { retryAfter: 1 });
      return inner(req, res);
    });
    assert.match(await portcullis.getToken(), /\./);
    assert.equal(server.to('/v1/challenge').length, 3);
    assert.deepEqual(sleeps, [1100, 1100]);
    assert.deepEqual(
      events.filter((e) => e.type === 'backoff').map((e) => e.type === 'backoff' && e.attempt),
      [1, 2],
    );
  });

  test('still limited after every attempt: the error carries retryAfter and refreshes cool down until then', async () => {
    const { portcullis, server, sleeps, clock } = await stub((_req, res) =>
      sendProblem(res, 'rate_limited', 429, { retryAfter: 2 }),
    );
    await assert.rejects(
      portcullis.getToken(),
      code('rate_limited', (error) => {
        assert.equal(error.status, 429);
        assert.ok(error.retryAfter !== undefined && error.retryAfter >= 2);
        assert.equal(error.hint, 'Wait Retry-After seconds before retrying.');
      }),
    );
    assert.equal(server.requests.length, 3, 'three attempts');
    assert.deepEqual(sleeps, [2200, 2200]);
    // During the cool-down, calls fail at once: no request reaches the shield.
    await assert.rejects(portcullis.getToken(), code('rate_limited'));
    await assert.rejects(portcullis.fetch('/pay', { method: 'POST', body: '{}' }), code('rate_limited'));
    assert.equal(server.requests.length, 3);
    clock.now += 3000;
    await assert.rejects(portcullis.getToken(), code('rate_limited'));
    assert.equal(server.requests.length, 6, 'after the cool-down the shield is asked again');
  });

  test('a Retry-After beyond maxRetryAfterSeconds is not waited for', async () => {
    const { portcullis, server, sleeps } = await stub((_req, res) =>
      sendProblem(res, 'rate_limited', 429, { retryAfter: 120 }),
    );
    await assert.rejects(
      portcullis.getToken(),
      code('rate_limited', (error) => assert.ok(error.retryAfter! >= 120)),
    );
    assert.equal(server.requests.length, 1);
    assert.deepEqual(sleeps, []);
  });

  test('attestation_unavailable (Apple or Google down at the shield): backs off and attests with a new challenge', async () => {
    let refusals = 1;
    const inner = shieldHandler();
    const { portcullis, server, sleeps } = await stub((req, res) => {
      if (req.url === '/v1/attest' && refusals-- > 0) {
        return sendProblem(res, 'attestation_unavailable', 503, { retryAfter: 1 });
      }
      return inner(req, res);
    });
    await portcullis.getToken();
    const challenges = server.to('/v1/attest').map((r) => JSON.parse(r.body).challenge);
    assert.equal(challenges.length, 2);
    assert.notEqual(challenges[0], challenges[1]);
    assert.deepEqual(sleeps, [1100]);
  });

  test('throttling on the device (the bridge says Apple/Google throttle): exponential backoff with jitter', async () => {
    let failures = 2;
    const debug = createDebugProvider({ token: 'dbg_stub', releaseBuild: false });
    const provider: AttestationProvider = {
      ...debug,
      async attest(challenge) {
        if (failures-- > 0)
          throw new PortcullisError('attestation_throttled', {
            detail: 'ERR_APP_INTEGRITY_TOO_MANY_REQUESTS',
          });
        return debug.attest(challenge);
      },
    };
    const { portcullis, sleeps } = await stub(shieldHandler(), { provider, random: () => 1 });
    await portcullis.getToken();
    assert.deepEqual(sleeps, [500, 1000]);
  });

  test('a gateway route answering 429 once: the request is sent again after Retry-After, with the same body', async () => {
    let refusals = 1;
    const { portcullis, server, sleeps } = await stub(
      shieldHandler((_req, res) => {
        if (refusals-- > 0) return sendProblem(res, 'rate_limited', 429, { retryAfter: 1 });
        sendJson(res, { ok: true });
      }),
    );
    const response = await portcullis.fetch('/pay', { method: 'POST', body: '{"amount":5}' });
    assert.equal(response.status, 200);
    assert.deepEqual(
      server.to('/pay').map((r) => r.body),
      ['{"amount":5}', '{"amount":5}'],
    );
    assert.deepEqual(sleeps, [1100]);
  });

  test('a challenge that expired in between is retried once at once, without waiting', async () => {
    let refusals = 1;
    const inner = shieldHandler();
    const { portcullis, server, sleeps } = await stub((req, res) => {
      if (req.url === '/v1/attest' && refusals-- > 0) return sendProblem(res, 'challenge_invalid', 400);
      return inner(req, res);
    });
    await portcullis.getToken();
    assert.equal(server.to('/v1/attest').length, 2);
    assert.deepEqual(sleeps, []);
  });
});

describe('failures that are not the shield saying no', () => {
  test('a closed port is network_error, every time it is tried (no cool-down for the network)', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const recorder = createRecordingFetch();
    const portcullis = createPortcullis({
      baseUrl: `http://127.0.0.1:${port}`,
      appId: 'shop',
      provider: createDebugProvider({ token: 'dbg_stub', releaseBuild: false }),
      fetch: recorder.fetch,
    });
    await assert.rejects(
      portcullis.getToken(),
      code('network_error', (error) => {
        assert.equal(error.status, undefined);
        assert.match(error.hint, /connectivity/);
        assert.ok(error.cause instanceof Error);
      }),
    );
    await assert.rejects(portcullis.fetch('/pay', { method: 'POST', body: '{}' }), code('network_error'));
    assert.equal(recorder.requests.length, 2);
  });

  test('a shield that never answers is timeout after timeoutMs', async () => {
    const { portcullis } = await stub(() => {}, { timeoutMs: 1000 });
    const started = Date.now();
    await assert.rejects(portcullis.getToken(), code('timeout'));
    assert.ok(Date.now() - started >= 900);
  });

  test('HTML where the protocol expects JSON (captive portal, wrong baseUrl) is response_invalid', async () => {
    let status = 200;
    const { portcullis } = await stub((_req, res) => {
      res.statusCode = status;
      res.setHeader('content-type', 'text/html');
      res.end('<html>Sign in to the Wi-Fi</html>');
    });
    await assert.rejects(
      portcullis.getToken(),
      code('response_invalid', (error) => assert.equal(error.status, 200)),
    );
    status = 502;
    await assert.rejects(
      portcullis.getToken(),
      code('response_invalid', (error) => assert.equal(error.status, 502)),
    );
  });

  test("the upstream's own answers are the app's: returned as the Response, even a problem document", async () => {
    const { portcullis } = await stub(
      shieldHandler((req, res) => {
        res.statusCode = req.url === '/orders/9' ? 404 : 422;
        res.setHeader(
          'content-type',
          req.url === '/orders/9' ? 'application/json' : 'application/problem+json',
        );
        res.end(
          JSON.stringify({
            type: 'https://shop.example/errors#card',
            code: 'token_invalid',
            title: 'card declined',
          }),
        );
      }),
    );
    const missing = await portcullis.fetch('/orders/9');
    assert.equal(missing.status, 404);
    const declined = await portcullis.fetch('/pay', { method: 'POST', body: '{}' });
    assert.equal(declined.status, 422);
    assert.equal(((await declined.json()) as { title: string }).title, 'card declined');
  });

  test('token_expired is retried once, not forever', async () => {
    const { portcullis, server } = await stub(
      shieldHandler((_req, res) => sendProblem(res, 'token_expired', 401)),
    );
    await assert.rejects(portcullis.fetch('/pay', { method: 'POST', body: '{}' }), code('token_expired'));
    assert.equal(server.to('/pay').length, 2);
    assert.equal(server.to('/v1/attest').length, 2);
  });

  test("a caller's abort rejects that call with aborted; the shared refresh goes on for the others", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const inner = shieldHandler();
    const { portcullis } = await stub(async (req, res) => {
      if (req.url === '/v1/challenge') await gate;
      return inner(req, res);
    });
    const controller = new AbortController();
    const aborted = portcullis.fetch('/pay', { method: 'POST', body: '{}', signal: controller.signal });
    const other = portcullis.fetch('/pay', { method: 'POST', body: '{}' });
    controller.abort();
    await assert.rejects(aborted, code('aborted'));
    release();
    assert.equal((await other).status, 200);
  });

  test('a streamed body on a proof route is body_unsupported: never sent unsigned', async () => {
    const { portcullis, server } = await stub(shieldHandler(), {
      provider: iosProvider(),
      proofRoutes: [{ methods: ['POST'], path: '/pay' }],
    });
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{}'));
        controller.close();
      },
    });
    await assert.rejects(
      portcullis.fetch('/pay', { method: 'POST', body, duplex: 'half' } as RequestInit),
      code('body_unsupported'),
    );
    assert.equal(server.to('/pay').length, 0);
  });
});

describe('proofs and clocks', () => {
  /** A gateway that wants a proof on /pay and checks its time against its own clock. */
  function proofGateway(shieldClock: () => number): StubHandler {
    return shieldHandler((req, res) => {
      const header = req.headers['portcullis-proof'];
      if (typeof header !== 'string') return sendProblem(res, 'proof_missing', 401);
      const parsed = parseProofHeader(header);
      if (!parsed.ok) return sendProblem(res, 'proof_invalid', 401);
      if (Math.abs(parsed.timestampMs - shieldClock()) > 60_000) return sendProblem(res, 'proof_stale', 401);
      sendJson(res, { ok: true });
    });
  }

  test('proof_missing on a route the config did not list: learned, signed and sent again once; signed from then on', async () => {
    const { portcullis, server, events } = await stub(proofGateway(Date.now), { provider: iosProvider() });
    assert.equal((await portcullis.fetch('/pay', { method: 'POST', body: '{"a":1}' })).status, 200);
    assert.deepEqual(
      server.to('/pay').map((r) => typeof r.headers['portcullis-proof']),
      ['undefined', 'string'],
    );
    assert.ok(
      events.some((e) => e.type === 'proof_route_learned' && e.method === 'POST' && e.path === '/pay'),
    );
    assert.equal((await portcullis.fetch('/pay', { method: 'POST', body: '{"a":2}' })).status, 200);
    assert.equal(server.to('/pay').length, 3);
  });

  test('proof_missing with a provider that cannot sign is proof_unsupported', async () => {
    const { portcullis } = await stub(proofGateway(Date.now));
    await assert.rejects(
      portcullis.fetch('/pay', { method: 'POST', body: '{}' }),
      code('proof_unsupported', (error) => assert.equal(error.status, 401)),
    );
  });

  test("a device clock 10 minutes behind: proofs carry the shield's time, learned from its Date header", async () => {
    const ahead = 600_000;
    let skewed = false;
    const shieldNow = () => Date.now() + (skewed ? ahead : 0);
    const gateway = proofGateway(shieldNow);
    const { portcullis, server, events } = await stub(
      (req, res) => {
        if (skewed) res.setHeader('date', new Date(shieldNow()).toUTCString());
        return gateway(req, res);
      },
      { provider: iosProvider(), proofRoutes: [{ methods: ['POST'], path: '/pay' }] },
    );
    assert.equal((await portcullis.fetch('/pay', { method: 'POST', body: '{}' })).status, 200);
    skewed = true;
    // The shield's clock jumps: the first proof is stale, its answer tells the time, the retry passes.
    const response = await portcullis.fetch('/pay', { method: 'POST', body: '{}' });
    assert.equal(response.status, 200);
    assert.deepEqual(
      server.to('/pay').map((r) => r.headers['portcullis-proof'] !== undefined),
      [true, true, true],
    );
    const offset = events.find((e) => e.type === 'clock_offset');
    assert.ok(offset?.type === 'clock_offset' && Math.abs(offset.offsetMs - ahead) < 3000);
    assert.ok(events.some((e) => e.type === 'retry' && e.code === 'proof_stale'));
  });

  test('a device key lost between two calls (reinstall): dropped, attested anew, the request sent again', async () => {
    const provider = iosProvider();
    const { portcullis, server, events } = await stub(proofGateway(Date.now), {
      provider,
      proofRoutes: [{ methods: ['POST'], path: '/pay' }],
    });
    assert.equal((await portcullis.fetch('/pay', { method: 'POST', body: '{}' })).status, 200);
    provider.loseKeys();
    assert.equal((await portcullis.fetch('/pay', { method: 'POST', body: '{}' })).status, 200);
    assert.equal(server.to('/v1/attest').length, 2);
    assert.ok(events.some((e) => e.type === 'key_lost' && e.reason === 'device'));
  });
});
