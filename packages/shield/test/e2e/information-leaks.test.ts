/**
 * What a running shield gives away: the shape and headers of every kind of refusal, whether
 * refusals of one kind can be told apart (an oracle), the logs and audit rows for credentials,
 * and a gross look at the timing of token and credential checks.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startSilent } from '../../src/gateway/test-support/harness.js';
import { DEBUG_CREDENTIAL, type LiveShield, startLiveShield, TEST_SECRET } from '../support/live-shield.js';
import {
  appleAssertBody,
  appleAttestBody,
  appleDevice,
  attestedAppleDevice,
  auditRows,
  challengeFor,
  debugToken,
  mintToken,
  send,
  settle,
} from './e2e-helpers.js';

const PROBLEM_MEMBERS = new Set(['type', 'title', 'status', 'code', 'requestId', 'detail', 'retryAfter']);

let live: LiveShield;
let silent: { port: number; close(): Promise<void> };
let token: string;

before(async () => {
  silent = await startSilent();
  live = await startLiveShield({
    store: 'sqlite',
    extraYaml: `  - id: down
    match: { methods: [GET], path: /down }
    upstream: http://127.0.0.1:1
    public: true
  - id: stuck
    match: { methods: [GET], path: /stuck }
    upstream: http://127.0.0.1:${silent.port}
    public: true
    timeouts: { headersMs: 150 }
limits: { endpoints: { failures: { perIp: { max: 1000, windowSeconds: 60 } } } }
`,
  });
  token = await debugToken(live);
});
after(async () => {
  await live.close();
  await silent.close();
});

describe('A8-02: every kind of refusal: a bare problem+json, nothing about the shield or what is behind it', () => {
  const cases: Array<[string, () => string, number]> = [
    ['path_rejected', () => 'GET /pay/../admin HTTP/1.1\r\nHost: x\r\n\r\n', 400],
    [
      'duplicate_header',
      () =>
        `POST /pay HTTP/1.1\r\nHost: x\r\nPortcullis-Token: a\r\nPortcullis-Token: b\r\nContent-Length: 0\r\n\r\n`,
      400,
    ],
    [
      'bad_request (/v1)',
      () =>
        'POST /v1/challenge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1\r\n\r\n{',
      400,
    ],
    ['token_missing', () => 'POST /pay HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n', 401],
    [
      'token_invalid',
      () => `POST /pay HTTP/1.1\r\nHost: x\r\nPortcullis-Token: ${token}x\r\nContent-Length: 0\r\n\r\n`,
      401,
    ],
    [
      'level_insufficient',
      () => `POST /strong HTTP/1.1\r\nHost: x\r\nPortcullis-Token: ${token}\r\nContent-Length: 0\r\n\r\n`,
      403,
    ],
    [
      'app_unknown',
      () =>
        'POST /v1/challenge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 14\r\n\r\n{"appId":"no"}',
      403,
    ],
    ['route_not_found', () => 'GET /actuator/env HTTP/1.1\r\nHost: x\r\n\r\n', 404],
    ['method_not_allowed', () => 'DELETE /pay HTTP/1.1\r\nHost: x\r\n\r\n', 405],
    [
      'payload_too_large',
      () => `POST /pay HTTP/1.1\r\nHost: x\r\nPortcullis-Token: ${token}\r\nContent-Length: 99999999\r\n\r\n`,
      413,
    ],
    ['uri_too_long', () => `GET /${'a'.repeat(9000)} HTTP/1.1\r\nHost: x\r\n\r\n`, 414],
    [
      'unsupported_media_type',
      () =>
        `POST /pay HTTP/1.1\r\nHost: x\r\nPortcullis-Token: ${token}\r\nContent-Encoding: gzip\r\nContent-Length: 2\r\n\r\n{}`,
      415,
    ],
    [
      'headers_too_large',
      () =>
        `GET /catalog HTTP/1.1\r\nHost: x\r\n${Array.from({ length: 120 }, (_, i) => `X-H${i}: v`).join('\r\n')}\r\n\r\n`,
      431,
    ],
    ['upstream_unavailable', () => 'GET /down HTTP/1.1\r\nHost: x\r\n\r\n', 502],
    ['upstream_timeout', () => 'GET /stuck HTTP/1.1\r\nHost: x\r\n\r\n', 504],
  ];
  for (const [name, request, status] of cases) {
    test(`${status} ${name}`, async () => {
      const result = await send(live, request());
      const response = result.responses[0];
      assert.equal(response?.status, status, result.raw.slice(0, 300));
      for (const header of ['server', 'x-powered-by', 'via', 'access-control-allow-origin']) {
        assert.equal(response.headers.get(header), undefined, `${header} is sent`);
      }
      assert.deepEqual(response.headers.get('content-type'), ['application/problem+json']);
      assert.deepEqual(response.headers.get('cache-control'), ['no-store']);
      const body = JSON.parse(response.body) as Record<string, unknown>;
      for (const member of Object.keys(body)) assert.ok(PROBLEM_MEMBERS.has(member), `member ${member}`);
      assert.deepEqual(response.headers.get('x-request-id'), [body['requestId']]);
      for (const leak of [
        TEST_SECRET,
        token,
        String(silent.port),
        '127.0.0.1',
        ' at ',
        'node_modules',
        '.ts:',
      ]) {
        assert.ok(!result.raw.includes(leak), `the response carries ${leak}`);
      }
    });
  }
});

/** The parts of a refusal a client can compare: status, body without the request id, header names. */
function fingerprint(response: { status: number; body: Record<string, unknown>; headers: Headers }): string {
  const { requestId: _id, ...body } = response.body;
  const names = [...response.headers.keys()].filter(
    (name) => !['date', 'x-request-id', 'content-length'].includes(name),
  );
  return JSON.stringify([response.status, body, names.sort()]);
}

