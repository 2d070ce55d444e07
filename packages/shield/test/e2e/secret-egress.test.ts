/**
 * What leaves a running shield towards the client and towards upstreams on routes that inject a
 * secret: a response that echoes the secret in any form (raw, other case, base64 at every
 * alignment, percent- or JSON-escaped, split across body chunks at every offset) never carries
 * it to the client; a third-party route gets no identity headers unless it lists them; an app
 * token in the query string of a public route never reaches its upstream.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { type RawUpstream, startRawUpstream } from '../../src/gateway/test-support/harness.js';
import type { AuditRecord } from '../../src/stores/ports.js';
import { type LiveShield, startLiveShield, TEST_SECRET } from '../support/live-shield.js';
import { auditOf, codeOf, debugToken, send, settle } from './e2e-helpers.js';

type Behaviour = (req: IncomingMessage, res: ServerResponse) => void;

let behaviour: Behaviour = (_req, res) => res.end('ok');
let scripted: Server;
const seen: IncomingMessage[] = [];
let raw: RawUpstream;
let live: LiveShield;
let token: string;

before(async () => {
  scripted = createServer((req, res) => {
    seen.push(req);
    req.resume();
    req.on('end', () => behaviour(req, res));
  });
  await new Promise<void>((resolve) => scripted.listen(0, '127.0.0.1', resolve));
  const scriptedUrl = `http://127.0.0.1:${(scripted.address() as AddressInfo).port}`;
  raw = await startRawUpstream();
  live = await startLiveShield({
    extraYaml: `  - id: echo
    match: { methods: [POST], path: /echo }
    upstream: ${scriptedUrl}
    require: { token: true }
    inject: { headers: { authorization: "Bearer \${secret:provider}" } }
  - id: stream
    match: { methods: [POST], path: /stream }
    upstream: ${raw.url}
    require: { token: true }
    inject: { headers: { x-api-key: "\${secret:provider}" } }
  - id: own
    match: { methods: [POST], path: /own }
    upstream: ${scriptedUrl}
    require: { token: true }
  - id: told
    match: { methods: [POST], path: /told }
    upstream: ${scriptedUrl}
    require: { token: true }
    inject: { headers: { x-api-key: "\${secret:provider}" } }
    identityHeaders: [app, client-address]
  - id: legacy
    match: { methods: [GET], path: /legacy }
    upstream: ${scriptedUrl}
    require: { token: true }
    tokenMode: monitor
`,
  });
  token = await debugToken(live);
});

after(async () => {
  await live.close();
  scripted.closeAllConnections();
  await new Promise<void>((resolve) => scripted.close(() => resolve()));
  await raw.close();
});

function post(path: string, extraHeaders = ''): ReturnType<typeof send> {
  return send(
    live,
    `POST ${path} HTTP/1.1\r\nHost: shield.test\r\nPortcullis-Token: ${token}\r\n${extraHeaders}Content-Length: 2\r\n\r\n{}`,
    // Generous: the probe returns as soon as the shield closes or answers; a busy machine is slow.
    { graceMs: 30, timeoutMs: 15_000 },
  );
}

function requestIdOf(rawResponse: string): string {
  const id = /\r\nx-request-id: ([^\r]+)\r\n/i.exec(rawResponse)?.[1];
  assert.ok(id !== undefined, `no request id in ${rawResponse.slice(0, 300)}`);
  return id;
}

/** How many audit records route `routeId` has so far. */
async function auditCount(routeId: string): Promise<number> {
  const rows = await live.shield.stores.audit.query({ limit: 1000 });
  return rows.filter((row) => row.routeId === routeId).length;
}

/**
 * The newest audit record of `routeId` once it has more than `before`: for responses cut so early
 * that not even their head (with the request id) reached the client.
 */
async function nextAuditOf(routeId: string, before: number): Promise<AuditRecord> {
  for (let i = 0; i < 300; i++) {
    const rows = (await live.shield.stores.audit.query({ limit: 1000 })).filter((r) => r.routeId === routeId);
    if (rows.length > before) return rows[0]!;
    await settle(10);
  }
  throw new Error(`no new audit record for ${routeId}`);
}

/** An error page as sandboxes write them: the request headers it received, verbatim, in HTML. */
function errorPage(status: number, shown: (authorization: string) => string): Behaviour {
  return (req, res) => {
    const body = `<html><body><h1>${status}</h1><pre>Authorization: ${shown(String(req.headers.authorization))}</pre></body></html>`;
    res.writeHead(status, { 'content-type': 'text/html' });
    res.end(body);
  };
}

