/**
 * Raw-socket probes of malformed and hostile HTTP (docs/threat-model.md §E, A5, A7, A9), each
 * checking the status, U's request count (NF: nothing forwarded) and that the attacker sink K got
 * no connection. Cases marked "Node" are refused by Node's own parser: they stay as regression
 * tests against `insecureHTTPParser`, a Node downgrade or a server swap.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  type ProbeResult,
  probe,
  type RunningGateway,
  route,
  type Sink,
  startGateway,
  startSink,
  startUpstream,
  type Upstream,
} from './test-support/harness.js';

let u: Upstream;
let k: Sink;
let gw: RunningGateway;
let token: string;

before(async () => {
  u = await startUpstream();
  k = await startSink();
  const upstream = new URL(u.url);
  gw = await startGateway([
    route({ id: 'public', methods: ['GET', 'POST'], path: '/public/*', upstream }),
    route({ id: 'catalog', methods: ['GET'], path: '/catalog', upstream }),
    route({
      id: 'pay',
      methods: ['GET', 'POST'],
      path: '/pay/*',
      upstream,
      public: false,
      require: { token: true },
    }),
    route({
      id: 'v2-pay',
      methods: ['POST'],
      path: '/v2/pay/session',
      upstream,
      public: false,
      require: { token: true },
    }),
  ]);
  token = await gw.issuer.mint();
});

after(async () => {
  await gw.close();
  await u.close();
  await k.close();
});

interface Outcome {
  result: ProbeResult;
  statuses: number[];
  forwarded: string[];
}

async function send(raw: string, responses = 1): Promise<Outcome> {
  const before = u.requests.length;
  const result = await probe(gw.port, raw, { responses, timeoutMs: 1_500 });
  // Leave time for anything that was (wrongly) forwarded to arrive before counting.
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(k.connections, 0, 'K received 0 connections');
  return {
    result,
    statuses: result.responses.map((r) => r.status),
    forwarded: u.requests.slice(before).map((r) => `${r.method} ${r.url}`),
  };
}

function codeOf(result: ProbeResult, index = 0): string | undefined {
  const response = result.responses[index];
  if (response === undefined || response.body === '') return undefined;
  return (JSON.parse(response.body) as { code?: string }).code;
}

/** Refused with `status`, nothing forwarded, and (for framing errors) the connection closed. */
async function refused(
  raw: string,
  status: number,
  options: { closes?: boolean; code?: string } = {},
): Promise<void> {
  const outcome = await send(raw);
  assert.deepEqual(outcome.statuses, [status], JSON.stringify(raw.slice(0, 80)));
  assert.deepEqual(outcome.forwarded, [], 'nothing forwarded');
  if (options.closes ?? true) assert.equal(outcome.result.closed, true, 'connection closed');
  if (options.code !== undefined) assert.equal(codeOf(outcome.result), options.code);
}

const SMUGGLED = 'GET /admin HTTP/1.1\r\nHost: gw\r\n\r\n';