describe('refusals of one kind cannot be told apart (no oracle for the attacker)', () => {
  test('every way a token is wrong gives the same answer', async () => {
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const variants = {
      garbage: 'not-a-token',
      badSignature: `${header}.${payload}.${randomBytes(64).toString('base64url')}`,
      unknownKid: `${encode({ alg: 'ES256', typ: 'app+jwt', kid: 'nope' })}.${payload}.${signature}`,
      algNone: `${encode({ alg: 'none', typ: 'app+jwt', kid: 'nope' })}.${payload}.`,
      otherAudience: await mintToken(live, { sub: 'shop', aud: ['elsewhere'], plt: 'debug', lvl: 'debug' }),
      jwe: `${header}.${payload}.${signature}.${signature}.${signature}`,
      tooLong: `${header}.${'A'.repeat(5000)}.${signature}`,
    };
    const seen = new Map<string, string>();
    for (const [name, value] of Object.entries(variants)) {
      seen.set(name, fingerprint(await live.post('/pay', '{}', { 'portcullis-token': value })));
    }
    assert.equal(new Set(seen.values()).size, 1, JSON.stringify([...seen], null, 1));
  });

  test('every way evidence is wrong gives the same answer (the reason is only in the audit log)', async () => {
    const registered = (await attestedAppleDevice(live)).device;
    const attempts: Array<() => Promise<[string, Record<string, unknown>]>> = [
      async () => [
        '/v1/attest',
        {
          appId: 'shop',
          challenge: await challengeFor(live),
          evidence: [{ type: 'debug', token: 'dbg_wrong-credential-0123456789' }],
        },
      ],
      async () => [
        '/v1/attest',
        {
          appId: 'shop',
          challenge: await challengeFor(live),
          evidence: [{ type: 'debug', token: `${DEBUG_CREDENTIAL.slice(0, -1)}x` }],
        },
      ],
      async () => ['/v1/attest', appleAttestBody(registered, await challengeFor(live))],
      async () => [
        '/v1/attest',
        appleAttestBody(appleDevice(live, 'ABCDE12345.com.example.other'), await challengeFor(live)),
      ],
      async () => ['/v1/assert', appleAssertBody(appleDevice(live), await challengeFor(live))],
      async () => [
        '/v1/assert',
        { ...appleAssertBody(registered, await challengeFor(live)), assertion: 'AAAA' },
      ],
      async () => ['/v1/assert', appleAssertBody(registered, await challengeFor(live, 'other'), 'other')],
    ];
    const seen = new Set<string>();
    for (const attempt of attempts) {
      const [path, body] = await attempt();
      seen.add(fingerprint(await live.post(path, body)));
    }
    assert.equal(seen.size, 1, [...seen].join('\n'));
  });
});

