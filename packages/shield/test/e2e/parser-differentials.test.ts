/**
 * Parser differentials between the shield and a typical backend, attacked through a running
 * shield: every protocol header duplicated or re-cased on the gateway, spellings of the shield's
 * own endpoints, and hostile JSON on /v1. Each refusal is checked with NF (nothing forwarded:
 * the upstream's request count is unchanged).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type LiveShield, startLiveShield } from '../support/live-shield.js';
import {
  appleAssertBody,
  attestedAppleDevice,
  challengeFor,
  codeOf,
  debugToken,
  send,
  settle,
} from './e2e-helpers.js';

let live: LiveShield;
let token: string;

before(async () => {
  live = await startLiveShield({ store: 'memory' });
  token = await debugToken(live);
});
after(() => live.close());

/** A raw POST /pay with the given header lines and a `{}` body. */
function payWith(headerLines: string[], target = '/pay'): string {
  return `POST ${target} HTTP/1.1\r\nHost: shield.test\r\n${headerLines.map((line) => `${line}\r\n`).join('')}Content-Length: 2\r\n\r\n{}`;
}

describe('A8-06, E-12: gateway: protocol headers duplicated or re-cased are refused, never "first one wins"', () => {
  const cases: Array<[string, () => string[], number, string, string?]> = [
    [
      'the token twice',
      () => [`Portcullis-Token: ${token}`, `Portcullis-Token: ${token}`],
      400,
      'duplicate_header',
    ],
    [
      'the token twice in two casings',
      () => [`portcullis-token: ${token}`, `PORTCULLIS-TOKEN: ${token}`],
      400,
      'duplicate_header',
    ],
    [
      'an empty token before a real one',
      () => ['Portcullis-Token: ', `Portcullis-Token: ${token}`],
      400,
      'duplicate_header',
    ],
    ['two tokens joined by a comma', () => [`Portcullis-Token: ${token}, ${token}`], 401, 'token_invalid'],
    ['the token under an underscore spelling', () => [`Portcullis_Token: ${token}`], 401, 'token_missing'],
    [
      'the proof twice',
      () => [`Portcullis-Token: ${token}`, 'Portcullis-Proof: v1.1.AA', 'portcullis-proof: v1.1.AA'],
      400,
      'duplicate_header',
    ],
    [
      'Authorization twice',
      () => [`Portcullis-Token: ${token}`, 'Authorization: Bearer a', 'AUTHORIZATION: Bearer b'],
      400,
      'duplicate_header',
    ],
    ['Host twice', () => [`Portcullis-Token: ${token}`, 'host: other.example'], 400, 'duplicate_header'],
    [
      'Content-Type twice',
      () => [`Portcullis-Token: ${token}`, 'Content-Type: application/json', 'content-type: text/plain'],
      400,
      'duplicate_header',
    ],
    [
      'the token in a cookie too',
      () => [`Portcullis-Token: ${token}`, 'Cookie: a=1; portcullis-token=x'],
      400,
      'duplicate_header',
    ],
    ['the token only in a cookie', () => [`Cookie: portcullis_token=${token}`], 401, 'token_missing'],
    [
      'the token in the query too',
      () => [`Portcullis-Token: ${token}`],
      400,
      'duplicate_header',
      `/pay?portcullis-token=${token}`,
    ],
    ['the token only in the query', () => [], 401, 'token_missing', `/pay?app_token=${token}`],
  ];
  for (const [name, headers, status, code, target] of cases) {
    test(`${name}: ${status} ${code}, NF`, async () => {
      const forwarded = live.upstream.requests.length;
      const result = await send(live, payWith(headers(), target));
      assert.equal(result.responses[0]?.status, status, result.raw.slice(0, 300));
      assert.equal(codeOf(result), code);
      await settle();
      assert.equal(live.upstream.requests.length, forwarded, 'NF');
    });
  }

  test('the token with surrounding whitespace is one token (HTTP trims it), forwarded once', async () => {
    const forwarded = live.upstream.requests.length;
    const result = await send(live, payWith([`Portcullis-Token: \t ${token} \t`]));
    assert.equal(result.responses[0]?.status, 200, result.raw.slice(0, 300));
    assert.equal(live.upstream.requests.length, forwarded + 1);
  });

  test('identity headers sent by the client in every casing reach the upstream once, with the shield values', async () => {
    const spoofed = [
      'X-Portcullis-App: other',
      'x-portcullis-app: other',
      'X-PORTCULLIS-LEVEL: hardware',
      'X-Portcullis-Platform: ios',
      'X-Portcullis-Device: stolen-device',
      'x-portcullis-token-id: forged',
      'Portcullis-Verified: true',
    ];
    const forwarded = live.upstream.requests.length;
    const result = await send(live, payWith([`Portcullis-Token: ${token}`, ...spoofed]));
    assert.equal(result.responses[0]?.status, 200, result.raw.slice(0, 300));
    const seen = live.upstream.requests[forwarded]!.headers;
    assert.equal(seen['x-portcullis-app'], 'shop');
    assert.equal(seen['x-portcullis-level'], 'debug');
    assert.equal(seen['x-portcullis-platform'], 'debug');
    assert.equal(seen['x-portcullis-device'], undefined, 'a debug token names no device');
    assert.notEqual(seen['x-portcullis-token-id'], 'forged');
    assert.equal(seen['portcullis-verified'], undefined);
    assert.equal(seen['portcullis-token'], undefined, 'the token never reaches an upstream');
  });

  test('a client-written Forwarded host= or proto= never reaches the upstream (as X-Forwarded-Host/Proto do not)', async () => {
    const forwarded = live.upstream.requests.length;
    const result = await send(
      live,
      payWith([`Portcullis-Token: ${token}`, 'Forwarded: for=198.51.100.7;host=evil.example;proto=https']),
    );
    assert.equal(result.responses[0]?.status, 200, result.raw.slice(0, 300));
    const seen = live.upstream.requests[forwarded]!.headers['forwarded'] ?? '';
    assert.doesNotMatch(seen, /evil\.example/);
    assert.doesNotMatch(seen, /proto=https/);
  });

  test('credentials in a chunked request trailer are never read nor forwarded', async () => {
    const forwarded = live.upstream.requests.length;
    const onlyTrailer = await send(
      live,
      `POST /pay HTTP/1.1\r\nHost: shield.test\r\nTransfer-Encoding: chunked\r\nTrailer: Portcullis-Token\r\n\r\n2\r\n{}\r\n0\r\nPortcullis-Token: ${token}\r\n\r\n`,
    );
    assert.equal(onlyTrailer.responses[0]?.status, 401);
    assert.equal(codeOf(onlyTrailer), 'token_missing');
    await settle();
    assert.equal(live.upstream.requests.length, forwarded, 'NF');

    const withTrailer = await send(
      live,
      `POST /pay HTTP/1.1\r\nHost: shield.test\r\nPortcullis-Token: ${token}\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-Portcullis-App: other\r\nAuthorization: Bearer smuggled\r\n\r\n`,
    );
    assert.equal(withTrailer.responses[0]?.status, 200, withTrailer.raw.slice(0, 300));
    const seen = live.upstream.requests[forwarded]!;
    assert.equal(seen.headers['x-portcullis-app'], 'shop');
    assert.match(seen.headers['authorization'] ?? '', /^Bearer sk_test_canary_/, 'only the injected secret');
    assert.equal(seen.headers['transfer-encoding'], undefined, 'forwarded de-chunked, trailers dropped');
    assert.equal(seen.body, '{}');
  });
});