describe('E.1 request smuggling and framing', () => {
  test('E-01 CL.TE is refused and closed (Node)', async () => {
    await refused(
      'POST /pay/session HTTP/1.1\r\nHost: gw\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG',
      400,
    );
  });

  test('E-02 TE.CL is refused; U never sees /admin (Node)', async () => {
    await refused(
      'POST /public/a HTTP/1.1\r\nHost: gw\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n5c\r\nGET /admin HTTP/1.1\r\nHost: gw\r\nContent-Length: 15\r\n\r\nx=1\r\n0\r\n\r\n',
      400,
    );
  });

  const obfuscations = [
    'Transfer-Encoding: xchunked',
    'Transfer-Encoding: chunked, identity',
    'Transfer-Encoding: identity',
    'Transfer-Encoding: chunked\r\nTransfer-Encoding: identity',
    'Transfer-Encoding : chunked',
    'Transfer-Encoding:\x0bchunked',
    'Transfer-Encoding:\x0cchunked',
    'Transfer-Encoding: chunked,',
    'Transfer-Encoding:\r\n chunked',
    'Transfer-Encoding: \xa0chunked\xa0',
    'X: X\nTransfer-Encoding: chunked',
  ];
  /** Spellings Node reads as plain `chunked`: one consistent interpretation, never a desync. */
  const equivalents = [
    'Transfer-Encoding:\tchunked',
    'Transfer-Encoding: ,chunked',
    'Transfer-encoding: CHUNKED',
  ];

  test('E-03 TE.TE obfuscations alone and with Content-Length are refused (Node)', async () => {
    for (const header of obfuscations) {
      await refused(`POST /public/a HTTP/1.1\r\nHost: gw\r\n${header}\r\n\r\n0\r\n\r\n${SMUGGLED}`, 400);
      await refused(
        `POST /public/a HTTP/1.1\r\nHost: gw\r\n${header}\r\nContent-Length: 5\r\n\r\n0\r\n\r\n${SMUGGLED}`,
        400,
      );
    }
    for (const header of equivalents) {
      await refused(
        `POST /public/a HTTP/1.1\r\nHost: gw\r\n${header}\r\nContent-Length: 5\r\n\r\n0\r\n\r\n${SMUGGLED}`,
        400,
      );
    }
  });

  test('E-03 spellings equal to chunked get one consistent reading: U sees one request, /admin is its own 404', async () => {
    for (const header of equivalents) {
      const outcome = await send(
        `POST /public/a HTTP/1.1\r\nHost: gw\r\n${header}\r\n\r\n0\r\n\r\n${SMUGGLED}`,
        2,
      );
      assert.deepEqual(outcome.statuses, [200, 404], header);
      assert.deepEqual(outcome.forwarded, ['POST /public/a'], header);
      assert.equal(codeOf(outcome.result, 1), 'route_not_found');
    }
  });

  test('E-03 TE with HTTP/1.0: the request is answered once and the trailing bytes are dropped', async () => {
    const outcome = await send(
      `POST /public/a HTTP/1.0\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${SMUGGLED}`,
      2,
    );
    assert.deepEqual(outcome.statuses, [200]);
    assert.deepEqual(outcome.forwarded, ['POST /public/a']);
    assert.equal(outcome.result.closed, true);
  });

  test('E-04 Content-Length abuse is refused (Node)', async () => {
    const values = [
      '1\r\nContent-Length: 0',
      '1\r\nContent-Length: 1',
      '1, 1',
      '+5',
      '0x10',
      '5_0',
      '-1',
      '',
      '1Z',
      '99999999999999999999',
    ];
    for (const value of values) {
      await refused(
        `POST /public/a HTTP/1.1\r\nHost: gw\r\nContent-Length: ${value}\r\n\r\nhello${SMUGGLED}`,
        400,
      );
    }
    await refused(
      `POST /public/a HTTP/1.1\r\nHost: gw\r\nContent-Length\x85: 10\r\n\r\nhello${SMUGGLED}`,
      400,
    );
    await refused(`POST /public/a HTTP/1.1\r\nHost: gw\r\n Content-Length: 5\r\n\r\nhello${SMUGGLED}`, 400);
  });

  test('E-04 a leading zero is the same length: one consistent reading', async () => {
    const outcome = await send(
      `POST /public/a HTTP/1.1\r\nHost: gw\r\nContent-Length: 05\r\n\r\nhello${SMUGGLED}`,
      2,
    );
    assert.deepEqual(outcome.statuses, [200, 404]);
    assert.deepEqual(outcome.forwarded, ['POST /public/a']);
    assert.equal(u.requests.at(-1)?.body.toString(), 'hello');
  });

  test('E-05 line terminator and control character tricks are refused (Node)', async () => {
    const probes = [
      'GET /public/a HTTP/1.1\nHost: gw\n\n',
      'GET /public/a HTTP/1.1\r\nHost: gw\r\nX: a\rSmuggled: b\r\n\r\n',
      'GET /public/a HTTP/1.1\r\nHost: a\r\n\rZGET /evil HTTP/1.1\r\nHost: a\r\n\r\n',
      'GET /public/a HTTP/1.1\r\nHost: gw\r\nX: a\x00b\r\n\r\n',
      'GET /public/a HTTP/1.1\r\nHost: gw\r\nX\x01Y: a\r\n\r\n',
      'GET /public/a HTTP/1.1\r\nHost: gw\r\nX\xefY: a\r\n\r\n',
      'GET /public/a HTTP/1.1\r\nHost: gw\r\n: x\r\n\r\n',
    ];
    for (const raw of probes) await refused(raw, 400);
  });

  test('E-06 chunk-size and chunk-extension tricks are refused and closed (Node)', async () => {
    for (const size of ['0x5', ' 5', '5 ', '-0', '+5', '5_0', 'ffffffffffffffff1']) {
      await refused(
        `POST /public/a HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n${size}\r\nhello\r\n0\r\n\r\n`,
        400,
      );
    }
    await refused(
      'POST /public/a HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\r;x\r\nhello\r\n0\r\n\r\n',
      400,
    );
    await refused(
      'POST /public/a HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n',
      400,
    );
    await refused(
      'POST /public/a HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloX0\r\n\r\n',
      400,
    );
  });

  test('E-08 pipelining: an unauthorised second request gets its own 401 and is not forwarded', async () => {
    const outcome = await send(
      'GET /public/a HTTP/1.1\r\nHost: gw\r\n\r\nPOST /pay/session HTTP/1.1\r\nHost: gw\r\nContent-Length: 0\r\n\r\n',
      2,
    );
    assert.deepEqual(outcome.statuses, [200, 401]);
    assert.equal(codeOf(outcome.result, 1), 'token_missing');
    assert.deepEqual(outcome.forwarded, ['GET /public/a']);
  });

  test('E-08 CL0 body poison: U never sees a request starting with XGET', async () => {
    const outcome = await send(
      'POST /public/a HTTP/1.1\r\nHost: gw\r\nContent-Length: 0\r\n\r\nXGET /public/b HTTP/1.1\r\nHost: gw\r\n\r\n',
      2,
    );
    assert.deepEqual(outcome.statuses, [200]);
    assert.deepEqual(outcome.forwarded, ['POST /public/a']);
    assert.equal(outcome.result.closed, true);
  });

  test('E-13 / A7-01 absolute-form targets are refused; K gets nothing', async () => {
    await refused(`GET http://127.0.0.2:${k.port}/latest/meta-data HTTP/1.1\r\nHost: gw\r\n\r\n`, 400, {
      closes: false,
      code: 'path_rejected',
    });
    await refused(`GET http://${k.host}:${k.port}/x HTTP/1.1\r\nHost: ${k.host}:${k.port}\r\n\r\n`, 400, {
      closes: false,
    });
  });

  test('E-13 CONNECT is 405 and closed; OPTIONS * is answered locally', async () => {
    await refused(`CONNECT 127.0.0.2:${k.port} HTTP/1.1\r\nHost: 127.0.0.2:${k.port}\r\n\r\n`, 405, {
      code: 'method_not_allowed',
    });
    const outcome = await send('OPTIONS * HTTP/1.1\r\nHost: gw\r\n\r\n');
    assert.deepEqual(outcome.statuses, [204]);
    assert.deepEqual(outcome.forwarded, []);
  });

  test('E-16 path normalisation bypass set: refused, or evaluated and forwarded as the protected path', async () => {
    const expected: [string, number][] = [
      ['/public/../pay/session', 400],
      ['/public/%2e%2e/pay/session', 400],
      ['/public/%2E%2E/pay/session', 400],
      ['/public/.%2e/pay/session', 400],
      ['/public/..%2fpay/session', 400],
      ['/public/..%5cpay/session', 400],
      ['/public/%252e%252e/pay/session', 400],
      ['/public/..;/pay/session', 400],
      ['/public;x=1/../pay/session', 400],
      ['/public/..;x/pay/session', 400],
      ['/public\\..\\pay\\session', 400],
      ['/PAY/session', 404],
      ['/pay//session', 400],
      ['/pay/./session', 400],
      ['/pay/session/', 400],
      ['/pay/sess%69on', 401],
      ['/pay/session%00', 400],
      ['/pay/session%20', 401],
      ['/pay/session%0d%0aX:1', 400],
      ['/pay/session#frag', 400],
      ['/public/%c0%ae%c0%ae/pay/session', 400],
      ['/public/%ef%bc%8f..%ef%bc%8fpay', 400],
      ['/public/%ef%bc%8fpay', 400],
    ];
    for (const [target, status] of expected) {
      const outcome = await send(`GET ${target} HTTP/1.1\r\nHost: gw\r\n\r\n`);
      assert.deepEqual(outcome.statuses, [status], target);
      assert.deepEqual(outcome.forwarded, [], target);
      const code = codeOf(outcome.result);
      assert.equal(
        code,
        status === 400 ? 'path_rejected' : status === 401 ? 'token_missing' : 'route_not_found',
        target,
      );
    }
    // With a token, the decoded spelling reaches U as the canonical path the policy evaluated.
    const outcome = await send(
      `GET /pay/sess%69on HTTP/1.1\r\nHost: gw\r\nPortcullis-Token: ${token}\r\n\r\n`,
    );
    assert.deepEqual(outcome.statuses, [200]);
    assert.deepEqual(outcome.forwarded, ['GET /pay/session']);
  });

  test('E-17 Host tricks are ignored for routing; U gets its own Host', async () => {
    for (const host of [`gw:443@127.0.0.2`, `[::1]:${k.port}`, '', 'gw/x', `127.0.0.2:${k.port}`]) {
      const outcome = await send(`GET /public/a HTTP/1.1\r\nHost: ${host}\r\n\r\n`);
      assert.deepEqual(outcome.statuses, [200], host);
      assert.deepEqual(outcome.forwarded, ['GET /public/a'], host);
      const seen = u.requests.at(-1)!;
      assert.equal(
        seen.rawHeaders[seen.rawHeaders.findIndex((h) => h.toLowerCase() === 'host') + 1],
        `127.0.0.1:${u.port}`,
      );
    }
  });
});