describe('B-10: logs and audit rows never hold a credential', () => {
  test('tokens, proofs, secrets, debug credentials and Authorization values sent every which way', async () => {
    const { device, token: deviceToken } = await attestedAppleDevice(live);
    const userAuthorization = `Bearer user-${randomBytes(12).toString('hex')}`;
    const proofValue = `v1.${Date.now()}.${randomBytes(70).toString('base64url')}`;
    const bound = await live.post(
      '/v1/assert',
      { ...appleAssertBody(device, await challengeFor(live)), bindAuthorization: true },
      { authorization: userAuthorization },
    );
    assert.equal(bound.status, 200, bound.text);
    const boundToken = bound.body['token'] as string;
    const requests: Array<[string, RequestInit]> = [
      [`/nowhere?portcullis-token=${deviceToken}&key=${DEBUG_CREDENTIAL}`, {}],
      ['/pay', { method: 'POST', body: '{}', headers: { cookie: `portcullis-token=${deviceToken}` } }],
      [
        '/pay',
        {
          method: 'POST',
          body: '{}',
          headers: {
            'portcullis-token': boundToken,
            authorization: userAuthorization,
            'portcullis-proof': proofValue,
          },
        },
      ],
      [
        '/strong',
        {
          method: 'POST',
          body: '{}',
          headers: { 'portcullis-token': deviceToken, authorization: `Bearer ${DEBUG_CREDENTIAL}` },
        },
      ],
      [
        '/strong',
        { method: 'POST', body: '{}', headers: { 'portcullis-token': `${deviceToken}.${TEST_SECRET}` } },
      ],
      [
        '/v1/challenge',
        {
          method: 'POST',
          body: JSON.stringify({ appId: DEBUG_CREDENTIAL }),
          headers: { 'content-type': 'application/json', authorization: userAuthorization },
        },
      ],
      [
        '/v1/attest',
        {
          method: 'POST',
          body: JSON.stringify({
            appId: 'shop',
            challenge: 'c'.repeat(43),
            evidence: [{ type: 'debug', token: TEST_SECRET }],
          }),
          headers: { 'content-type': 'application/json' },
        },
      ],
    ];
    for (const [path, init] of requests) await (await fetch(`${live.url}${path}`, init)).text();
    await settle(50);
    const audit = JSON.stringify(await auditRows(live, 10));
    const logs = live.logs.join('\n');
    const canaries = {
      deviceToken,
      deviceTokenSignature: deviceToken.split('.')[2]!,
      boundToken,
      proof: proofValue.split('.')[2]!,
      secret: TEST_SECRET,
      debugCredential: DEBUG_CREDENTIAL,
      userAuthorization: userAuthorization.slice('Bearer '.length),
    };
    for (const [where, text] of Object.entries({ audit, logs })) {
      for (const [what, value] of Object.entries(canaries)) {
        assert.ok(!text.includes(value), `${what} leaked into the ${where}`);
      }
    }
  });
});

describe('timing: no gross difference between kinds of refusal', () => {
  /** Median latency of `count` requests made by `run`, interleaved with another kind by the caller. */
  function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)]!;
  }

  test('a forged signature under the real key costs the shield about what garbage does', async () => {
    const [header, payload] = token.split('.') as [string, string];
    const forged: number[] = [];
    const garbage: number[] = [];
    for (let i = 0; i < 15; i++) {
      for (const [list, value] of [
        [forged, `${header}.${payload}.${randomBytes(64).toString('base64url')}`],
        [garbage, randomBytes(40).toString('base64url')],
      ] as const) {
        const started = performance.now();
        await live.post('/pay', '{}', { 'portcullis-token': value });
        list.push(performance.now() - started);
      }
    }
    // Gross only: a remote key fetch or a sleep would show as tens or hundreds of milliseconds.
    assert.ok(Math.abs(median(forged) - median(garbage)) < 50, `${median(forged)} vs ${median(garbage)} ms`);
  });

  test('a debug credential one character off costs about what a random one does', async () => {
    const near: number[] = [];
    const far: number[] = [];
    for (let i = 0; i < 8; i++) {
      for (const [list, credential] of [
        [near, `${DEBUG_CREDENTIAL.slice(0, -1)}${DEBUG_CREDENTIAL.endsWith('A') ? 'B' : 'A'}`],
        [far, `dbg_${randomBytes(20).toString('base64url')}`],
      ] as const) {
        const challenge = await challengeFor(live);
        const started = performance.now();
        await live.post('/v1/attest', {
          appId: 'shop',
          challenge,
          evidence: [{ type: 'debug', token: credential }],
        });
        list.push(performance.now() - started);
      }
    }
    assert.ok(Math.abs(median(near) - median(far)) < 50, `${median(near)} vs ${median(far)} ms`);
  });
});
