/**
 * Resource exhaustion of the shield itself, through its public listener: challenges issued and
 * never used, floods of distinct invalid tokens, distinct addresses and key ids against the
 * limits, and a slow reader of a large response.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createManualClock } from '../../src/clock.js';
import { createMemoryStores } from '../../src/stores/index.js';
import { type LiveShield, startLiveShield } from '../support/live-shield.js';
import { auditOf, challengeFor, codeOf, debugToken, send, settle } from './e2e-helpers.js';

describe('challenges issued and never used (memory store bound)', () => {
  const clock = createManualClock(Date.UTC(2026, 10, 28, 12, 0, 0));
  let live: LiveShield;
  before(async () => {
    live = await startLiveShield({
      overrides: { clock, stores: createMemoryStores({ maxEntries: 20, sweepIntervalMs: 10 }) },
    });
  });
  after(() => live.close());

  test('a flood fills the bounded store (503, not unbounded memory); expired challenges make room again', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 25; i++) statuses.push((await live.post('/v1/challenge', { appId: 'shop' })).status);
    assert.deepEqual(statuses.slice(0, 20), Array(20).fill(200));
    assert.deepEqual(statuses.slice(20), Array(5).fill(503));
    const full = await live.post('/v1/challenge', { appId: 'shop' });
    assert.equal(full.body['code'], 'store_unavailable');
    assert.ok(Number(full.headers.get('retry-after')) > 0);

    clock.advance(300_001);
    // Any audited request tells the memory stores the time; the gateway's default deny will do.
    assert.equal((await live.post('/nowhere', '{}')).status, 404);
    await settle(30);
    const after = await live.post('/v1/challenge', { appId: 'shop' });
    assert.equal(after.status, 200, after.text);
  });

  test('after a quiet period the very first challenge finds the expired ones gone', async () => {
    for (let i = 0; i < 25; i++) await live.post('/v1/challenge', { appId: 'shop' });
    clock.advance(300_001);
    const first = await live.post('/v1/challenge', { appId: 'shop' });
    assert.equal(first.status, 200, first.text);
  });
});

describe('floods of distinct invalid tokens', () => {
  let live: LiveShield;
  before(async () => {
    live = await startLiveShield({ store: 'memory' });
  });
  after(() => live.close());

  test('300 distinct invalid tokens: each a 401 token_invalid, NF; a valid token still passes', async () => {
    const valid = await debugToken(live);
    const [header, payload, signature] = valid.split('.') as [string, string, string];
    const kinds = [
      () => randomBytes(48).toString('base64url'),
      () => `${header}.${payload}.${randomBytes(64).toString('base64url')}`,
      () =>
        `${Buffer.from(JSON.stringify({ alg: 'ES256', typ: 'app+jwt', kid: randomBytes(16).toString('base64url') })).toString('base64url')}.${payload}.${signature}`,
      () => `${header}.${randomBytes(200).toString('base64url')}.${signature}`,
      () => `${header}.${payload}.${signature}.${randomBytes(8).toString('base64url')}`,
    ];
    const forwarded = live.upstream.requests.length;
    const codes = new Map<string, number>();
    for (let round = 0; round < 6; round++) {
      const batch = Array.from({ length: 50 }, (_, i) => kinds[i % kinds.length]!());
      const responses = await Promise.all(
        batch.map((token) => live.post('/pay', '{}', { 'portcullis-token': token })),
      );
      for (const response of responses) {
        const key = `${response.status} ${String(response.body['code'])}`;
        codes.set(key, (codes.get(key) ?? 0) + 1);
      }
    }
    assert.deepEqual([...codes], [['401 token_invalid', 300]]);
    await settle();
    assert.equal(live.upstream.requests.length, forwarded, 'NF');
    const response = await live.post('/pay', '{}', { 'portcullis-token': valid });
    assert.equal(response.status, 200, response.text);
  });
});

describe('distinct addresses and key ids against the limits', () => {
  let proxied: LiveShield;
  let direct: LiveShield;
  before(async () => {
    const limits = `limits: { endpoints: { challenge: { perIp: { max: 3, windowSeconds: 3600 } }, assert: { perIp: { max: 5, windowSeconds: 3600 } } } }\n`;
    proxied = await startLiveShield({ extraYaml: `http: { trustedProxies: [127.0.0.1] }\n${limits}` });
    direct = await startLiveShield({ extraYaml: limits });
  });
  after(async () => {
    await proxied.close();
    await direct.close();
  });

  async function challengeStatuses(live: LiveShield, headers: string[]): Promise<number[]> {
    const body = '{"appId":"shop"}';
    const statuses: number[] = [];
    for (const header of headers) {
      const result = await send(
        live,
        `POST /v1/challenge HTTP/1.1\r\nHost: x\r\n${header}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`,
      );
      statuses.push(result.responses[0]?.status ?? 0);
    }
    return statuses;
  }

  test('behind a trusted proxy, 12 addresses of one IPv6 /64 are one client', async () => {
    const headers = Array.from(
      { length: 12 },
      (_, i) => `X-Forwarded-For: 2001:db8:7:7:${i.toString(16)}::${i + 1}`,
    );
    assert.deepEqual(await challengeStatuses(proxied, headers), [200, 200, 200, ...Array(9).fill(429)]);
  });

  test('behind a trusted proxy, spellings of one IPv4 address are one client', async () => {
    const spellings = [
      '10.1.2.3',
      '::ffff:10.1.2.3',
      '::ffff:a01:203',
      '0:0:0:0:0:ffff:10.1.2.3',
      '::FFFF:10.1.2.3',
    ];
    const headers = spellings.map((spelling) => `X-Forwarded-For: ${spelling}`);
    assert.deepEqual(await challengeStatuses(proxied, headers), [200, 200, 200, 429, 429]);
  });

  test('without a trusted proxy, rotating forwarding headers never makes a new client', async () => {
    const headers = Array.from({ length: 8 }, (_, i) =>
      [
        `X-Forwarded-For: 10.0.0.${i}`,
        `X-Real-IP: 10.0.1.${i}`,
        `Forwarded: for=10.0.2.${i}`,
        `True-Client-IP: 10.0.3.${i}`,
        `CF-Connecting-IP: 10.0.4.${i}`,
      ].join('\r\n'),
    );
    assert.deepEqual(await challengeStatuses(direct, headers), [200, 200, 200, ...Array(5).fill(429)]);
  });

  test('distinct made-up key ids do not multiply an address’s assert allowance', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const response = await direct.post('/v1/assert', {
        appId: 'shop',
        challenge: 'c'.repeat(43),
        keyId: randomBytes(32).toString('base64'),
        assertion: 'AAAA',
      });
      statuses.push(response.status);
    }
    assert.deepEqual(statuses, [...Array(5).fill(400), ...Array(5).fill(429)]);
  });
});

describe('spellings of one user against a per-user limit', () => {
  let live: LiveShield;
  before(async () => {
    live = await startLiveShield({
      extraYaml: `  - id: per-user
    match: { methods: [POST], path: /per-user }
    upstream: http://127.0.0.1:9
    require: { token: true }
    limits: [ { per: user, max: 2, window: 1h } ]
`,
    });
  });
  after(() => live.close());

  test('one Authorization spelled with another scheme case or spacing is still one user', async () => {
    const token = await debugToken(live);
    // RFC 9110 §11.1: the scheme is case-insensitive, so a backend accepts all three spellings.
    const spellings = [
      'Bearer user-a-0001',
      'bearer user-a-0001',
      'BEARER   user-a-0001',
      'Bearer\tuser-a-0001',
    ];
    const statuses: number[] = [];
    for (const authorization of spellings) {
      const result = await send(
        live,
        `POST /per-user HTTP/1.1\r\nHost: x\r\nPortcullis-Token: ${token}\r\nAuthorization: ${authorization}\r\nContent-Length: 0\r\n\r\n`,
      );
      statuses.push(result.responses[0]?.status ?? 0);
    }
    // The upstream port is closed: an allowed request is a 502, a limited one a 429.
    assert.deepEqual(statuses, [502, 502, 429, 429]);
  });
});

describe('a slow reader of a large response', () => {
  const total = 96 * 1024 * 1024;
  let upstream: Server;
  let live: LiveShield;
  let progress = { written: 0, finished: false, closed: false };
  before(async () => {
    const chunk = Buffer.alloc(64 * 1024, 0x61);
    upstream = createServer((req, res: ServerResponse) => {
      progress = { written: 0, finished: false, closed: false };
      req.resume();
      res.on('close', () => {
        progress.closed = true;
      });
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': total });
      const pump = () => {
        while (progress.written < total) {
          progress.written += chunk.length;
          if (!res.write(chunk)) {
            res.once('drain', pump);
            return;
          }
        }
        progress.finished = true;
        res.end();
      };
      pump();
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const port = (upstream.address() as AddressInfo).port;
    live = await startLiveShield({
      extraYaml: `  - id: big
    match: { methods: [GET], path: /big }
    upstream: http://127.0.0.1:${port}
    public: true
`,
    });
  });
  after(async () => {
    await live.close();
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  test('backpressure reaches the upstream (nothing is buffered without bound); leaving aborts it', async () => {
    const socket = connect(Number(new URL(live.url).port), '127.0.0.1');
    let head = '';
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.on('data', function onData(data: Buffer) {
        head += data.toString('latin1');
        if (head.includes('\r\n\r\n')) {
          socket.off('data', onData);
          socket.pause();
          resolve();
        }
      });
      socket.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    assert.match(head, /^HTTP\/1\.1 200 /);
    const requestId = /x-request-id: ([0-9a-f-]+)/i.exec(head)?.[1] ?? '';
    // The reader reads nothing more: the upstream must stall far short of the whole body.
    let stalledAt = -1;
    for (let i = 0; i < 100; i++) {
      await settle(30);
      if (stalledAt === progress.written) break;
      stalledAt = progress.written;
    }
    assert.equal(progress.finished, false, 'the whole response was buffered somewhere');
    assert.ok(progress.written < total / 2, `${progress.written} bytes left the upstream`);

    socket.destroy();
    for (let i = 0; i < 100 && !progress.closed; i++) await settle(20);
    assert.equal(progress.closed, true, 'the upstream request was aborted when the client left');
    const row = await auditOf(live, requestId);
    assert.equal(row.reason, 'client_aborted');
  });
});

describe('unauthenticated probes that reach the stores', () => {
  let live: LiveShield;
  let pings = 0;
  before(async () => {
    const stores = createMemoryStores();
    const ping = stores.ping.bind(stores);
    stores.ping = async () => {
      pings++;
      await settle(20);
      return ping();
    };
    live = await startLiveShield({ overrides: { stores } });
  });
  after(() => live.close());

  test('200 concurrent /readyz cost the store a few pings, not 200 (a store round trip per anonymous request)', async () => {
    pings = 0;
    const responses = await Promise.all(Array.from({ length: 200 }, () => fetch(`${live.url}/readyz`)));
    assert.ok(responses.every((response) => response.status === 200));
    assert.ok(pings <= 5, `${pings} store pings`);
  });
});

describe('oversized requests are refused before they cost anything', () => {
  let live: LiveShield;
  before(async () => {
    live = await startLiveShield({ store: 'memory' });
  });
  after(() => live.close());

  test('a body declared over the limit on /v1 and on a route: 413 before reading, connection closed, NF', async () => {
    const token = await debugToken(live);
    for (const [target, extra] of [
      ['/v1/attest', 'Content-Type: application/json\r\n'],
      ['/pay', `Portcullis-Token: ${token}\r\n`],
    ] as const) {
      const forwarded = live.upstream.requests.length;
      const result = await send(
        live,
        `POST ${target} HTTP/1.1\r\nHost: x\r\n${extra}Content-Length: 1073741824\r\n\r\n{"a":`,
        { graceMs: 500 },
      );
      assert.equal(result.responses[0]?.status, 413, result.raw.slice(0, 200));
      assert.equal(codeOf(result), 'payload_too_large');
      assert.equal(result.closed, true, 'the connection is closed');
      await settle();
      assert.equal(live.upstream.requests.length, forwarded, 'NF');
    }
    assert.equal((await live.post('/v1/challenge', { appId: 'shop' })).status, 200, 'still serving');
    assert.ok(await challengeFor(live));
  });
});
