import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { AppTokenClaims } from '@portcullis/protocol';
import { createManualClock } from '../clock.js';
import { createHttpServer, type GatewayCheckContext } from '../gateway/index.js';
import { TEST_IDENTIFIERS } from '../gateway/test-support/harness.js';
import { createRevocationCheck } from '../server/create-revocation-check.js';
import {
  type AuditRecord,
  createMemoryStores,
  type NewDevice,
  type Stores,
  StoreUnavailableError,
} from '../stores/index.js';
import { createKeyStore, type KeyStore } from '../tokens/index.js';
import { type AdminHandler, type AdminHandlerOptions, createAdminHandler } from './create-admin-handler.js';
import { parseExposition } from './test-support/parse-exposition.js';

const T0 = Date.UTC(2026, 4, 1, 12, 0, 0);
const TOKEN = 'pcadm_Q8x+vL2/7hYtKzW1mN0pR4sU6wE9aB3cD5fG7jH=';
const TOKEN_SHA256 = createHash('sha256').update(TOKEN).digest('hex');

// Key ids as the stores hold them: App Attest's are standard base64 (with `/`, `+`, `=`).
const APPLE = 'bSw/OQ+3d4cIa6mG0tLRvGcbwMvYDpg91q1ztcRiVRE=';
const ANDROID = 'Q2hhaW4tdGh1bWJwcmludC1iYXNlNjR1cmw';
const BANK = 'k-bank-1';

function device(keyId: string, appId: string, platform: NewDevice['platform']): NewDevice {
  return {
    keyId,
    appId,
    platform,
    level: platform === 'ios' ? 'hardware' : 'device',
    publicKeyJwk: { kty: 'EC', crv: 'P-256', x: 'x'.repeat(43), y: 'y'.repeat(43) },
    counter: 0,
    receipt: platform === 'ios' ? new Uint8Array([1, 2, 3, 4]) : null,
    testRoot: false,
    attestation: {
      evidence: [platform === 'ios' ? 'apple-app-attest' : 'android-key-attestation'],
      environment: platform === 'ios' ? 'production' : null,
      policy: '{}',
    },
    firstSeen: T0 - 3_600_000,
  };
}

