/**
 * The upstream leg: relaying, redirects, malformed framing (E-32, A10-02), slow and silent
 * upstreams (A10-03, F-13), TLS verification (A10-05), secret echoes and client aborts.
 */
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:https';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import * as x509 from '@peculiar/x509';
import {
  headerValues,
  type ProbeResult,
  probe,
  type RawUpstream,
  type RunningGateway,
  route,
  type Sink,
  secretRef,
  startGateway,
  startRawUpstream,
  startSilent,
  startSink,
  startUpstream,
  type Upstream,
  waitFor,
} from './test-support/harness.js';

const SECRET = 'sk_test_51SECRETVALUE0123456789';
const TIMEOUTS = { connectMs: 300, headersMs: 400, bodyMs: 400 };

let u: Upstream;
let r: RawUpstream;
let k: Sink;
let silent: { port: number; close(): Promise<void> };
let tls: TlsServer;
let tlsCertPem: string;
let gw: RunningGateway;
let pinned: RunningGateway;
let token: string;
let closedPort: number;

async function selfSignedCertificate(): Promise<{ cert: string; key: string }> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  // TLS checks validity against the real clock (not the test clock), so the window is around it.
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=127.0.0.1',
    notBefore: new Date(Date.now() - 86_400_000),
    notAfter: new Date(Date.now() + 86_400_000),
    keys: keys as webcrypto.CryptoKeyPair,
    signingAlgorithm: algorithm,
    extensions: [
      new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }]),
      new x509.BasicConstraintsExtension(true, undefined, true),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', (keys as webcrypto.CryptoKeyPair).privateKey);
  const key = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(pkcs8).toString('base64')}\n-----END PRIVATE KEY-----\n`;
  return { cert: certificate.toString('pem'), key };
}

before(async () => {
  u = await startUpstream();
  r = await startRawUpstream();
  k = await startSink();
  silent = await startSilent();
  const { cert, key } = await selfSignedCertificate();
  tlsCertPem = cert;
  tls = createTlsServer({ cert, key }, (_req, res) => res.end('tls ok'));
  await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
  const scratch = createNetServer();
  await new Promise<void>((resolve) => scratch.listen(0, '127.0.0.1', resolve));
  closedPort = (scratch.address() as AddressInfo).port;
  await new Promise((resolve) => scratch.close(resolve));

  const tlsUrl = new URL(`https://127.0.0.1:${(tls.address() as AddressInfo).port}`);
  gw = await startGateway([
    route({ id: 'u', methods: ['GET', 'POST'], path: '/u/**', upstream: new URL(u.url), timeouts: TIMEOUTS }),
    route({ id: 'raw', methods: ['GET'], path: '/raw/**', upstream: new URL(r.url), timeouts: TIMEOUTS }),
    route({
      id: 'down',
      path: '/down',
      upstream: new URL(`http://127.0.0.1:${closedPort}`),
      timeouts: TIMEOUTS,
    }),
    route({
      id: 'blackhole',
      path: '/blackhole',
      upstream: new URL(`https://127.0.0.1:${silent.port}`),
      timeouts: TIMEOUTS,
    }),
    route({ id: 'tls', path: '/tls', upstream: tlsUrl, timeouts: TIMEOUTS }),
    route({
      id: 'provider',
      methods: ['POST'],
      path: '/provider/**',
      upstream: new URL(u.url),
      public: false,
      require: { token: true },
      inject: { headers: { authorization: `Bearer ${secretRef('stripe')}` } },
      timeouts: TIMEOUTS,
    }),
  ]);
  pinned = await startGateway([route({ id: 'tls', path: '/tls', upstream: tlsUrl, timeouts: TIMEOUTS })], {
    upstreamPool: { ca: tlsCertPem },
  });
  token = await gw.issuer.mint();
});

after(async () => {
  await gw.close();
  await pinned.close();
  await u.close();
  await r.close();
  await k.close();
  await silent.close();
  tls.closeAllConnections();
  await new Promise((resolve) => tls.close(resolve));
});

async function get(target: string, headers: [string, string][] = [], options: { port?: number } = {}) {
  const gateway = options.port === pinned?.port ? pinned : gw;
  const beforeAudits = gateway.audits.length;
  const lines = [
    `GET ${target} HTTP/1.1`,
    'Host: gw',
    'Connection: close',
    ...headers.map(([n, v]) => `${n}: ${v}`),
  ];
  const started = Date.now();
  const result: ProbeResult = await probe(options.port ?? gw.port, `${lines.join('\r\n')}\r\n\r\n`, {
    timeoutMs: 3_000,
  });
  const elapsed = Date.now() - started;
  await waitFor(() => gateway.audits.length > beforeAudits);
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.equal(gateway.audits.length, beforeAudits + 1, 'exactly one audit record');
  assert.equal(k.connections, 0, 'K received 0 connections');
  const response = result.responses[0];
  const code =
    response?.headers.get('content-type')?.[0] === 'application/problem+json'
      ? (JSON.parse(response.body) as { code: string }).code
      : undefined;
  return { result, response, code, elapsed, audit: gateway.audits.at(-1)! };
}

