import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ShieldError } from '../errors.js';
import { StoreUnavailableError } from '../stores/ports.js';
import {
  headerValues,
  type ProbeResult,
  probe,
  type RunningGateway,
  secretRef as ref,
  route,
  type Sink,
  startGateway,
  startSink,
  startUpstream,
  TEST_IDENTIFIERS,
  type Upstream,
  waitFor,
} from './test-support/harness.js';
import type { GatewayCheck } from './types.js';

const SECRET = 'sk_test_51SECRETVALUE0123456789';

let u: Upstream;
let k: Sink;
let gw: RunningGateway;
let token: string;
const seenBodies: (Buffer | undefined)[] = [];

/** Checks driven by a test header, so one gateway covers every check outcome. */
const checks: GatewayCheck[] = [
  {
    name: 'test-headers-check',
    run(context) {
      const mode = context.headers['x-test-check'];
      if (mode === 'limit') {
        context.setResponseHeader('RateLimit-Policy', '5;w=600');
        throw new ShieldError('rate_limited', 'device_limit', { retryAfter: 42 });
      }
      if (mode === 'store') throw new StoreUnavailableError('redis down');
      if (mode === 'boom') throw new Error('bug in a check');
      if (mode === 'tag') context.setResponseHeader('RateLimit', 'limit=5, remaining=4');
    },
  },
  {
    name: 'test-body-check',
    phase: 'body',
    run(context) {
      if (context.headers['x-test-check'] === 'body') {
        seenBodies.push(context.body);
        if (context.body?.toString() === 'refuse')
          throw new ShieldError('proof_invalid', 'proof_body_hash_mismatch');
      }
    },
  },
];

before(async () => {
  u = await startUpstream();
  k = await startSink();
  const upstream = new URL(u.url);
  gw = await startGateway(
    [
      route({ id: 'catalog', methods: ['GET', 'HEAD'], path: '/catalog', upstream }),
      route({ id: 'public', methods: ['GET', 'POST'], path: '/public/*', upstream }),
      route({ id: 'opts', methods: ['GET', 'OPTIONS'], path: '/opts', upstream }),
      route({ id: 'upload', methods: ['POST'], path: '/upload', upstream, maxBodyBytes: 1024 }),
      route({
        id: 'pay',
        methods: ['GET', 'POST'],
        path: '/pay/*',
        upstream,
        public: false,
        require: { token: true, level: 'device' },
      }),
      route({
        id: 'email',
        methods: ['POST'],
        path: '/email/send',
        upstream,
        public: false,
        require: { token: true, apps: ['shop'] },
      }),
      route({
        id: 'stripe',
        methods: ['GET', 'POST'],
        path: '/stripe/**',
        stripPrefix: '/stripe',
        upstream: new URL(`${u.url}/v1`),
        public: false,
        require: { token: true },
        inject: { headers: { Authorization: `Bearer ${ref('stripe')}` } },
        removeHeaders: ['x-api-key', 'cookie'],
      }),
    ],
    { checks },
  );
  token = await gw.issuer.mint();
});

after(async () => {
  await gw.close();
  await u.close();
  await k.close();
});

interface Sent {
  result: ProbeResult;
  status: number | undefined;
  forwarded: number;
  body: string;
  code: string | undefined;
}

/** Sends one request on a fresh connection and checks the invariants every request keeps. */
async function send(
  method: string,
  target: string,
  headers: [string, string][] = [],
  body = '',
  options: { host?: string; withoutLength?: boolean } = {},
): Promise<Sent> {
  const beforeUpstream = u.requests.length;
  const beforeAudits = gw.audits.length;
  const lines = [`${method} ${target} HTTP/1.1`, `Host: ${options.host ?? 'gw.test'}`, 'Connection: close'];
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  if (
    body !== '' &&
    !options.withoutLength &&
    !headers.some(([n]) => /^(content-length|transfer-encoding)$/i.test(n))
  ) {
    lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  }
  const result = await probe(gw.port, `${lines.join('\r\n')}\r\n\r\n${body}`, { head: method === 'HEAD' });
  await waitFor(() => gw.audits.length > beforeAudits);
  await new Promise((r) => setTimeout(r, 10));
  assert.equal(gw.audits.length, beforeAudits + 1, 'exactly one audit record per request');
  assert.equal(k.connections, 0, 'the attacker sink got no connection');
  const response = result.responses[0];
  let code: string | undefined;
  if (response?.headers.get('content-type')?.[0] === 'application/problem+json' && response.body !== '') {
    code = (JSON.parse(response.body) as { code: string }).code;
  }
  return {
    result,
    status: response?.status,
    forwarded: u.requests.length - beforeUpstream,
    body: response?.body ?? '',
    code,
  };
}