describe('a request hidden in the body of a refused request is never read as the next one', () => {
  const smuggled = 'POST /catalog HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n';
  const cases: Array<[string, string, number]> = [
    ['GET on a /v1 endpoint (405)', 'GET /v1/attest HTTP/1.1\r\nHost: x\r\n', 405],
    [
      'a /v1 body that is not JSON (415)',
      'POST /v1/challenge HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\n',
      415,
    ],
    [
      'a compressed /v1 body (415)',
      'POST /v1/challenge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\n',
      415,
    ],
    ['a route without its token (401)', 'POST /pay HTTP/1.1\r\nHost: x\r\n', 401],
    ['a method the route does not allow (405)', 'DELETE /pay HTTP/1.1\r\nHost: x\r\n', 405],
    ['GET /livez with a body (200)', 'GET /livez HTTP/1.1\r\nHost: x\r\n', 200],
  ];
  for (const [name, head, status] of cases) {
    test(`${name}: one answer, NF`, async () => {
      const forwarded = live.upstream.requests.length;
      const result = await send(live, `${head}Content-Length: ${smuggled.length}\r\n\r\n${smuggled}`, {
        // After the first answer, wait a while for a second one that must never come.
        graceMs: 150,
      });
      assert.deepEqual(
        result.responses.map((response) => response.status),
        [status],
      );
      await settle();
      assert.equal(live.upstream.requests.length, forwarded, 'NF');
    });
  }
});