function auditRow(overrides: Partial<AuditRecord>): AuditRecord {
  return {
    ts: T0,
    requestId: 'req',
    instance: 'edge-1',
    event: 'gateway',
    decision: 'allow',
    code: 'ok',
    reason: null,
    appId: 'shop',
    routeId: 'payments',
    method: 'POST',
    path: '/pay',
    clientIp: '203.0.113.9',
    deviceIdHash: null,
    userIdHash: null,
    tokenJti: null,
    level: 'hardware',
    upstreamStatus: 200,
    latencyMs: 3,
    details: null,
    ...overrides,
  };
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

interface Listener {
  handler: AdminHandler;
  server: Server;
  port: number;
}

async function listen(
  options: Omit<AdminHandlerOptions, 'identifiers'> & { identifiers?: AdminHandlerOptions['identifiers'] },
): Promise<Listener> {
  const handler = createAdminHandler({ identifiers: TEST_IDENTIFIERS, ...options });
  const server = createHttpServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { handler, server, port: (server.address() as AddressInfo).port };
}

async function stop(listener: Listener): Promise<void> {
  listener.handler.close();
  listener.server.closeAllConnections();
  await new Promise((resolve) => listener.server.close(resolve));
}

/**
 * One request with the path sent byte for byte (no URL normalisation, unlike fetch). `token`:
 * undefined sends the right admin token, null none, a string that string. Every answer is checked
 * for the token and its hash.
 */
function call(
  listener: Listener,
  method: string,
  path: string,
  options: { token?: string | null; headers?: string[]; body?: string; contentType?: string } = {},
): Promise<Answer> {
  // A raw header list: Node adds no Host of its own then.
  const headers: string[] = ['Host', `127.0.0.1:${listener.port}`];
  const token = options.token === undefined ? TOKEN : options.token;
  if (token !== null) headers.push('Authorization', `Bearer ${token}`);
  if (options.body !== undefined) headers.push('Content-Type', options.contentType ?? 'application/json');
  headers.push(...(options.headers ?? []));
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: listener.port, method, path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const shown = `${JSON.stringify(res.headers)}\n${text}`;
          assert.ok(!shown.includes(TOKEN), 'the admin token is never echoed');
          assert.ok(!shown.includes(TOKEN_SHA256), 'nor its hash');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

function assertProblem(answer: Answer, status: number, code: string): Record<string, unknown> {
  assert.equal(answer.status, status, answer.text);
  assert.match(String(answer.headers['content-type']), /^application\/problem\+json/);
  assert.equal(answer.headers['cache-control'], 'no-store');
  const body = answer.json as Record<string, unknown>;
  assert.equal(body['code'], code, answer.text);
  assert.equal(body['status'], status);
  assert.equal(body['requestId'], answer.headers['x-request-id']);
  return body;
}

function assertOk(answer: Answer): Record<string, unknown> {
  assert.equal(answer.status, 200, answer.text);
  assert.equal(answer.headers['cache-control'], 'no-store');
  assert.match(String(answer.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  return answer.json as Record<string, unknown>;
}

const clock = createManualClock(T0);
const audited: Array<Omit<AuditRecord, 'instance'>> = [];
const errors: unknown[] = [];
let extraStats: Record<string, number> = {};
let stores: Stores;
let keys: KeyStore;
let keyDir: string;
let admin: Listener;

before(async () => {
  stores = createMemoryStores();
  for (const d of [
    device(APPLE, 'shop', 'ios'),
    device(ANDROID, 'shop', 'android'),
    device(BANK, 'bank', 'ios'),
  ]) {
    await stores.devices.register(d);
  }
  for (const row of [
    auditRow({ ts: T0 - 5000, requestId: 'r1', event: 'challenge' }),
    auditRow({ ts: T0 - 4000, requestId: 'r2', decision: 'deny', code: 'token_invalid' }),
    auditRow({ ts: T0 - 3000, requestId: 'r3', event: 'attest' }),
    auditRow({ ts: T0 - 2000, requestId: 'r4', decision: 'limit', code: 'rate_limited' }),
    auditRow({ ts: T0 - 1000, requestId: 'r5', decision: 'deny', code: 'proof_invalid' }),
  ]) {
    await stores.audit.append(row);
  }
  keyDir = mkdtempSync(join(tmpdir(), 'portcullis-admin-'));
  keys = createKeyStore({ dir: keyDir, alg: 'ES256', clock });
  await keys.load();
  admin = await listen({
    tokenSha256: TOKEN_SHA256,
    stores,
    keys,
    clock,
    stats: () => ({ audit_records_written_total: 12, audit_records_pending: 1, ...extraStats }),
    audit: (record) => audited.push(record),
    onError: (error) => errors.push(error),
    // The throttle has its own test below; here wrong tokens must not lock the other tests out.
    throttle: { maxFailures: 1000 },
  });
});

after(async () => {
  await stop(admin);
  await stores.close();
  rmSync(keyDir, { recursive: true, force: true });
});

describe('createAdminHandler: options', () => {
  test('refuses a tokenSha256 that is not 64 hex digits', () => {
    const base = {
      stores: createMemoryStores(),
      keys: { list: () => [] },
      identifiers: TEST_IDENTIFIERS,
      clock,
      stats: () => ({}),
    };
    for (const tokenSha256 of ['', 'abc', TOKEN, `${TOKEN_SHA256}0`, 'g'.repeat(64)]) {
      assert.throws(() => createAdminHandler({ ...base, tokenSha256 }), TypeError);
    }
    createAdminHandler({ ...base, tokenSha256: TOKEN_SHA256.toUpperCase() }).close();
  });
});

describe('authentication', () => {
  const protectedRoutes: Array<[string, string]> = [
    ['GET', '/metrics'],
    ['GET', '/audit'],
    ['GET', '/devices'],
    ['GET', `/devices/${encodeURIComponent(APPLE)}`],
    ['POST', `/devices/${encodeURIComponent(BANK)}/revoke`],
    ['GET', '/keys'],
  ];

  test('/livez needs no token', async () => {
    const answer = await call(admin, 'GET', '/livez', { token: null });
    assert.deepEqual(assertOk(answer), { status: 'ok' });
    assert.match(String(answer.headers['content-type']), /^application\/json/);
    const head = await call(admin, 'HEAD', '/livez', { token: null });
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
  });

  test('every other endpoint answers 401 token_missing without a token, with a Bearer challenge', async () => {
    for (const [method, path] of protectedRoutes) {
      const answer = await call(admin, method, path, { token: null });
      assertProblem(answer, 401, 'token_missing');
      assert.equal(answer.headers['www-authenticate'], 'Bearer realm="portcullis-admin"', path);
    }
    assert.equal((await stores.devices.get(BANK))?.revokedAt, null, 'nothing was revoked');
  });

  test('a wrong, malformed or other-scheme token is 401 token_invalid; two Authorization headers are 400', async () => {
    const before = audited.length;
    for (const token of [`x${TOKEN}`, TOKEN.slice(1), 'not a token', TOKEN_SHA256]) {
      for (const [method, path] of protectedRoutes) {
        const answer = await call(admin, method, path, { token });
        assertProblem(answer, 401, 'token_invalid');
        assert.equal(
          answer.headers['www-authenticate'],
          'Bearer realm="portcullis-admin", error="invalid_token"',
        );
      }
    }
    const basic = await call(admin, 'GET', '/metrics', {
      token: null,
      headers: ['Authorization', `Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`],
    });
    assertProblem(basic, 401, 'token_invalid');
    const twice = await call(admin, 'GET', '/keys', { headers: ['Authorization', `Bearer ${TOKEN}`] });
    assertProblem(twice, 400, 'duplicate_header');
    const refusals = audited.slice(before);
    assert.equal(refusals.length, 4 * protectedRoutes.length + 2, 'every refused token is audited');
    assert.ok(
      refusals.every((r) => r.event === 'admin' && r.decision === 'deny' && r.clientIp === '127.0.0.1'),
    );
    assert.deepEqual(
      new Set(refusals.map((r) => r.reason)),
      new Set([
        'admin_token_mismatch',
        'admin_token_malformed',
        'admin_auth_scheme_unsupported',
        'admin_authorization_repeated',
      ]),
    );
    const text = JSON.stringify(audited);
    assert.ok(!text.includes(TOKEN) && !text.includes(TOKEN.slice(1)) && !text.includes(TOKEN_SHA256));
  });

  test('the right token is let in, whatever the scheme case', async () => {
    assertOk(await call(admin, 'GET', '/keys'));
    assertOk(
      await call(admin, 'GET', '/keys', { token: null, headers: ['authorization', `bearer ${TOKEN}`] }),
    );
  });
});

describe('throttle on wrong tokens', () => {
  test('after maxFailures wrong tokens an address is refused 429, even with the right token, until the window ends', async () => {
    const throttleClock = createManualClock(T0);
    const records: Array<Omit<AuditRecord, 'instance'>> = [];
    const listener = await listen({
      tokenSha256: TOKEN_SHA256,
      stores,
      keys,
      clock: throttleClock,
      stats: () => ({}),
      audit: (record) => records.push(record),
      throttle: { maxFailures: 3, windowMs: 60_000 },
    });
    try {
      assertProblem(await call(listener, 'GET', '/keys', { token: null }), 401, 'token_missing');
      for (let i = 0; i < 3; i += 1) {
        assertProblem(await call(listener, 'GET', '/keys', { token: `wrong${i}` }), 401, 'token_invalid');
      }
      const blocked = await call(listener, 'GET', '/keys');
      const body = assertProblem(blocked, 429, 'rate_limited');
      assert.equal(blocked.headers['retry-after'], '60');
      assert.equal(body['retryAfter'], 60);
      assert.equal(records.at(-1)?.decision, 'limit');
      assert.equal(records.at(-1)?.reason, 'admin_auth_throttled');
      assertOk(await call(listener, 'GET', '/livez', { token: null }));
      throttleClock.advance(60_000);
      assertOk(await call(listener, 'GET', '/keys'));
    } finally {
      await stop(listener);
    }
  });
});

describe('GET /metrics', () => {
  test('valid exposition format line by line: the shield stats, signing keys and process metrics', async () => {
    const answer = await call(admin, 'GET', '/metrics');
    assert.equal(answer.status, 200);
    assert.equal(answer.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.equal(answer.headers['cache-control'], 'no-store');
    const families = parseExposition(answer.text);
    assert.ok([...families.keys()].every((name) => name.startsWith('portcullis_')));
    assert.equal(families.get('portcullis_audit_records_written_total')?.type, 'counter');
    assert.deepEqual(families.get('portcullis_audit_records_written_total')?.samples, [
      { labels: {}, value: 12 },
    ]);
    assert.equal(families.get('portcullis_audit_records_pending')?.type, 'gauge');
    assert.deepEqual(families.get('portcullis_signing_keys')?.samples, [
      { labels: { status: 'active' }, value: 1 },
      { labels: { status: 'next' }, value: 0 },
      { labels: { status: 'retiring' }, value: 0 },
      { labels: { status: 'retired' }, value: 0 },
    ]);
    const value = (name: string) => families.get(name)?.samples[0]?.value ?? Number.NaN;
    assert.ok(value('portcullis_process_resident_memory_bytes') > 1_000_000);
    assert.ok(value('portcullis_process_heap_used_bytes') > 0);
    assert.ok(value('portcullis_process_uptime_seconds') > 0);
    for (const name of [
      'portcullis_event_loop_delay_p99_seconds',
      'portcullis_event_loop_delay_max_seconds',
    ]) {
      const delay = value(name);
      assert.ok(Number.isNaN(delay) || (delay >= 0 && delay < 60), `${name} = ${delay}`);
    }
    // A busy loop between two scrapes shows in the delay of the second.
    await new Promise((resolve) => setTimeout(resolve, 30));
    const start = performance.now();
    while (performance.now() - start < 60) {
      // Block the event loop for 60 ms.
    }
    await new Promise((resolve) => setTimeout(resolve, 30));
    const second = parseExposition((await call(admin, 'GET', '/metrics')).text);
    const max = second.get('portcullis_event_loop_delay_max_seconds')?.samples[0]?.value ?? 0;
    assert.ok(max >= 0.04, `event-loop max ${max}`);
  });

  test('HEAD answers without a body; a query string is refused', async () => {
    const head = await call(admin, 'HEAD', '/metrics');
    assert.equal(head.status, 200);
    assert.equal(head.text, '');
    assertProblem(await call(admin, 'GET', '/metrics?name=x'), 400, 'bad_request');
  });

  test('a stat name that is not lower_snake_case or takes a built-in name is a 500 for the operator to fix', async () => {
    for (const stats of [{ 'Bad-Name': 1 }, { process_resident_memory_bytes: 1 }, { signing_keys: 1 }]) {
      extraStats = stats;
      const before = errors.length;
      const body = assertProblem(await call(admin, 'GET', '/metrics'), 500, 'internal_error');
      assert.equal(body['detail'], undefined);
      assert.equal(errors.length, before + 1, 'reported to onError');
    }
    extraStats = {};
    assert.equal((await call(admin, 'GET', '/metrics')).status, 200);
  });
});

describe('GET /audit', () => {
  const ids = (answer: Answer) =>
    ((answer.json as { records: AuditRecord[] }).records ?? []).map((record) => record.requestId);

  test('newest first, filtered and limited', async () => {
    const all = await call(admin, 'GET', '/audit?event=gateway&limit=1000');
    assertOk(all);
    assert.deepEqual(ids(all), ['r5', 'r4', 'r2']);
    assert.deepEqual(ids(await call(admin, 'GET', '/audit?limit=2&event=gateway')), ['r5', 'r4']);
    assert.deepEqual(ids(await call(admin, 'GET', '/audit?decision=deny&event=gateway')), ['r5', 'r2']);
    assert.deepEqual(ids(await call(admin, 'GET', '/audit?event=attest')), ['r3']);
    assert.deepEqual(ids(await call(admin, 'GET', '/audit?requestId=r4')), ['r4']);
    const since = new Date(T0 - 3000).toISOString();
    assert.deepEqual(ids(await call(admin, 'GET', `/audit?event=gateway&since=${since}`)), ['r5', 'r4']);
    assert.deepEqual(ids(await call(admin, 'GET', `/audit?since=${T0 - 1000}&event=gateway`)), ['r5']);
    const record = (all.json as { records: AuditRecord[] }).records[0];
    assert.deepEqual(
      record,
      auditRow({ ts: T0 - 1000, requestId: 'r5', decision: 'deny', code: 'proof_invalid' }),
    );
  });

  test('bad input is 400 bad_request naming the parameter', async () => {
    for (const [query, name] of [
      ['limit=1001', 'limit'],
      ['limit=0', 'limit'],
      ['limit=ten', 'limit'],
      ['since=2026-13-01T00:00:00Z', 'since'],
      ['decision=block', 'decision'],
      ['event=everything', 'event'],
      ['requestId=%3Cscript%3E', 'requestId'],
      ['limit=1&limit=2', 'limit'],
      ['limit=%ZZ', 'limit'],
    ] as Array<[string, string]>) {
      const body = assertProblem(await call(admin, 'GET', `/audit?${query}`), 400, 'bad_request');
      assert.ok(String(body['detail']).includes(name), `${query}: ${body['detail']}`);
      assert.ok(!String(body['detail']).includes('script'), 'the value is not echoed');
    }
    const unknown = assertProblem(await call(admin, 'GET', '/audit?appId=shop'), 400, 'bad_request');
    assert.match(String(unknown['detail']), /limit, since, until, decision, event, requestId, keyId/);
  });
});

describe('GET /devices', () => {
  test('pages through every device in key-id order; appId filters', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const query: string = after === null ? 'limit=1' : `limit=1&after=${encodeURIComponent(after)}`;
      const body = assertOk(await call(admin, 'GET', `/devices?${query}`)) as {
        devices: Array<{ keyId: string }>;
        next: string | null;
      };
      seen.push(...body.devices.map((d) => d.keyId));
      after = body.next;
      pages += 1;
    } while (after !== null && pages < 10);
    assert.deepEqual(
      seen,
      [ANDROID, APPLE, BANK].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
    );
    assert.equal(pages, 3, 'no empty last page');
    const shop = assertOk(await call(admin, 'GET', '/devices?appId=shop')) as {
      devices: Array<{ keyId: string; appId: string }>;
      next: string | null;
    };
    assert.deepEqual(shop.devices.map((d) => d.keyId).sort(), [ANDROID, APPLE].sort());
    assert.equal(shop.next, null);
    assert.deepEqual(
      (assertOk(await call(admin, 'GET', '/devices?appId=none')) as { devices: [] }).devices,
      [],
    );
  });

  test('shows public material only: the receipt as a flag', async () => {
    const body = assertOk(await call(admin, 'GET', '/devices?appId=shop')) as {
      devices: Array<Record<string, unknown>>;
    };
    const apple = body.devices.find((d) => d['keyId'] === APPLE);
    assert.deepEqual(Object.keys(apple ?? {}).sort(), [
      'appId',
      'attestation',
      'counter',
      'deviceIdHash',
      'firstSeen',
      'hasReceipt',
      'keyId',
      'lastSeen',
      'level',
      'platform',
      'publicKeyJwk',
      'revokedAt',
      'revokedReason',
      'testRoot',
    ]);
    assert.equal(apple?.['hasReceipt'], true);
    assert.equal(body.devices.find((d) => d['keyId'] === ANDROID)?.['hasReceipt'], false);
  });

  test('bad input is 400 bad_request naming the parameter', async () => {
    for (const [query, name] of [
      ['limit=1001', 'limit'],
      ['appId=Shop%21', 'appId'],
      ['after=%2E%2E', 'after'],
      ['after=', 'after'],
    ] as Array<[string, string]>) {
      const body = assertProblem(await call(admin, 'GET', `/devices?${query}`), 400, 'bad_request');
      assert.ok(String(body['detail']).includes(name), `${query}: ${body['detail']}`);
    }
    assertProblem(await call(admin, 'GET', '/devices?since=1'), 400, 'bad_request');
  });
});

describe('GET /devices/{keyId}', () => {
  test('finds a key id with /, + and = percent-encoded once (or + and = raw)', async () => {
    for (const path of [
      `/devices/${encodeURIComponent(APPLE)}`,
      `/devices/${APPLE.replaceAll('/', '%2f')}`,
      `/devices/${APPLE.replaceAll('/', '%2F').replaceAll('+', '%2B').replaceAll('=', '%3D')}`,
    ]) {
      const body = assertOk(await call(admin, 'GET', path)) as { device: { keyId: string; appId: string } };
      assert.equal(body.device.keyId, APPLE, path);
      assert.equal(body.device.appId, 'shop');
    }
    const bank = assertOk(await call(admin, 'GET', `/devices/${BANK}`)) as { device: { keyId: string } };
    assert.equal(bank.device.keyId, BANK);
  });

  test('an unknown key id is 404 route_not_found', async () => {
    assertProblem(
      await call(admin, 'GET', `/devices/${encodeURIComponent('AAAA/BBB+CC==')}`),
      404,
      'route_not_found',
    );
  });

  test('path tricks are refused, never resolved to another device or endpoint', async () => {
    for (const path of [
      '/devices/',
      '/devices/..',
      '/devices/.',
      '/devices/%2E%2E',
      '/devices/%2e',
      '/devices/..%2Fkeys',
      `/devices/${encodeURIComponent(encodeURIComponent(APPLE))}`,
      '/devices/%252E%252E',
      '/devices/%',
      '/devices/%C0%AE%C0%AE',
      '/devices/a%00b',
      '/devices/a%5Cb',
      '/devices/a\\b',
      '/devices//revoke',
    ]) {
      const method = path.endsWith('/revoke') ? 'POST' : 'GET';
      const answer = await call(admin, method, path, method === 'POST' ? { body: '{"reason":"x"}' } : {});
      assertProblem(answer, 400, 'bad_request');
      assert.match(String((answer.json as { detail: string }).detail), /key id/);
    }
    for (const path of [
      `/devices/${APPLE}`, // the raw / makes two segments
      '/devices/x/../keys',
      '/devices/./keys',
      `/devices/${BANK}/`,
      `//devices/${BANK}`,
      `/devices//${BANK}`,
      `/devices/${BANK}/revoke/`,
      `/DEVICES/${BANK}`,
      '/devices%2Fk-bank-1',
      '/keys/..',
      '/keys/',
      `http://127.0.0.1/devices/${BANK}`,
    ]) {
      assertProblem(await call(admin, 'GET', path), 404, 'route_not_found');
    }
    assertProblem(await call(admin, 'GET', `/devices/${BANK}?x=1`), 400, 'bad_request');
    for (const id of [APPLE, ANDROID, BANK]) {
      assert.equal((await stores.devices.get(id))?.revokedAt, null, 'nothing was revoked by the tricks');
    }
  });
});

describe('POST /devices/{keyId}/revoke', () => {
  const path = `/devices/${encodeURIComponent(APPLE)}/revoke`;
  const revocationContext = (kid: string) =>
    ({
      claims: { sub: 'shop', cnf: { kid, jwk: { kty: 'EC' } } } as AppTokenClaims,
    }) as unknown as GatewayCheckContext;

  test('revokes; the gateway check refuses the device within its bound; repeating changes nothing', async () => {
    const check = createRevocationCheck({ devices: stores.devices, clock, maxStalenessMs: 5000 });
    await check.run(revocationContext(APPLE));
    const before = audited.length;
    clock.set(T0 + 10_000);
    const first = assertOk(
      await call(admin, 'POST', path, { body: JSON.stringify({ reason: 'stolen phone' }) }),
    ) as {
      device: { keyId: string; revokedAt: number; revokedReason: string };
      alreadyRevoked: boolean;
    };
    assert.equal(first.device.keyId, APPLE);
    assert.equal(first.device.revokedAt, T0 + 10_000);
    assert.equal(first.device.revokedReason, 'stolen phone');
    assert.equal(first.alreadyRevoked, false);

    clock.advance(5000);
    await assert.rejects(() => Promise.resolve(check.run(revocationContext(APPLE))), {
      code: 'device_revoked',
    });

    const again = assertOk(
      await call(admin, 'POST', path, { body: JSON.stringify({ reason: 'second thoughts' }) }),
    ) as { device: { revokedAt: number; revokedReason: string }; alreadyRevoked: boolean };
    assert.equal(again.alreadyRevoked, true);
    assert.equal(again.device.revokedAt, T0 + 10_000, 'the first revocation stands');
    assert.equal(again.device.revokedReason, 'stolen phone');

    const shown = assertOk(await call(admin, 'GET', `/devices/${encodeURIComponent(APPLE)}`)) as {
      device: { revokedAt: number };
    };
    assert.equal(shown.device.revokedAt, T0 + 10_000);
    const bank = assertOk(await call(admin, 'GET', `/devices/${BANK}`)) as { device: { revokedAt: null } };
    assert.equal(bank.device.revokedAt, null, 'other devices untouched');

    const records = audited.slice(before);
    assert.equal(records.length, 2);
    for (const record of records) {
      assert.equal(record.event, 'admin');
      assert.equal(record.decision, 'allow');
      assert.equal(record.code, 'ok');
      assert.equal(record.appId, 'shop');
      assert.equal(record.method, 'POST');
      assert.equal(record.path, '/devices/{keyId}/revoke');
      assert.equal(record.deviceIdHash, TEST_IDENTIFIERS.audit(APPLE));
    }
    assert.deepEqual(
      records.map((r) => r.details?.['alreadyRevoked']),
      [false, true],
    );
    assert.ok(!JSON.stringify(records).includes(APPLE), 'the key id is hashed in the audit log');
  });

  test('bad bodies, unknown devices and wrong methods are refused and revoke nothing', async () => {
    const bankPath = `/devices/${BANK}/revoke`;
    const before = audited.length;
    const cases: Array<[{ body?: string; contentType?: string; headers?: string[] }, number, string]> = [
      [{}, 415, 'unsupported_media_type'],
      [
        { body: 'reason=lost', contentType: 'application/x-www-form-urlencoded' },
        415,
        'unsupported_media_type',
      ],
      [{ body: '{"reason":' }, 400, 'bad_request'],
      [{ body: '{}' }, 400, 'bad_request'],
      [{ body: '{"reason":"x","keyId":"other"}' }, 400, 'bad_request'],
      [{ body: JSON.stringify({ reason: 'r'.repeat(201) }) }, 400, 'bad_request'],
      [{ body: JSON.stringify({ reason: 'two\nlines' }) }, 400, 'bad_request'],
      [{ body: JSON.stringify({ reason: '   ' }) }, 400, 'bad_request'],
      [{ body: JSON.stringify({ reason: 'x'.repeat(5000) }) }, 413, 'payload_too_large'],
      [
        { body: JSON.stringify({ reason: 'x' }), headers: ['Content-Encoding', 'gzip'] },
        415,
        'unsupported_media_type',
      ],
    ];
    for (const [options, status, code] of cases) {
      assertProblem(await call(admin, 'POST', bankPath, options), status, code);
    }
    assertProblem(
      await call(admin, 'POST', `/devices/${encodeURIComponent('AAAA/BBB+CC==')}/revoke`, {
        body: '{"reason":"lost"}',
      }),
      404,
      'route_not_found',
    );
    assertProblem(
      await call(admin, 'POST', `${bankPath}?force=1`, { body: '{"reason":"lost"}' }),
      400,
      'bad_request',
    );
    assert.equal((await stores.devices.get(BANK))?.revokedAt, null);
    const records = audited.slice(before);
    assert.equal(records.length, cases.length + 2, 'every attempt is audited');
    assert.ok(records.every((r) => r.decision === 'deny' && r.event === 'admin'));
    assert.ok(records.some((r) => r.reason === 'admin_revoke_reason_invalid'));
    assert.ok(records.some((r) => r.reason === 'admin_device_unknown'));

    const get = await call(admin, 'GET', bankPath);
    assertProblem(get, 405, 'method_not_allowed');
    assert.equal(get.headers['allow'], 'POST');
    const post = await call(admin, 'POST', `/devices/${BANK}`, { body: '{"reason":"x"}' });
    assertProblem(post, 405, 'method_not_allowed');
    assert.equal(post.headers['allow'], 'GET, HEAD');
  });
});

describe('GET /keys', () => {
  test('lists the signing keys with their life cycle and no private material', async () => {
    const answer = await call(admin, 'GET', '/keys');
    const body = assertOk(answer) as { keys: Array<Record<string, unknown>> };
    assert.deepEqual(body.keys, keys.list());
    assert.equal(body.keys.length, 1);
    assert.equal(body.keys[0]?.['status'], 'active');
    assert.deepEqual(Object.keys(body.keys[0] ?? {}).sort(), [
      'activatesAt',
      'alg',
      'createdAt',
      'deactivatesAt',
      'kid',
      'retiresAt',
      'status',
    ]);
    assert.doesNotMatch(answer.text, /"d"|private|BEGIN/i);
  });
});

describe('everything else', () => {
  test('unknown paths are 404 with or without a token; wrong methods 405 with Allow', async () => {
    for (const token of [undefined, null]) {
      for (const path of [
        '/',
        '/admin',
        '/metrics/',
        '/livez/',
        '/audit.json',
        '/v1/attest',
        '/.well-known/jwks.json',
      ]) {
        assertProblem(
          await call(admin, 'GET', path, token === undefined ? {} : { token }),
          404,
          'route_not_found',
        );
      }
    }
    for (const [method, path, allow] of [
      ['POST', '/metrics', 'GET, HEAD'],
      ['DELETE', '/audit', 'GET, HEAD'],
      ['PUT', '/keys', 'GET, HEAD'],
      ['POST', '/livez', 'GET, HEAD'],
      ['PATCH', '/devices', 'GET, HEAD'],
    ] as const) {
      const answer = await call(admin, method, path, { token: null });
      assertProblem(answer, 405, 'method_not_allowed');
      assert.equal(answer.headers['allow'], allow);
    }
  });
});

describe('store trouble', () => {
  test('an unreachable store is 503 store_unavailable with Retry-After; an unexpected error 500', async () => {
    const outage = new StoreUnavailableError('connection refused');
    const reported: unknown[] = [];
    const listener = await listen({
      tokenSha256: TOKEN_SHA256,
      stores: {
        audit: { query: async () => Promise.reject(outage), summarize: async () => Promise.reject(outage) },
        devices: {
          get: async () => Promise.reject(outage),
          list: async () => Promise.reject(new Error('bug')),
          revoke: async () => false,
        },
      },
      keys,
      clock,
      stats: () => ({}),
      onError: (error) => reported.push(error),
    });
    try {
      const audit = await call(listener, 'GET', '/audit');
      assertProblem(audit, 503, 'store_unavailable');
      assert.equal(audit.headers['retry-after'], '5');
      assertProblem(await call(listener, 'GET', `/devices/${BANK}`), 503, 'store_unavailable');
      const list = await call(listener, 'GET', '/devices');
      const body = assertProblem(list, 500, 'internal_error');
      assert.equal(body['detail'], undefined, 'no internals shown');
      assert.doesNotMatch(list.text, /bug/);
      assert.deepEqual(reported, [new Error('bug')]);
    } finally {
      await stop(listener);
    }
  });
});

describe('optional sinks', () => {
  test('without audit and onError a revocation works, in the stores given to the handler', async () => {
    const own: Stores = createMemoryStores();
    await own.devices.register(device('solo', 'shop', 'android'));
    const listener = await listen({ tokenSha256: TOKEN_SHA256, stores: own, keys, clock, stats: () => ({}) });
    try {
      assertOk(await call(listener, 'POST', '/devices/solo/revoke', { body: '{"reason":"lost"}' }));
      assert.equal((await own.devices.get('solo'))?.revokedReason, 'lost');
      assert.equal(await stores.devices.get('solo'), null);
    } finally {
      await stop(listener);
      await own.close();
    }
  });
});