describe('relaying', () => {
  test('streams a large response with hop-by-hop and Connection-named headers removed', async () => {
    const big = 'z'.repeat(2 * 1024 * 1024);
    u.behaviour = (_req, res) => {
      res.setHeader('Connection', 'x-hop');
      res.setHeader('X-Hop', 'secret-ish');
      res.setHeader('Keep-Alive', 'timeout=1');
      res.setHeader('Proxy-Authenticate', 'Basic');
      res.setHeader('X-Request-Id', 'upstream-chosen');
      res.setHeader('Set-Cookie', ['a=1', 'b=2']);
      res.write(big.slice(0, 1024 * 1024));
      setTimeout(() => res.end(big.slice(1024 * 1024)), 20);
    };
    const { response, audit } = await get('/u/stream');
    assert.equal(response?.status, 200);
    assert.equal(response?.body.length, big.length);
    assert.equal(response?.headers.get('x-hop'), undefined);
    assert.equal(response?.headers.get('proxy-authenticate'), undefined);
    assert.deepEqual(response?.headers.get('set-cookie'), ['a=1', 'b=2']);
    assert.deepEqual(response?.headers.get('x-request-id'), [audit.requestId]);
    assert.equal(audit.decision, 'allow');
    assert.equal(audit.upstreamStatus, 200);
  });

  test('a 3xx is relayed as is and never followed (K gets nothing)', async () => {
    u.behaviour = (_req, res) => {
      res.writeHead(302, { location: `http://${k.host}:${k.port}/steal` });
      res.end();
    };
    const { response } = await get('/u/redirect');
    assert.equal(response?.status, 302);
    assert.deepEqual(response?.headers.get('location'), [`http://${k.host}:${k.port}/steal`]);
  });

  test('an upstream 5xx is relayed with its body; the audit allows with the upstream status', async () => {
    u.behaviour = (_req, res) => {
      res.writeHead(503, { 'content-type': 'text/plain' });
      res.end('busy');
    };
    const { response, audit } = await get('/u/busy');
    assert.equal(response?.status, 503);
    assert.equal(response?.body, 'busy');
    assert.equal(audit.upstreamStatus, 503);
    assert.equal(audit.decision, 'allow');
  });

  test('E-30 style: a response header that echoes an injected secret is dropped', async () => {
    u.behaviour = (req, res) => {
      res.setHeader('X-Echo-Authorization', String(req.headers.authorization));
      res.setHeader('X-Fine', 'yes');
      res.end('{}');
    };
    const beforeAudits = gw.audits.length;
    const result = await probe(
      gw.port,
      `POST /provider/charge HTTP/1.1\r\nHost: gw\r\nConnection: close\r\nPortcullis-Token: ${token}\r\nContent-Length: 2\r\n\r\n{}`,
    );
    await waitFor(() => gw.audits.length > beforeAudits);
    const response = result.responses[0]!;
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('x-echo-authorization'), undefined);
    assert.deepEqual(response.headers.get('x-fine'), ['yes']);
    assert.ok(!result.raw.includes(SECRET));
    assert.deepEqual(headerValues(u.requests.at(-1)!, 'authorization'), [`Bearer ${SECRET}`]);
  });
});

