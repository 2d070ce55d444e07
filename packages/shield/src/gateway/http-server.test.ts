import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { expectContinue } from './expect-continue.js';
import { type ClientErrorEvent, createHttpServer } from './http-server.js';
import { probe, route, startGateway, startUpstream, waitFor } from './test-support/harness.js';

const events: ClientErrorEvent[] = [];
const handled: string[] = [];

function handler(req: IncomingMessage, res: ServerResponse): void {
  handled.push(`${req.method} ${req.url}`);
  if (req.url === '/hang') return;
  if (req.url === '/continue') expectContinue.release(req, res);
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => res.end(`got ${Buffer.concat(chunks).length}`));
}

let server: Server;
let port: number;

before(async () => {
  server = createHttpServer(handler, {
    headersTimeoutMs: 300,
    requestTimeoutMs: 600,
    idleTimeoutMs: 400,
    timeoutCheckIntervalMs: 50,
    onClientError: (event) => events.push(event),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function problemCode(body: string): string {
  return (JSON.parse(body) as { code: string }).code;
}

describe('createHttpServer', () => {
  test('uses the hardened settings', () => {
    const defaults = createHttpServer(() => {});
    assert.equal(defaults.headersTimeout, 15_000);
    assert.equal(defaults.requestTimeout, 30_000);
    assert.equal(defaults.keepAliveTimeout, 5_000);
    assert.equal(defaults.maxHeadersCount, 0);
    assert.equal(defaults.timeout, 120_000);
    defaults.close();
  });

  test('refuses bad options', () => {
    assert.throws(() => createHttpServer(() => {}, { headersTimeoutMs: 0 }), TypeError);
    assert.throws(
      () => createHttpServer(() => {}, { headersTimeoutMs: 1000, requestTimeoutMs: 500 }),
      TypeError,
    );
    assert.throws(() => createHttpServer(() => {}, { maxHeaderSize: 1.5 }), TypeError);
  });

  test('E-07: refuses to start when --insecure-http-parser is set in NODE_OPTIONS or the node arguments', async () => {
    const module = fileURLToPath(new URL('./http-server.ts', import.meta.url));
    const script = `import(${JSON.stringify(module)}).then((m) => { m.createHttpServer(() => {}); console.log('started'); })`;
    const run = (args: string[], env: NodeJS.ProcessEnv) =>
      new Promise<{ code: number | null; output: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          [...args, '--import', 'tsx', '--input-type=module', '-e', script],
          {
            env: { ...process.env, ...env },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        let output = '';
        child.stdout.on('data', (c: Buffer) => {
          output += c.toString();
        });
        child.stderr.on('data', (c: Buffer) => {
          output += c.toString();
        });
        child.on('close', (code) => resolve({ code, output }));
      });
    const [viaEnv, viaArgv] = await Promise.all([
      run([], { NODE_OPTIONS: '--insecure-http-parser' }),
      run(['--insecure-http-parser'], {}),
    ]);
    for (const result of [viaEnv, viaArgv]) {
      assert.notEqual(result.code, 0);
      assert.match(result.output, /refusing to start: --insecure-http-parser/);
      assert.doesNotMatch(result.output, /started/);
    }
  });

  test('malformed requests get a problem+json 400 and the socket is closed', async () => {
    const result = await probe(port, 'GET /x HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n');
    assert.equal(result.closed, true);
    const response = result.responses[0]!;
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('content-type')?.[0], 'application/problem+json');
    assert.equal(problemCode(response.body), 'bad_request');
    const requestId = response.headers.get('x-request-id')?.[0];
    assert.ok(requestId);
    assert.equal(events.at(-1)?.requestId, requestId);
    assert.equal(events.at(-1)?.code, 'bad_request');
    assert.match(events.at(-1)?.reason ?? '', /^HPE_/);
  });

  test('missing Host (HTTP/1.1 and HTTP/1.0) and a missing or unknown version get a problem+json 400 and a close; the handler never runs', async () => {
    for (const [raw, reason] of [
      ['GET /refused HTTP/1.1\r\n\r\n', 'host_missing'],
      ['GET /refused HTTP/1.0\r\n\r\n', 'host_missing'],
      ['GET /refused\r\n\r\n', 'http_version_unsupported'],
      ['GET /refused HTTP/2.0\r\nHost: a\r\n\r\n', 'http_version_unsupported'],
    ] as const) {
      const result = await probe(port, raw, { graceMs: 200 });
      assert.equal(result.responses[0]?.status, 400, raw);
      assert.equal(problemCode(result.responses[0]!.body), 'bad_request');
      assert.equal(result.closed, true);
      assert.equal(events.at(-1)?.reason, reason);
      assert.equal(events.at(-1)?.requestId, result.responses[0]?.headers.get('x-request-id')?.[0]);
    }
    assert.ok(!handled.includes('GET /refused'));
  });

  test('a protocol upgrade attempt gets a problem+json 400 upgrade_not_allowed and a close', async () => {
    const result = await probe(
      port,
      'GET /refused HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n',
      { graceMs: 200 },
    );
    assert.equal(result.responses[0]?.status, 400);
    assert.equal(problemCode(result.responses[0]!.body), 'upgrade_not_allowed');
    assert.equal(result.closed, true);
    assert.equal(events.at(-1)?.reason, 'upgrade_refused');
    assert.ok(!handled.includes('GET /refused'));
  });

  test('an oversized head gets 431', async () => {
    const result = await probe(port, `GET /x HTTP/1.1\r\nHost: a\r\nX: ${'a'.repeat(20_000)}\r\n\r\n`);
    assert.equal(result.responses[0]?.status, 431);
    assert.equal(problemCode(result.responses[0]!.body), 'headers_too_large');
    assert.equal(result.closed, true);
  });

  test('E-24 slow headers get 408 after the headers timeout and the socket is closed', async () => {
    const started = Date.now();
    const result = await probe(port, 'GET /x HTTP/1.1\r\nHost: a\r\nX-Slow: ', { timeoutMs: 8_000 });
    const elapsed = Date.now() - started;
    assert.equal(result.responses[0]?.status, 408);
    assert.equal(problemCode(result.responses[0]!.body), 'request_timeout');
    assert.equal(result.closed, true);
    assert.ok(elapsed >= 250 && elapsed < 8_000, `took ${elapsed} ms (bounded by the timeout, not hanging)`);
  });

  test('CONNECT is answered 405 and closed', async () => {
    const result = await probe(port, 'CONNECT 127.0.0.2:443 HTTP/1.1\r\nHost: 127.0.0.2:443\r\n\r\n');
    assert.equal(result.responses[0]?.status, 405);
    assert.equal(problemCode(result.responses[0]!.body), 'method_not_allowed');
    assert.equal(result.closed, true);
    assert.equal(events.at(-1)?.reason, 'connect_method');
  });

  test('Expect: 100-continue is left to the handler', async () => {
    const withRelease = await probe(port, [
      'POST /continue HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n',
      'ok',
    ]);
    assert.ok(withRelease.raw.startsWith('HTTP/1.1 100 Continue\r\n'));
    assert.equal(withRelease.responses[0]?.body, 'got 2');
    const without = await probe(
      port,
      'POST /no-continue HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n',
      {
        timeoutMs: 200,
      },
    );
    assert.ok(!without.raw.includes('100 Continue'));
  });

  test('an idle socket (no bytes either way) is destroyed after idleTimeoutMs', async () => {
    const started = Date.now();
    const result = await probe(port, 'GET /hang HTTP/1.1\r\nHost: a\r\n\r\n', { timeoutMs: 8_000 });
    assert.equal(result.closed, true);
    assert.equal(result.responses.length, 0);
    const elapsed = Date.now() - started;
    assert.ok(elapsed >= 350 && elapsed < 8_000, `took ${elapsed} ms (bounded by the timeout, not hanging)`);
  });
});

describe('E-25 slow bodies through the gateway', () => {
  test('a body that does not arrive in time is 408; the upstream is never contacted', async () => {
    const u = await startUpstream();
    const gw = await startGateway(
      [route({ id: 'upload', methods: ['POST'], path: '/upload', upstream: new URL(u.url) })],
      {},
      { headersTimeoutMs: 200, requestTimeoutMs: 400, timeoutCheckIntervalMs: 50 },
    );
    try {
      const result = await probe(
        gw.port,
        'POST /upload HTTP/1.1\r\nHost: gw\r\nContent-Length: 1000\r\n\r\n0123456789',
        {
          timeoutMs: 8_000,
        },
      );
      assert.equal(result.responses[0]?.status, 408);
      assert.equal(result.closed, true);
      assert.equal(u.requests.length, 0);
      await waitFor(() => gw.audits.length === 1);
      assert.equal(gw.audits[0]?.reason, 'body_incomplete');
      assert.equal(gw.audits[0]?.code, 'client_closed');
    } finally {
      await gw.close();
      await u.close();
    }
  });
});

test('handled requests are the only ones that reached the handler', () => {
  assert.ok(!handled.some((h) => h.startsWith('CONNECT')));
  assert.ok(!handled.includes('GET /x'), 'malformed, oversized and slow requests never reached it');
});