describe('E.2 / E.3 identity, oversize, methods', () => {
  test('E-23 oversize: 17 KB of headers 431 (Node), 10 KB URL 414, 101 headers 431', async () => {
    await refused(`GET /public/a HTTP/1.1\r\nHost: gw\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`, 431);
    await refused(`GET /public/${'a'.repeat(10 * 1024)} HTTP/1.1\r\nHost: gw\r\n\r\n`, 414, {
      closes: false,
      code: 'uri_too_long',
    });
    const many = Array.from({ length: 100 }, (_, i) => `X-H${i}: v`).join('\r\n');
    await refused(`GET /public/a HTTP/1.1\r\nHost: gw\r\n${many}\r\n\r\n`, 431, {
      closes: false,
      code: 'headers_too_large',
    });
    const fine = Array.from({ length: 99 }, (_, i) => `X-H${i}: v`).join('\r\n');
    const outcome = await send(`GET /public/a HTTP/1.1\r\nHost: gw\r\n${fine}\r\n\r\n`);
    assert.deepEqual(outcome.statuses, [200], '100 headers are fine');
  });

  test('E-29 unusual methods: TRACE/PROPFIND 405, CONNECT 405, TRACK/FOO/get/PoSt 400 (Node)', async () => {
    await refused('TRACE /public/a HTTP/1.1\r\nHost: gw\r\n\r\n', 405, {
      closes: false,
      code: 'method_not_allowed',
    });
    await refused('PROPFIND /public/a HTTP/1.1\r\nHost: gw\r\n\r\n', 405, { closes: false });
    await refused('CONNECT /public/a HTTP/1.1\r\nHost: gw\r\n\r\n', 405);
    for (const method of ['TRACK', 'FOO', 'get', 'PoSt'])
      await refused(`${method} /public/a HTTP/1.1\r\nHost: gw\r\n\r\n`, 400);
  });

  test('E-34 prototype-named headers do not crash anything', async () => {
    const outcome = await send(
      'GET /public/a HTTP/1.1\r\nHost: gw\r\n__proto__: x\r\nconstructor: x\r\nhasOwnProperty: x\r\n\r\n',
    );
    assert.deepEqual(outcome.statuses, [200]);
    assert.deepEqual(outcome.forwarded, ['GET /public/a']);
  });

  test('E-35 malformed request lines are refused (Node)', async () => {
    for (const line of [
      'GET / HTTP/1.32',
      'GET / HTTP/4294967295.255',
      'G=":<>(e),[T];?" /get HTTP/1.1',
      'GET ! HTTP/1.1',
      '\x00 / HTTP/1.1',
    ]) {
      await refused(`${line}\r\nHost: gw\r\n\r\n`, 400);
    }
    await refused('GET /public/a HTTP/1.1\r\n\r\n', 400);
  });
});