describe('method overrides hidden in the body (frameworks such as Laravel read _method from JSON input)', () => {
  const cases: Array<[string, string, string, number]> = [
    ['a JSON _method member', 'application/json', '{"amount":1,"_method":"DELETE"}', 400],
    [
      'a JSON _method member spelled with an escape',
      'application/json',
      '{"amount":1,"\\u005fmethod":"DELETE"}',
      400,
    ],
    ['a +json _method member', 'application/vnd.shop+json', '{"_method":"PUT"}', 400],
    ['a form _method field', 'application/x-www-form-urlencoded', 'amount=1&_method=DELETE', 400],
    ['_method only as a value', 'application/json', '{"note":"_method","amount":1}', 200],
    ['a nested _method member', 'application/json', '{"meta":{"_method":"DELETE"}}', 200],
  ];
  for (const [name, type, body, status] of cases) {
    test(`${name}: ${status}${status === 400 ? ' method_override, NF' : ', forwarded'}`, async () => {
      const forwarded = live.upstream.requests.length;
      const response = await live.post('/pay', body, { 'portcullis-token': token, 'content-type': type });
      assert.equal(response.status, status, response.text);
      await settle();
      assert.equal(live.upstream.requests.length, forwarded + (status === 200 ? 1 : 0));
      if (status === 200) assert.equal(live.upstream.requests.at(-1)?.method, 'POST');
    });
  }
});