/** Every byte as `%xx`, lower-case hex. */
const pct = (text: string) =>
  [...Buffer.from(text)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

describe('A10-04, E-30: a response that echoes the injected secret never carries it to the client', () => {
  const forms: Array<[string, number, (authorization: string) => string]> = [
    ['raw in a 500 error page', 500, (a) => a],
    ['raw in a 400 error page', 400, (a) => a],
    ['raw in a 502 error page', 502, (a) => a],
    ['in upper case', 500, (a) => a.toUpperCase()],
    ['base64 of the whole header', 500, (a) => Buffer.from(a).toString('base64')],
    ['base64url without padding', 500, (a) => Buffer.from(a).toString('base64url')],
    ...['u:', 'us:', 'use:'].map((user): [string, number, (a: string) => string] => [
      `base64 of Basic ${user}secret (alignment ${user.length % 3})`,
      500,
      () => Buffer.from(`${user}${TEST_SECRET}`).toString('base64'),
    ]),
    ['percent-encoded, upper-case hex', 500, (a) => pct(a).toUpperCase()],
    ['percent-encoded, lower-case hex', 500, (a) => pct(a)],
    ['encodeURIComponent', 500, (a) => encodeURIComponent(`key=${a}`)],
    [
      'JSON-escaped as \\uXXXX',
      500,
      (a) => [...a].map((ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`).join(''),
    ],
    ['hex', 500, (a) => Buffer.from(a).toString('hex')],
  ];
  for (const [name, status, shown] of forms) {
    test(`${name}: 502 problem, nothing of the secret, audited`, async () => {
      behaviour = errorPage(status, shown);
      const result = await post('/echo');
      const response = result.responses[0];
      assert.equal(response?.status, 502, result.raw.slice(0, 300));
      assert.equal(codeOf(result), 'upstream_unavailable');
      assert.ok(!result.raw.includes(TEST_SECRET), 'the secret reached the client');
      assert.ok(!result.raw.includes(shown(`Bearer ${TEST_SECRET}`)), 'the encoded form reached the client');
      const audit = await auditOf(live, requestIdOf(result.raw));
      assert.equal(audit.reason, 'upstream_echoed_secret');
      assert.equal(audit.decision, 'error');
      assert.equal(audit.routeId, 'echo');
    });
  }

  test('an encoded copy in a response header drops that header; the answer goes through and is audited', async () => {
    behaviour = (req, res) => {
      res.setHeader('x-debug-auth', Buffer.from(String(req.headers.authorization)).toString('base64'));
      res.setHeader('x-fine', 'yes');
      res.end('{"ok":true}');
    };
    const result = await post('/echo');
    const response = result.responses[0];
    assert.equal(response?.status, 200);
    assert.equal(response?.body, '{"ok":true}');
    assert.equal(response?.headers.get('x-debug-auth'), undefined);
    assert.deepEqual(response?.headers.get('x-fine'), ['yes']);
    const audit = await auditOf(live, requestIdOf(result.raw));
    assert.equal(audit.decision, 'allow');
    assert.equal(audit.details?.['secretHeadersDropped'], 1);
  });

  test('a large streamed answer without the secret arrives whole, byte for byte', async () => {
    const chunk = Buffer.from(
      '{"id":1,"name":"tea","note":"Bearer sk_test_canary_ is how keys start"},'.repeat(900),
    );
    const chunks = 24;
    behaviour = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      let sent = 0;
      const pump = () => {
        while (sent < chunks) {
          sent++;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    };
    const response = await fetch(`${live.url}/echo`, {
      method: 'POST',
      headers: { 'portcullis-token': token, 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(response.status, 200);
    const body = Buffer.from(await response.arrayBuffer());
    const expected = Buffer.concat(Array.from({ length: chunks }, () => chunk));
    assert.equal(body.length, expected.length);
    assert.equal(
      createHash('sha256').update(body).digest('hex'),
      createHash('sha256').update(expected).digest('hex'),
    );
  });

  test('a secret deep in a long stream cuts the connection: the client sees a truncated body and none of it', async () => {
    const filler = Buffer.alloc(64 * 1024, 'a');
    behaviour = (req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write(filler);
      res.write(filler);
      setTimeout(() => res.end(`... ${String(req.headers.authorization)} ...`), 10);
    };
    const before = await auditCount('echo');
    const result = await post('/echo');
    // Two 64 KiB chunks were relayed before the secret came (destroying the socket may drop what
    // Node had not flushed yet, even the head: still no secret).
    if (result.raw !== '') assert.match(result.raw, /^HTTP\/1\.1 200 /);
    assert.equal(result.responses.length, 0, 'the body is incomplete');
    assert.ok(result.closed, 'the connection was cut');
    assert.ok(!result.raw.includes(TEST_SECRET));
    const audit = await nextAuditOf('echo', before);
    assert.equal(audit.reason, 'upstream_echoed_secret');
    assert.equal(audit.upstreamStatus, 200);
  });

  test('split across two body chunks at every offset: no part of the secret reaches the client', async () => {
    const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
    for (let k = 0; k <= TEST_SECRET.length; k++) {
      const first = `<p>invalid key ${TEST_SECRET.slice(0, k)}`;
      const second = `${TEST_SECRET.slice(k)} for this account</p>`;
      raw.respond = (socket: Socket) => {
        socket.write(
          `HTTP/1.1 401 Unauthorized\r\ncontent-type: text/html\r\ntransfer-encoding: chunked\r\n\r\n`,
        );
        socket.write(chunk(first));
        setTimeout(() => socket.end(`${chunk(second)}0\r\n\r\n`), 5);
      };
      const before = await auditCount('stream');
      const result = await post('/stream');
      assert.ok(!result.raw.includes(TEST_SECRET), `offset ${k}: the secret reached the client`);
      if (k >= 6) assert.ok(!result.raw.includes(TEST_SECRET.slice(0, k)), `offset ${k}: its head was sent`);
      if (TEST_SECRET.length - k >= 6)
        assert.ok(!result.raw.includes(TEST_SECRET.slice(k)), `offset ${k}: its tail was sent`);
      if (k < TEST_SECRET.length) {
        // The head and the safe part went out with the first chunk, and the second one cut the
        // connection (destroying it may also drop what Node had not flushed yet: still no secret).
        if (result.raw !== '') assert.match(result.raw, /^HTTP\/1\.1 401 /, `offset ${k}`);
        assert.equal(result.responses.length, 0, `offset ${k}: the body must end truncated`);
        assert.ok(result.closed, `offset ${k}: the connection must be cut`);
      } else {
        // The whole secret is in the first chunk: nothing was sent yet, so a clean 502.
        assert.equal(result.responses[0]?.status, 502);
      }
      const audit = await nextAuditOf('stream', before);
      assert.equal(
        audit.reason,
        'upstream_echoed_secret',
        `offset ${k}: audit ${audit.code} ${audit.reason}`,
      );
    }
  });

  test('every chunk boundary inside a base64 echo: cut before any of it is sent', async () => {
    const encoded = Buffer.from(`shop:${TEST_SECRET}`).toString('base64');
    const chunk = (text: string) => `${text.length.toString(16)}\r\n${text}\r\n`;
    for (let k = 1; k < encoded.length; k += 5) {
      raw.respond = (socket: Socket) => {
        socket.write(`HTTP/1.1 500 Oops\r\ntransfer-encoding: chunked\r\n\r\n`);
        socket.end(`${chunk(encoded.slice(0, k))}${chunk(encoded.slice(k))}0\r\n\r\n`);
      };
      const result = await post('/stream');
      assert.ok(!result.raw.includes(encoded.slice(8, 40)), `boundary ${k}: base64 of the secret was sent`);
    }
  });

  test('the upstream is asked for an uncompressed, whole body; a compressed one is refused (502)', async () => {
    behaviour = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip' });
      res.end(gzipSync(`echo: Bearer ${TEST_SECRET}`));
    };
    const before = seen.length;
    const result = await post(
      '/echo',
      'Accept-Encoding: gzip, br\r\nRange: bytes=10-20\r\nIf-Range: "x"\r\n',
    );
    assert.equal(result.responses[0]?.status, 502);
    assert.equal(codeOf(result), 'upstream_unavailable');
    const request = seen[before]!;
    assert.equal(request.headers['accept-encoding'], 'identity');
    assert.equal(request.headers.range, undefined);
    assert.equal(request.headers['if-range'], undefined);
    const audit = await auditOf(live, requestIdOf(result.raw));
    assert.equal(audit.reason, 'upstream_encoding_unscannable');
  });

  test('a compressed answer without a body (204) is relayed: there is nothing to scan', async () => {
    behaviour = (_req, res) => res.writeHead(204, { 'content-encoding': 'gzip', 'x-fine': 'yes' }).end();
    const result = await post('/echo');
    assert.equal(result.responses[0]?.status, 204);
    assert.deepEqual(result.responses[0]?.headers.get('x-fine'), ['yes']);
  });

  test('a route that injects no secret is not scanned and keeps the client’s Accept-Encoding', async () => {
    behaviour = (req, res) => res.end(`you sent ${String(req.headers['accept-encoding'])} ${TEST_SECRET}`);
    const result = await post('/own', 'Accept-Encoding: gzip\r\n');
    assert.equal(result.responses[0]?.status, 200);
    assert.equal(result.responses[0]?.body, `you sent gzip ${TEST_SECRET}`);
  });
});

describe('E-31: identity headers towards upstreams', () => {
  const IDENTITY = [
    'x-portcullis-app',
    'x-portcullis-level',
    'x-portcullis-platform',
    'x-portcullis-token-id',
    'x-forwarded-for',
    'forwarded',
    'x-forwarded-proto',
  ];

  test('a route that injects a secret sends none: no app, level, token id or client address', async () => {
    behaviour = (_req, res) => res.end('ok');
    const before = seen.length;
    const result = await post('/echo', 'X-Forwarded-For: 203.0.113.9\r\n');
    assert.equal(result.responses[0]?.status, 200);
    const headers = seen[before]!.headers;
    for (const name of [...IDENTITY, 'x-portcullis-device'])
      assert.equal(headers[name], undefined, `${name} went to the provider`);
    assert.ok(!JSON.stringify(headers).includes('203.0.113.9'), 'the client chain went to the provider');
    assert.ok(typeof headers['x-request-id'] === 'string', 'the request id still goes');
  });

  test('the owner’s own backend gets them all', async () => {
    const before = seen.length;
    await post('/own');
    const headers = seen[before]!.headers;
    for (const name of IDENTITY) assert.ok(headers[name] !== undefined, `${name} missing`);
    assert.equal(headers['x-portcullis-app'], 'shop');
  });

  test('a route that lists identityHeaders gets exactly those', async () => {
    const before = seen.length;
    await post('/told');
    const headers = seen[before]!.headers;
    assert.equal(headers['x-portcullis-app'], 'shop');
    assert.equal(headers['x-forwarded-for'], '127.0.0.1');
    assert.ok(headers['forwarded'] !== undefined && headers['x-forwarded-proto'] === 'http');
    for (const name of ['x-portcullis-level', 'x-portcullis-platform', 'x-portcullis-token-id'])
      assert.equal(headers[name], undefined, `${name} was not listed`);
  });
});

describe('A2-02: an app token in the query string of a route that would forward it unverified', () => {
  const cases: Array<[string, (t: string) => string]> = [
    ['under a token parameter name', (t) => `portcullis_token=${t}`],
    ['as the value of any parameter', (t) => `q=shoes&t=${t}`],
    ['percent-encoded', (t) => `ref=${[...t].map((ch) => `%${ch.charCodeAt(0).toString(16)}`).join('')}`],
    ['as a parameter name', (t) => `${t}&page=2`],
  ];
  for (const [name, query] of cases) {
    test(`${name}: 400, NF`, async () => {
      const forwarded = live.upstream.requests.length;
      const result = await send(live, `GET /catalog?${query(token)} HTTP/1.1\r\nHost: shield.test\r\n\r\n`);
      assert.equal(result.responses[0]?.status, 400, result.raw.slice(0, 300));
      assert.equal(codeOf(result), 'bad_request');
      await settle();
      assert.equal(live.upstream.requests.length, forwarded, 'the token reached the upstream');
      const audit = await auditOf(live, requestIdOf(result.raw));
      assert.equal(audit.reason, 'token_in_query_unverified');
    });
  }

  test('on a tokenMode: monitor route, which forwards what its token check would refuse: 400, NF', async () => {
    behaviour = (_req, res) => res.end('ok');
    const before = seen.length;
    const monitored = await send(live, `GET /legacy?page=2 HTTP/1.1\r\nHost: shield.test\r\n\r\n`);
    assert.equal(monitored.responses[0]?.status, 200, 'without a token the monitor route forwards');
    assert.equal(seen.length, before + 1);
    const result = await send(live, `GET /legacy?t=${token} HTTP/1.1\r\nHost: shield.test\r\n\r\n`);
    assert.equal(result.responses[0]?.status, 400, result.raw.slice(0, 300));
    await settle();
    assert.equal(seen.length, before + 1, 'the token reached the upstream');
    const audit = await auditOf(live, requestIdOf(result.raw));
    assert.equal(audit.reason, 'token_in_query_unverified');
  });

  test('an ordinary query still goes through', async () => {
    const forwarded = live.upstream.requests.length;
    const result = await send(
      live,
      `GET /catalog?q=shoes.tea.pot&page=2 HTTP/1.1\r\nHost: shield.test\r\n\r\n`,
    );
    assert.equal(result.responses[0]?.status, 200);
    assert.equal(live.upstream.requests.length, forwarded + 1);
  });
});