describe('A5 / A9 default deny', () => {
  test('A5-01 unknown paths are 404 and nothing is proxied', async () => {
    for (const path of ['/admin', '/internal/metrics', '/actuator/env', '/debug/pprof', '/.env']) {
      await refused(`GET ${path} HTTP/1.1\r\nHost: gw\r\n\r\n`, 404, {
        closes: false,
        code: 'route_not_found',
      });
    }
  });

  test('A5-02 a method the route does not list is 405 with Allow', async () => {
    const outcome = await send(
      `DELETE /pay/session HTTP/1.1\r\nHost: gw\r\nPortcullis-Token: ${token}\r\n\r\n`,
    );
    assert.deepEqual(outcome.statuses, [405]);
    assert.equal(outcome.result.responses[0]!.headers.get('allow')?.[0], 'GET, POST');
    assert.deepEqual(outcome.forwarded, []);
    await refused('PUT /v2/pay/session HTTP/1.1\r\nHost: gw\r\nContent-Length: 0\r\n\r\n', 405, {
      closes: false,
    });
  });

  test('A5-04 route-matching variants get the canonical policy or a refusal, never a pass-through', async () => {
    const expected: [string, number][] = [
      ['/Pay/Session', 404],
      ['/pay/session/', 400],
      ['/pay//session', 400],
      ['/pay/session.json', 401],
      ['/pay/session;x', 400],
    ];
    for (const [target, status] of expected) {
      await refused(`POST ${target} HTTP/1.1\r\nHost: gw\r\nContent-Length: 0\r\n\r\n`, status, {
        closes: false,
      });
    }
  });

  test('A9-01 an old API version with no route is 404', async () => {
    await refused(
      `POST /v1/pay/session HTTP/1.1\r\nHost: gw\r\nPortcullis-Token: ${token}\r\nContent-Length: 0\r\n\r\n`,
      404,
      {
        closes: false,
      },
    );
  });
});
