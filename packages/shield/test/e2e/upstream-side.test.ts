/**
 * Attacks from the upstream's side of a running shield: responses that echo the injected secret,
 * redirects to another host, cookies, informational and protocol-switching responses, and the
 * methods a client can try on protected routes. The scriptable upstream S answers /echo; the raw
 * upstream R writes any bytes for /raw; the sink K only counts connections (never followed).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  type RawUpstream,
  type Sink,
  startRawUpstream,
  startSink,
} from '../../src/gateway/test-support/harness.js';
import { type LiveShield, startLiveShield, TEST_SECRET } from '../support/live-shield.js';
import { debugToken, send, settle } from './e2e-helpers.js';

type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;

let behaviour: Behaviour = (_req, res) => res.end('ok');
let scripted: Server;
let scriptedPort = 0;
const scriptedRequests: IncomingMessage[] = [];
let raw: RawUpstream;
let sink: Sink;
let live: LiveShield;
let token: string;

before(async () => {
  scripted = createServer((req, res) => {
    scriptedRequests.push(req);
    req.resume();
    req.on('end', () => behaviour(req, res));
  });
  await new Promise<void>((resolve) => scripted.listen(0, '127.0.0.1', resolve));
  scriptedPort = (scripted.address() as AddressInfo).port;
  raw = await startRawUpstream();
  sink = await startSink();
  live = await startLiveShield({
    extraYaml: `  - id: echo
    match: { methods: [POST], path: /echo }
    upstream: http://127.0.0.1:${scriptedPort}
    require: { token: true }
    inject: { headers: { x-api-key: "\${secret:provider}" } }
  - id: raw
    match: { methods: [POST], path: /raw }
    upstream: ${raw.url}
    require: { token: true }
    inject: { headers: { x-api-key: "key \${secret:provider}" } }
`,
  });
  token = await debugToken(live);
});

after(async () => {
  await live.close();
  scripted.closeAllConnections();
  await new Promise<void>((resolve) => scripted.close(() => resolve()));
  await raw.close();
  await sink.close();
});

/** One POST through the shield to `path`, read off the socket as raw bytes. */
function through(path: string, extraHeaders = ''): ReturnType<typeof send> {
  return send(
    live,
    `POST ${path} HTTP/1.1\r\nHost: shield.test\r\nPortcullis-Token: ${token}\r\n${extraHeaders}Content-Length: 2\r\n\r\n{}`,
  );
}

describe('A10-04, E-30: responses that echo the injected secret never carry it to the client', () => {
  const cases: Array<[string, Behaviour]> = [
    ['as a header value', (_q, s) => s.setHeader('x-echo-key', TEST_SECRET).end('ok')],
    [
      'inside a longer value',
      (_q, s) =>
        s.setHeader('www-authenticate', `Bearer error="invalid_token", key="${TEST_SECRET}"`).end('ok'),
    ],
    [
      'in one of several Set-Cookie values',
      (_q, s) => s.setHeader('set-cookie', ['theme=dark', `k=${TEST_SECRET}`]).end('ok'),
    ],
    ['as a header name', (_q, s) => s.setHeader(`x-${TEST_SECRET}`, '1').end('ok')],
    [
      'in a redirect Location',
      (_q, s) => s.writeHead(302, { location: `https://elsewhere.example/?key=${TEST_SECRET}` }).end(),
    ],
    [
      'in a trailer',
      (_q, s) => {
        s.setHeader('trailer', 'x-key');
        s.write('o');
        s.addTrailers({ 'x-key': TEST_SECRET });
        s.end('k');
      },
    ],
    [
      'in a 103 Early Hints',
      (_q, s) => {
        s.writeEarlyHints({ link: `</style.css>; rel=preload; key=${TEST_SECRET}` });
        s.end('ok');
      },
    ],
  ];
  for (const [name, respond] of cases) {
    test(name, async () => {
      behaviour = respond;
      const result = await through('/echo');
      const status = result.responses[0]?.status;
      assert.ok(status === 200 || status === 302, result.raw.slice(0, 300));
      assert.ok(
        !result.raw.includes(TEST_SECRET),
        `the secret reached the client: ${result.raw.slice(0, 400)}`,
      );
      assert.ok(!/^HTTP\/1\.1 103/m.test(result.raw), 'informational responses are not relayed');
    });
  }

  test('headers that do not carry the secret are relayed untouched, each copy', async () => {
    behaviour = (_q, s) => s.setHeader('x-multi', ['a=1', 'b=2']).setHeader('x-fine', 'yes').end('ok');
    const result = await through('/echo');
    assert.deepEqual(result.responses[0]?.headers.get('x-multi'), ['a=1', 'b=2']);
    assert.deepEqual(result.responses[0]?.headers.get('x-fine'), ['yes']);
  });
});