describe("the shield's own endpoints answer only their exact spelling", () => {
  const body = '{"appId":"shop"}';
  const targets = [
    '/v1/%63hallenge',
    '/v1/%EF%BD%83hallenge',
    '/V1/challenge',
    '/v1/Challenge',
    '/v1/challenge/',
    '/v1//challenge',
    '//v1/challenge',
    '/v1/./challenge',
    '/v1/x/../challenge',
    '/%2e/v1/challenge',
    '/v1%2fchallenge',
    '/v1/challenge;x=1',
    '/v1/challenge%00',
    '/v1/challenge%20',
    '/v1/challenge?',
    '/v1/challenge?appId=other',
    '/v1/challenge#x',
    '/v1/challenge%c0%af',
    '/v1\\challenge',
    'http://shield.test/v1/challenge',
  ];
  for (const target of targets) {
    test(`POST ${target} is not /v1/challenge: 400 or 404, NF`, async () => {
      const forwarded = live.upstream.requests.length;
      const result = await send(
        live,
        `POST ${target} HTTP/1.1\r\nHost: shield.test\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      const status = result.responses[0]?.status;
      assert.ok(status === 400 || status === 404, `${target}: ${result.raw.slice(0, 200)}`);
      assert.ok(!result.raw.includes('"challenge"'), 'no challenge was issued');
      await settle();
      assert.equal(live.upstream.requests.length, forwarded, 'NF');
    });
  }

  test('raw non-ASCII and control bytes in the target are refused by the parser (400)', async () => {
    for (const target of [Buffer.from('/v1/ｃhallenge', 'utf8'), Buffer.from('/v1/challenge\t', 'latin1')]) {
      const result = await send(
        live,
        Buffer.concat([
          Buffer.from('POST '),
          target,
          Buffer.from(' HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n'),
        ]),
      );
      assert.equal(result.responses[0]?.status, 400, result.raw.slice(0, 200));
    }
  });

  test('spellings of the JWKS path are not the JWKS', async () => {
    for (const target of [
      '/.well-known/jwks%2ejson',
      '/.well-known/JWKS.json',
      '/.well-known//jwks.json',
      '/.well-known/jwks.json/',
    ]) {
      const result = await send(live, `GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      assert.ok(
        [400, 404].includes(result.responses[0]?.status ?? 0),
        `${target}: ${result.raw.slice(0, 120)}`,
      );
      assert.ok(!result.raw.includes('"keys"'));
    }
  });
});

describe('A4-08: /v1 bodies: hostile JSON is refused with a 4xx, never a crash or a repaired value', () => {
  const c43 = 'c'.repeat(43);
  const deepArray = '['.repeat(64_000);
  const manyKeys = `{${Array.from({ length: 7000 }, (_, i) => `"${i}":0`).join(',')}}`;
  const deepSignals = `{"appId":"shop","challenge":"${c43}","evidence":[{"type":"client-signals","signals":{"x":${'['.repeat(20_000)}${']'.repeat(20_000)}}}]}`;
  const cases: Array<[string, string, string, number, string]> = [
    [
      'a __proto__ member',
      '/v1/challenge',
      '{"appId":"shop","__proto__":{"admin":true}}',
      400,
      'bad_request',
    ],
    [
      'a constructor member',
      '/v1/challenge',
      '{"appId":"shop","constructor":{"prototype":{}}}',
      400,
      'bad_request',
    ],
    [
      '__proto__ inside evidence',
      '/v1/attest',
      `{"appId":"shop","challenge":"${c43}","evidence":[{"type":"debug","token":"${c43}","__proto__":{}}]}`,
      400,
      'bad_request',
    ],
    ['appId __proto__', '/v1/challenge', '{"appId":"__proto__"}', 403, 'app_unknown'],
    ['appId constructor', '/v1/challenge', '{"appId":"constructor"}', 403, 'app_unknown'],
    ['appId hasOwnProperty', '/v1/challenge', '{"appId":"hasOwnProperty"}', 403, 'app_unknown'],
    ['appId in upper case', '/v1/challenge', '{"appId":"SHOP"}', 403, 'app_unknown'],
    ['appId in full-width letters', '/v1/challenge', '{"appId":"ｓｈｏｐ"}', 403, 'app_unknown'],
    ['appId with a trailing NUL', '/v1/challenge', '{"appId":"shop\\u0000"}', 403, 'app_unknown'],
    ['appId with a trailing space', '/v1/challenge', '{"appId":"shop "}', 403, 'app_unknown'],
    ['appId as a number', '/v1/challenge', '{"appId":123}', 400, 'bad_request'],
    ['appId as an array', '/v1/challenge', '{"appId":["shop"]}', 400, 'bad_request'],
    ['appId as an object', '/v1/challenge', '{"appId":{"toString":"shop"}}', 400, 'bad_request'],
    [
      'challenge as a number',
      '/v1/attest',
      '{"appId":"shop","challenge":1e43,"evidence":[{"type":"debug","token":"x"}]}',
      400,
      'bad_request',
    ],
    [
      'evidence as an index-keyed object',
      '/v1/attest',
      `{"appId":"shop","challenge":"${c43}","evidence":{"0":{"type":"debug","token":"${c43}"}}}`,
      400,
      'bad_request',
    ],
    [
      'bindAuthorization as a string',
      '/v1/assert',
      `{"appId":"shop","challenge":"${c43}","keyId":"k","assertion":"AA","bindAuthorization":"true"}`,
      400,
      'bad_request',
    ],
    [
      'keyId as a number',
      '/v1/assert',
      `{"appId":"shop","challenge":"${c43}","keyId":7,"assertion":"AA"}`,
      400,
      'bad_request',
    ],
    ['64 000 nested arrays', '/v1/challenge', deepArray, 400, 'bad_request'],
    ['7 000 integer-like keys', '/v1/challenge', manyKeys, 400, 'bad_request'],
    [
      '20 000 nested arrays inside a free-form member (refused by the depth bound)',
      '/v1/attest',
      deepSignals,
      400,
      'bad_request',
    ],
    ['a 70 KB string', '/v1/challenge', `{"appId":"${'s'.repeat(70_000)}"}`, 413, 'payload_too_large'],
    ['a byte-order mark', '/v1/challenge', '\ufeff{"appId":"shop"}', 400, 'bad_request'],
    ['trailing bytes after the value', '/v1/challenge', '{"appId":"shop"}x', 400, 'bad_request'],
    ['two JSON values', '/v1/challenge', '{"appId":"shop"}{"appId":"shop"}', 400, 'bad_request'],
    ['null', '/v1/challenge', 'null', 400, 'bad_request'],
    ['a bare string', '/v1/challenge', '"shop"', 400, 'bad_request'],
    ['an empty body', '/v1/challenge', '', 400, 'bad_request'],
    ['single quotes', '/v1/challenge', "{'appId':'shop'}", 400, 'bad_request'],
  ];
  for (const [name, path, body, status, code] of cases) {
    test(`${path} with ${name}: ${status} ${code}`, async () => {
      const response = await live.post(path, body);
      assert.equal(response.status, status, response.text.slice(0, 300));
      assert.equal(response.body['code'], code);
    });
  }

  test('JSON escapes are decoded once: "\\u0073hop" is the app shop', async () => {
    const response = await live.post('/v1/challenge', '{"appId":"\\u0073hop"}');
    assert.equal(response.status, 200, response.text);
  });

  test('the detail of a refused shape names the member, never echoes a credential', async () => {
    const secretish = 'dbg_not-a-real-credential-but-looks-like-one';
    const response = await live.post('/v1/attest', {
      appId: 'shop',
      challenge: c43,
      evidence: [{ type: 'debug', token: secretish, extra: true }],
    });
    assert.equal(response.status, 400);
    assert.ok(!response.text.includes(secretish));
  });
});

describe('/v1 parser differentials (fixed in the server)', () => {
  test('a member sent twice in a /v1 body is refused, not "last one wins"', async () => {
    const response = await live.post('/v1/challenge', '{"appId":"nope","appId":"shop"}');
    assert.equal(response.status, 400, response.text);
    assert.equal(response.body['code'], 'bad_request');
  });

  test('a /v1 body that is not UTF-8 is refused, not repaired with U+FFFD', async () => {
    const body = Buffer.concat([Buffer.from('{"appId":"sh'), Buffer.from([0xff, 0xfe]), Buffer.from('op"}')]);
    const result = await send(
      live,
      Buffer.concat([
        Buffer.from(
          `POST /v1/challenge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
        ),
        body,
      ]),
    );
    assert.equal(result.responses[0]?.status, 400, result.raw.slice(0, 300));
    assert.equal(codeOf(result), 'bad_request');
  });

  test('a /v1 body declared in a charset other than UTF-8 is refused', async () => {
    const response = await live.post(
      '/v1/challenge',
      { appId: 'shop' },
      {
        'content-type': 'application/json; charset=utf-16',
      },
    );
    assert.equal(response.status, 415, response.text);
  });

  test('Content-Type sent twice to /v1 is refused like on the gateway (duplicate_header)', async () => {
    const body = '{"appId":"shop"}';
    const result = await send(
      live,
      `POST /v1/challenge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Type: text/plain\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
    );
    assert.equal(result.responses[0]?.status, 400, result.raw.slice(0, 300));
    assert.equal(codeOf(result), 'duplicate_header');
  });

  test('Authorization sent twice to /v1/assert is refused, not bound to the first copy', async () => {
    const { device } = await attestedAppleDevice(live);
    const body = JSON.stringify({
      ...appleAssertBody(device, await challengeFor(live)),
      bindAuthorization: true,
    });
    const result = await send(
      live,
      `POST /v1/assert HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer user-a\r\nAuthorization: Bearer user-b\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
    assert.equal(result.responses[0]?.status, 400, result.raw.slice(0, 300));
    assert.equal(codeOf(result), 'duplicate_header');
  });

  test('Expect: 100-continue on /v1 gets its 100 Continue', async () => {
    const body = '{"appId":"shop"}';
    const result = await send(
      live,
      `POST /v1/challenge HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
      { timeoutMs: 1_000 },
    );
    assert.match(result.raw, /^HTTP\/1\.1 100 Continue\r\n/);
  });
});

describe('route budgets read the body the way a case-insensitive backend does', () => {
  let budget: LiveShield;
  before(async () => {
    budget = await startLiveShield({
      extraYaml: `  - id: mail
    match: { methods: [POST], path: /mail }
    upstream: http://127.0.0.1:9
    require: { token: true }
    limits:
      - { per: app, max: 20, window: 1h, cost: { paths: [$.to, $.recipients] } }
`,
    });
  });
  after(() => budget.close());

  // Go's encoding/json (and case-insensitive binders elsewhere) fill one field from every key
  // that folds to its name, the last one winning: the shield must not count one and forward many.
  const cases: Array<[string, string]> = [
    [
      '"to" and "TO"',
      '{"to":["a@x.example"],"TO":["b@x.example","c@x.example","d@x.example","e@x.example"]}',
    ],
    ['"to" and "To"', '{"To":["b@x.example","c@x.example","d@x.example","e@x.example"],"to":"a@x.example"}'],
    [
      '"recipients" and "recipientſ" (long s folds to s)',
      '{"recipients":["a@x.example"],"recipient\u017f":["b@x.example","c@x.example","d@x.example","e@x.example"]}',
    ],
    ['case-folded duplicates one level down', '{"to":["a@x.example"],"meta":{"k":1,"K":2}}'],
  ];
  for (const [name, body] of cases) {
    test(`a body with ${name} is refused as unreadable (400)`, async () => {
      const token = await debugToken(budget);
      const response = await budget.post('/mail', body, { 'portcullis-token': token });
      assert.equal(response.status, 400, response.text);
      assert.equal(response.body['code'], 'bad_request');
    });
  }

  test('a body with distinct member names is counted and forwarded as before', async () => {
    const token = await debugToken(budget);
    const response = await budget.post('/mail', '{"to":["a@x.example"],"subject":"hi","Subject2":"x"}', {
      'portcullis-token': token,
    });
    assert.equal(response.status, 502, 'allowed: the upstream port is closed');
  });
});