function lastAudit() {
  return gw.audits[gw.audits.length - 1]!;
}

function lastForwarded() {
  return u.requests[u.requests.length - 1]!;
}

describe('gateway pipeline', () => {
  test('forwards a public request with the gateway forwarding headers and one request id everywhere (F-25)', async () => {
    const sent = await send('GET', '/catalog?page=2&sort=%2Fx', [['X-Forwarded-For', '10.9.9.9']]);
    assert.equal(sent.status, 200);
    assert.equal(sent.forwarded, 1);
    const seen = lastForwarded();
    assert.equal(seen.url, '/catalog?page=2&sort=%2Fx', 'query kept verbatim');
    assert.deepEqual(headerValues(seen, 'host'), [`127.0.0.1:${u.port}`]);
    assert.deepEqual(headerValues(seen, 'x-forwarded-for'), ['10.9.9.9, 127.0.0.1']);
    assert.deepEqual(headerValues(seen, 'forwarded'), ['for=127.0.0.1;proto=http']);
    assert.deepEqual(headerValues(seen, 'x-forwarded-proto'), ['http']);
    const requestId = sent.result.responses[0]!.headers.get('x-request-id')?.[0];
    assert.ok(requestId);
    assert.deepEqual(headerValues(seen, 'x-request-id'), [requestId]);
    const audit = lastAudit();
    assert.equal(audit.requestId, requestId);
    assert.equal(audit.decision, 'allow');
    assert.equal(audit.code, 'ok');
    assert.equal(audit.upstreamStatus, 200);
    assert.equal(audit.routeId, 'catalog');
    assert.equal(audit.path, '/catalog');
    assert.equal(audit.event, 'gateway');
  });

  test('A2-01/A6-01: a protected route without a token is 401 token_missing, nothing forwarded', async () => {
    const sent = await send('POST', '/pay/session', [['Authorization', 'Bearer user-a']], '{}');
    assert.equal(sent.status, 401);
    assert.equal(sent.code, 'token_missing');
    assert.equal(sent.forwarded, 0);
    assert.equal(sent.result.responses[0]!.headers.get('www-authenticate')?.[0], 'Portcullis realm="app"');
    assert.equal(sent.result.responses[0]!.headers.get('cache-control')?.[0], 'no-store');
    const audit = lastAudit();
    assert.equal(audit.decision, 'deny');
    assert.equal(audit.reason, 'token_missing');
    assert.equal(audit.userIdHash, TEST_IDENTIFIERS.audit('Bearer user-a'));
    const bare = createHash('sha256').update('Bearer user-a').digest('hex').slice(0, 32);
    assert.notEqual(audit.userIdHash, bare, 'keyed, not a bare SHA-256 anyone can recompute');
  });

  test('a valid token is forwarded with identity headers from the verified claims', async () => {
    const sent = await send('POST', '/pay/session', [['Portcullis-Token', token]], '{"amount":1}');
    assert.equal(sent.status, 200);
    assert.equal(sent.forwarded, 1);
    const seen = lastForwarded();
    assert.deepEqual(headerValues(seen, 'x-portcullis-app'), ['shop']);
    assert.deepEqual(headerValues(seen, 'x-portcullis-device'), ['device-key-1']);
    assert.deepEqual(headerValues(seen, 'x-portcullis-level'), ['hardware']);
    assert.deepEqual(headerValues(seen, 'portcullis-token'), [], 'the token never reaches the upstream');
    assert.equal(seen.body.toString(), '{"amount":1}');
    const audit = lastAudit();
    assert.equal(audit.deviceIdHash, TEST_IDENTIFIERS.audit('device-key-1'));
    assert.equal(audit.appId, 'shop');
    assert.equal(audit.level, 'hardware');
    assert.match(audit.tokenJti ?? '', /^[0-9a-f-]{36}$/);
  });

  test('A1-01: client copies of identity headers, in every casing, are removed, not merged', async () => {
    const sent = await send('GET', '/pay/x', [
      ['Portcullis-Token', token],
      ['X-Portcullis-App', 'evil'],
      ['x-portcullis-device', 'D2'],
      ['X-PORTCULLIS-LEVEL', 'hardware'],
      ['X-Portcullis-Verified', 'true'],
      ['x-portcullis-token-id', 'forged'],
    ]);
    assert.equal(sent.status, 200);
    const seen = lastForwarded();
    assert.deepEqual(headerValues(seen, 'x-portcullis-app'), ['shop']);
    assert.deepEqual(headerValues(seen, 'x-portcullis-device'), ['device-key-1']);
    assert.deepEqual(headerValues(seen, 'x-portcullis-level'), ['hardware']);
    assert.deepEqual(headerValues(seen, 'x-portcullis-verified'), []);
    assert.equal(headerValues(seen, 'x-portcullis-token-id').length, 1);
    assert.notEqual(headerValues(seen, 'x-portcullis-token-id')[0], 'forged');
  });

  test('expired, invalid and oversized tokens are 401 with their own codes', async () => {
    const expired = await gw.issuer.mint({
      iat: Math.floor(gw.clock.now() / 1000) - 1000,
      exp: Math.floor(gw.clock.now() / 1000) - 600,
    });
    let sent = await send('GET', '/pay/x', [['Portcullis-Token', expired]]);
    assert.deepEqual([sent.status, sent.code, sent.forwarded], [401, 'token_expired', 0]);
    sent = await send('GET', '/pay/x', [['Portcullis-Token', `${token.slice(0, -4)}AAAA`]]);
    assert.deepEqual([sent.status, sent.code, sent.forwarded], [401, 'token_invalid', 0]);
    sent = await send('GET', '/pay/x', [['Portcullis-Token', 'x'.repeat(5000)]]);
    assert.deepEqual([sent.status, sent.code, sent.forwarded], [401, 'token_invalid', 0]);
    assert.equal(lastAudit().reason, 'token_too_long');
  });

  test('minimum level and allowed apps are enforced (403)', async () => {
    const basic = await gw.issuer.mint({ lvl: 'basic' });
    let sent = await send('POST', '/pay/session', [['Portcullis-Token', basic]], '{}');
    assert.deepEqual([sent.status, sent.code, sent.forwarded], [403, 'level_insufficient', 0]);
    const otherApp = await gw.issuer.mint({ sub: 'other-app' });
    sent = await send('POST', '/email/send', [['Portcullis-Token', otherApp]], '{}');
    assert.deepEqual([sent.status, sent.code, sent.forwarded], [403, 'app_forbidden', 0]);
    assert.equal(lastAudit().appId, 'other-app');
  });

  test('C-28: duplicate protocol headers and tokens outside the header are refused', async () => {
    const cases: [string, [string, string][], string][] = [
      [
        '/pay/x',
        [
          ['Portcullis-Token', token],
          ['portcullis-token', token],
        ],
        'duplicate_token',
      ],
      [
        '/pay/x',
        [
          ['Portcullis-Token', token],
          ['Portcullis-Proof', 'v1.1.a'],
          ['portcullis-proof', 'v1.1.b'],
        ],
        'duplicate_proof',
      ],
      [
        '/pay/x',
        [
          ['Portcullis-Token', token],
          ['Authorization', 'Bearer a'],
          ['authorization', 'Bearer b'],
        ],
        'duplicate_authorization',
      ],
      ['/catalog', [['Host', 'second.host']], 'duplicate_host'],
      [`/pay/x?app_token=${token}`, [['Portcullis-Token', token]], 'token_in_query_and_header'],
      [`/pay/x?t=${token}`, [['Portcullis-Token', token]], 'token_in_query_and_header'],
      [
        '/pay/x',
        [
          ['Portcullis-Token', token],
          ['Cookie', `s=${token}`],
        ],
        'token_in_cookie_and_header',
      ],
    ];
    for (const [target, headers, reason] of cases) {
      const sent = await send('GET', target, headers);
      assert.deepEqual([sent.status, sent.code, sent.forwarded], [400, 'duplicate_header', 0], reason);
      assert.equal(lastAudit().reason, reason);
    }
  });

  test('A2-02: a token in the query or a cookie alone is not accepted, and never lands in the audit', async () => {
    let sent = await send('GET', `/pay/x?app_token=${token}`);
    assert.deepEqual([sent.status, sent.code, sent.forwarded], [401, 'token_missing', 0]);
    assert.equal(lastAudit().reason, 'token_not_in_header');
    sent = await send('GET', '/pay/x', [['Cookie', `portcullis-token=${token}`]]);
    assert.deepEqual([sent.status, sent.code, sent.forwarded], [401, 'token_missing', 0]);
    assert.ok(!JSON.stringify(gw.audits).includes(token), 'no audit record holds the token');
  });

  test('E-21 and A7-02: forwarding, override and Host headers neither route nor reach the upstream', async () => {
    const sent = await send(
      'GET',
      '/catalog',
      [
        ['X-Forwarded-Host', `127.0.0.2:${k.port}`],
        ['Forwarded', `host=127.0.0.2:${k.port};for=1.2.3.4`],
        ['X-Original-URL', '/admin'],
        ['X-Rewrite-URL', '/admin'],
        ['X-Envoy-Original-Path', '/admin'],
        ['X-Forwarded-Proto', 'https'],
        ['X-Forwarded-Prefix', '/admin'],
        ['X-Upstream', 'staging'],
        ['X-Real-IP', '10.0.0.1'],
      ],
      '',
      { host: `127.0.0.2:${k.port}` },
    );
    assert.equal(sent.status, 200);
    const seen = lastForwarded();
    assert.equal(seen.url, '/catalog');
    assert.deepEqual(headerValues(seen, 'host'), [`127.0.0.1:${u.port}`]);
    for (const name of [
      'x-forwarded-host',
      'x-original-url',
      'x-rewrite-url',
      'x-envoy-original-path',
      'x-forwarded-prefix',
      'x-upstream',
      'x-real-ip',
    ]) {
      assert.deepEqual(headerValues(seen, name), [], name);
    }
    assert.deepEqual(headerValues(seen, 'x-forwarded-proto'), ['http']);
    assert.deepEqual(headerValues(seen, 'forwarded'), ['for=1.2.3.4, for=127.0.0.1;proto=http']);
  });

  test('A9-02: Host or X-Upstream never selects another upstream or route', async () => {
    const sent = await send('GET', '/staging/catalog', [['X-Upstream', 'staging']], '', {
      host: 'staging.gw',
    });
    assert.deepEqual([sent.status, sent.code, sent.forwarded], [404, 'route_not_found', 0]);
  });

  test('E-28: method-override headers are stripped; override parameters are refused', async () => {
    let sent = await send(
      'POST',
      '/public/a',
      [
        ['X-HTTP-Method-Override', 'DELETE'],
        ['X-HTTP-Method', 'PUT'],
        ['X-Method-Override', 'DELETE'],
      ],
      'x=1',
    );
    assert.equal(sent.status, 200);
    const seen = lastForwarded();
    assert.equal(seen.method, 'POST');
    for (const name of ['x-http-method-override', 'x-http-method', 'x-method-override'])
      assert.deepEqual(headerValues(seen, name), []);
    sent = await send('POST', '/public/a?_method=DELETE', [], 'x=1');
    assert.deepEqual([sent.status, sent.code, sent.forwarded], [400, 'bad_request', 0]);
    sent = await send(
      'POST',
      '/public/a',
      [['Content-Type', 'application/x-www-form-urlencoded']],
      'a=1&_method=DELETE',
    );
    assert.deepEqual([sent.status, sent.code, sent.forwarded], [400, 'bad_request', 0]);
  });

  test('E-31: injected secrets overwrite the client copy; removed headers never reach the provider', async () => {
    const sent = await send(
      'POST',
      '/stripe/customers?expand=x',
      [
        ['Portcullis-Token', token],
        ['Authorization', 'Bearer attacker'],
        ['X-Api-Key', 'z'],
        ['Cookie', 'session=user-a'],
      ],
      '{}',
    );
    assert.equal(sent.status, 200);
    const seen = lastForwarded();
    assert.equal(seen.url, '/v1/customers?expand=x');
    assert.deepEqual(headerValues(seen, 'authorization'), [`Bearer ${SECRET}`]);
    assert.deepEqual(headerValues(seen, 'x-api-key'), []);
    assert.deepEqual(headerValues(seen, 'cookie'), []);
    assert.ok(!sent.result.raw.includes(SECRET), 'the secret is not in the response');
    assert.ok(!JSON.stringify(gw.audits).includes(SECRET), 'the secret is not in the audit');
    // Three casings of Authorization are three headers: refused before anything is injected.
    const dup = await send(
      'POST',
      '/stripe/customers',
      [
        ['Portcullis-Token', token],
        ['Authorization', 'Bearer attacker'],
        ['authorization', 'x'],
        ['AUTHORIZATION', 'y'],
      ],
      '{}',
    );
    assert.deepEqual([dup.status, dup.code, dup.forwarded], [400, 'duplicate_header', 0]);
  });

  test('A4-07: a declared body over the limit is 413 before reading and the connection closes', async () => {
    const sent = await send('POST', '/upload', [['Content-Length', '2000000']], 'x'.repeat(10));
    assert.deepEqual([sent.status, sent.code, sent.forwarded], [413, 'payload_too_large', 0]);
    assert.equal(sent.result.responses[0]!.headers.get('connection')?.[0], 'close');
    assert.equal(sent.result.closed, true);
    assert.equal(lastAudit().reason, 'content_length_over_limit');
  });

  test('A4-07: a chunked body crossing the limit is 413 and the connection closes', async () => {
    const chunk = 'y'.repeat(600);
    const body = `258\r\n${chunk}\r\n258\r\n${chunk}\r\n0\r\n\r\n`;
    const sent = await send('POST', '/upload', [['Transfer-Encoding', 'chunked']], body);
    assert.deepEqual([sent.status, sent.code, sent.forwarded], [413, 'payload_too_large', 0]);
    assert.equal(sent.result.closed, true);
    assert.equal(lastAudit().reason, 'body_over_limit');
  });

  test('a chunked body under the limit is buffered and forwarded with a Content-Length', async () => {
    const sent = await send(
      'POST',
      '/upload',
      [['Transfer-Encoding', 'chunked']],
      '5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n',
    );
    assert.equal(sent.status, 200);
    const seen = lastForwarded();
    assert.equal(seen.body.toString(), 'hello world');
    assert.deepEqual(headerValues(seen, 'content-length'), ['11']);
    assert.deepEqual(headerValues(seen, 'transfer-encoding'), []);
  });

  test('A4-09: a compressed request body is 415', async () => {
    const sent = await send('POST', '/upload', [['Content-Encoding', 'gzip']], 'x'.repeat(20));
    assert.deepEqual([sent.status, sent.code, sent.forwarded], [415, 'unsupported_media_type', 0]);
  });

  test('E-10: GET with a body is forwarded with the body and its Content-Length intact', async () => {
    const sent = await send('GET', '/catalog', [], '1234567890');
    assert.equal(sent.status, 200);
    const seen = lastForwarded();
    assert.equal(seen.body.toString(), '1234567890');
    assert.deepEqual(headerValues(seen, 'content-length'), ['10']);
  });

  test('Expect: 100-continue gets 100 only when the body is wanted', async () => {
    const refused = await probe(
      gw.port,
      'POST /upload HTTP/1.1\r\nHost: gw\r\nExpect: 100-continue\r\nContent-Length: 5000\r\nConnection: close\r\n\r\n',
    );
    assert.ok(!refused.raw.includes('100 Continue'));
    assert.equal(refused.responses[0]?.status, 413);
    const beforeUpstream = u.requests.length;
    const socketResult = await probe(gw.port, [
      'POST /upload HTTP/1.1\r\nHost: gw\r\nExpect: 100-continue\r\nContent-Length: 5\r\nConnection: close\r\n\r\n',
      'hello',
    ]);
    assert.ok(socketResult.raw.startsWith('HTTP/1.1 100 Continue'));
    assert.equal(socketResult.responses[0]?.status, 200);
    assert.equal(u.requests.length, beforeUpstream + 1);
    assert.deepEqual(headerValues(lastForwarded(), 'expect'), []);
  });

  test('checks: a ShieldError refuses with its code, Retry-After and the check response headers', async () => {
    const sent = await send('GET', '/catalog', [['x-test-check', 'limit']]);
    assert.deepEqual([sent.status, sent.code, sent.forwarded], [429, 'rate_limited', 0]);
    const response = sent.result.responses[0]!;
    assert.equal(response.headers.get('retry-after')?.[0], '42');
    assert.equal(response.headers.get('ratelimit-policy')?.[0], '5;w=600');
    assert.equal(lastAudit().decision, 'limit');
    assert.equal(lastAudit().reason, 'device_limit');
  });

  test('checks: a store outage fails closed (503) and a bug is a 500 naming the check in the audit', async () => {
    let sent = await send('GET', '/catalog', [['x-test-check', 'store']]);
    assert.deepEqual([sent.status, sent.code, sent.forwarded], [503, 'store_unavailable', 0]);
    sent = await send('GET', '/catalog', [['x-test-check', 'boom']]);
    assert.deepEqual([sent.status, sent.code, sent.forwarded], [500, 'internal_error', 0]);
    assert.deepEqual(lastAudit().details, { check: 'test-headers-check' });
    assert.equal(lastAudit().decision, 'error');
    assert.ok(!sent.body.includes('bug in a check'), 'no internal message reaches the client');
  });

  test('checks: response headers set by a check reach the client on success; body checks see the body', async () => {
    let sent = await send('GET', '/catalog', [['x-test-check', 'tag']]);
    assert.equal(sent.status, 200);
    assert.equal(sent.result.responses[0]!.headers.get('ratelimit')?.[0], 'limit=5, remaining=4');
    sent = await send('POST', '/public/a', [['x-test-check', 'body']], 'payload');
    assert.equal(sent.status, 200);
    assert.equal(seenBodies.at(-1)?.toString(), 'payload');
    sent = await send('POST', '/public/a', [['x-test-check', 'body']], 'refuse');
    assert.deepEqual([sent.status, sent.code, sent.forwarded], [401, 'proof_invalid', 0]);
  });

  test('A5-03: OPTIONS and HEAD only where the route lists them', async () => {
    let sent = await send('OPTIONS', '/opts');
    assert.equal(sent.status, 200);
    assert.equal(lastForwarded().method, 'OPTIONS');
    sent = await send('HEAD', '/catalog');
    assert.equal(sent.status, 200);
    assert.equal(lastForwarded().method, 'HEAD');
    sent = await send('OPTIONS', '/email/send', [['Portcullis-Token', token]]);
    assert.deepEqual([sent.status, sent.code, sent.forwarded], [405, 'method_not_allowed', 0]);
    assert.equal(sent.result.responses[0]!.headers.get('allow')?.[0], 'POST');
    sent = await send('HEAD', '/email/send', [['Portcullis-Token', token]]);
    assert.deepEqual([sent.status, sent.forwarded], [405, 0]);
  });

  test('OPTIONS * is answered locally', async () => {
    const sent = await send('OPTIONS', '*');
    assert.deepEqual([sent.status, sent.forwarded], [204, 0]);
    assert.equal(lastAudit().decision, 'allow');
  });

  test('no audit record holds a token, a secret or an Authorization value', () => {
    const all = JSON.stringify(gw.audits);
    assert.ok(!all.includes(token));
    assert.ok(!all.includes(SECRET));
    assert.ok(!all.includes('Bearer user-a'));
    assert.ok(!all.includes('Bearer attacker'));
  });
});