describe('redirects, cookies and protocol switches from the upstream', () => {
  test('a redirect to another host is relayed, never followed: K gets no connection, S one request', async () => {
    behaviour = (_q, s) => s.writeHead(307, { location: `http://${sink.host}:${sink.port}/steal` }).end();
    const before = scriptedRequests.length;
    const result = await through('/echo');
    assert.equal(result.responses[0]?.status, 307);
    assert.deepEqual(result.responses[0]?.headers.get('location'), [
      `http://${sink.host}:${sink.port}/steal`,
    ]);
    await settle(50);
    assert.equal(sink.connections, 0, 'K received 0 connections');
    assert.equal(scriptedRequests.length, before + 1);
  });

  test('E-33: 101 Switching Protocols to a plain request is a 502: no tunnel, none of its bytes reach the client', async () => {
    raw.respond = (socket: Socket) =>
      socket.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\nRAW-TUNNEL-BYTES',
      );
    const result = await through('/raw');
    assert.equal(result.responses[0]?.status, 502);
    assert.ok(!result.raw.includes('RAW-TUNNEL-BYTES'));
    assert.ok(!result.raw.includes('Switching Protocols'));
  });

  test('a flood of interim 1xx responses before the answer is absorbed, not relayed', async () => {
    raw.respond = (socket: Socket) =>
      socket.end(
        `${'HTTP/1.1 102 Processing\r\n\r\n'.repeat(500)}HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok`,
      );
    const result = await through('/raw');
    assert.equal(result.responses[0]?.status, 200);
    assert.ok(!result.raw.includes('102 Processing'));
  });

  test('a header split by a bare CR in the upstream response is a 502, not two headers', async () => {
    raw.respond = (socket: Socket) =>
      socket.end('HTTP/1.1 200 OK\r\nx-a: b\rSet-Cookie: injected=1\r\ncontent-length: 2\r\n\r\nok');
    const result = await through('/raw');
    assert.equal(result.responses[0]?.status, 502);
    assert.ok(!result.raw.includes('injected=1'));
  });
});

describe('A8-03: methods a client tries on protected routes', () => {
  const cases: Array<[string, string, number]> = [
    ['HEAD /pay', `HEAD /pay HTTP/1.1\r\nHost: x\r\nPortcullis-Token: {token}\r\n\r\n`, 405],
    [
      'OPTIONS /pay (CORS preflight)',
      `OPTIONS /pay HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\nAccess-Control-Request-Method: POST\r\n\r\n`,
      405,
    ],
    ['GET /pay', `GET /pay HTTP/1.1\r\nHost: x\r\nPortcullis-Token: {token}\r\n\r\n`, 405],
    ['TRACE /pay', `TRACE /pay HTTP/1.1\r\nHost: x\r\nPortcullis-Token: {token}\r\n\r\n`, 405],
    ['HEAD /catalog (GET only)', `HEAD /catalog HTTP/1.1\r\nHost: x\r\n\r\n`, 405],
    ['OPTIONS * (answered locally)', `OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n`, 204],
  ];
  for (const [name, request, status] of cases) {
    test(`${name}: ${status}, NF, no CORS grant`, async () => {
      const forwarded = live.upstream.requests.length;
      const result = await send(live, request.replace('{token}', token), {
        head: request.startsWith('HEAD'),
      });
      const response = result.responses[0];
      assert.equal(response?.status, status, result.raw.slice(0, 200));
      assert.equal(response?.headers.get('access-control-allow-origin'), undefined);
      if (status === 405) assert.ok(response?.headers.get('allow'));
      await settle();
      assert.equal(live.upstream.requests.length, forwarded, 'NF');
      assert.ok(!result.raw.includes(TEST_SECRET));
    });
  }
});

describe('third-party provider routes (threat E-31)', () => {
  test('a route that injects a secret does not forward the user’s Authorization and cookies', async () => {
    behaviour = (_q, s) => s.end('ok');
    const before = scriptedRequests.length;
    const result = await through(
      '/echo',
      'Authorization: Bearer user-session-0001\r\nCookie: sid=user-0001\r\n',
    );
    assert.equal(result.responses[0]?.status, 200);
    const seen = scriptedRequests[before]!.headers;
    assert.equal(seen['x-api-key'], TEST_SECRET);
    assert.equal(seen['authorization'], undefined, 'the user’s session went to the provider');
    assert.equal(seen['cookie'], undefined, 'the user’s cookies went to the provider');
  });

  test('a route that injects a secret does not relay the provider’s Set-Cookie onto the shield’s origin', async () => {
    behaviour = (_q, s) => s.setHeader('set-cookie', 'session=fixed-by-provider; Path=/').end('ok');
    const result = await through('/echo');
    assert.equal(result.responses[0]?.status, 200);
    assert.equal(result.responses[0]?.headers.get('set-cookie'), undefined);
  });
});