describe('upstream faults', () => {
  const framing: [string, string][] = [
    [
      'CL and TE',
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    ],
    [
      'TE and CL',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n',
    ],
    ['two different CL', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!'],
    ['two equal CL', 'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello'],
    ['CR in a header value', 'HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 5\r\n\r\nhello'],
    ['NUL in a header value', 'HTTP/1.1 200 OK\r\nX: a\x00b\r\nContent-Length: 5\r\n\r\nhello'],
    [
      'LF injection in a header value',
      'HTTP/1.1 200 OK\r\nX: a\nSet-Cookie: injected=1\r\nContent-Length: 5\r\n\r\nhello',
    ],
  ];
  for (const [name, bytes] of framing) {
    test(`E-32 / A10-02 ${name}: 502 and the pooled connection is discarded`, async () => {
      r.respond = (socket) => socket.write(bytes);
      const closedBefore = r.closed;
      const { response, code, audit } = await get('/raw/x');
      assert.equal(response?.status, 502);
      assert.equal(code, 'upstream_unavailable');
      assert.equal(audit.decision, 'error');
      assert.equal(audit.reason, 'upstream_protocol_error');
      await waitFor(() => r.closed > closedBefore);
      const connectionsAfter = r.connections;
      r.respond = (socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      const next = await get('/raw/y');
      assert.equal(next.response?.status, 200);
      assert.equal(r.connections, connectionsAfter + 1, 'the next request needed a new connection');
    });
  }

  test('an upstream that closes without answering is 502', async () => {
    r.respond = (socket) => socket.destroy();
    const { response, code } = await get('/raw/x');
    assert.equal(response?.status, 502);
    assert.equal(code, 'upstream_unavailable');
  });

  test('a refused connection is 502', async () => {
    const { response, code, audit } = await get('/down');
    assert.equal(response?.status, 502);
    assert.equal(code, 'upstream_unavailable');
    assert.equal(audit.reason, 'upstream_connect_failed');
  });

  test('F-13 a connection that never completes (TLS to a silent listener) is 504 within the connect timeout', async () => {
    const { response, code, audit, elapsed } = await get('/blackhole');
    assert.equal(response?.status, 504);
    assert.equal(code, 'upstream_timeout');
    assert.equal(audit.reason, 'upstream_connect_timeout');
    assert.ok(elapsed < 2_000, `took ${elapsed} ms`);
  });

  test('A10-03 / F-13 response headers at 1 byte per 100 ms: 504 at the headers timeout, socket destroyed', async () => {
    let timer: NodeJS.Timeout | undefined;
    r.respond = (socket) => {
      const head = 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok';
      let i = 0;
      timer = setInterval(() => {
        if (socket.destroyed || i >= head.length) return clearInterval(timer);
        socket.write(head[i++]!);
      }, 100);
    };
    const closedBefore = r.closed;
    const { response, code, audit, elapsed } = await get('/raw/slow-head');
    clearInterval(timer);
    assert.equal(response?.status, 504);
    assert.equal(code, 'upstream_timeout');
    assert.equal(audit.reason, 'upstream_headers_timeout');
    assert.ok(elapsed < 2_000, `took ${elapsed} ms`);
    await waitFor(() => r.closed > closedBefore);
  });

  test('F-13 an upstream that accepts and never answers is 504 within the headers timeout', async () => {
    u.behaviour = () => {};
    const { response, audit, elapsed } = await get('/u/silent');
    assert.equal(response?.status, 504);
    assert.equal(audit.reason, 'upstream_headers_timeout');
    assert.ok(elapsed >= 350 && elapsed < 2_000, `took ${elapsed} ms`);
  });

  test('F-13 half a body then a stall: the client connection is cut, the audit says upstream_timeout', async () => {
    r.respond = (socket) => socket.write('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789');
    const closedBefore = r.closed;
    const { result, audit } = await get('/raw/stall');
    assert.equal(result.closed, true);
    assert.ok(result.raw.startsWith('HTTP/1.1 200'));
    assert.ok(
      result.raw.endsWith('0123456789'),
      'the client got the partial body, then the connection was cut',
    );
    assert.equal(audit.decision, 'error');
    assert.equal(audit.code, 'upstream_timeout');
    assert.equal(audit.reason, 'upstream_body_timeout');
    assert.equal(audit.upstreamStatus, 200);
    await waitFor(() => r.closed > closedBefore);
  });

  test('A10-05, B-03 a self-signed upstream certificate is 502; pinning its CA explicitly makes it work', async () => {
    const refused = await get('/tls');
    assert.equal(refused.response?.status, 502);
    assert.equal(refused.audit.reason, 'upstream_tls_error');
    const accepted = await get('/tls', [], { port: pinned.port });
    assert.equal(accepted.response?.status, 200);
    assert.equal(accepted.response?.body, 'tls ok');
  });

  test('a client abort aborts the upstream request and is audited once', async () => {
    let upstreamClosedEarly = false;
    u.behaviour = (_req, res) => {
      res.on('close', () => {
        upstreamClosedEarly = !res.writableFinished;
      });
      setTimeout(() => {
        if (!res.destroyed) res.end('late');
      }, 1_500);
    };
    const beforeAudits = gw.audits.length;
    await probe(gw.port, 'GET /u/abort HTTP/1.1\r\nHost: gw\r\n\r\n', { timeoutMs: 150 });
    await waitFor(() => upstreamClosedEarly, 1_000);
    await waitFor(() => gw.audits.length > beforeAudits);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(gw.audits.length, beforeAudits + 1);
    const audit = gw.audits.at(-1)!;
    assert.equal(audit.code, 'client_closed');
    assert.equal(audit.reason, 'client_aborted');
    assert.equal(audit.decision, 'allow', 'the policy allowed it; the client left before the answer');
  });
});
