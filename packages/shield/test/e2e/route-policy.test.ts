/**
 * One route policy, enforced on every path (issue #11), through a real shield on loopback: the
 * level a production token route admits by default, audiences per route, refreshes and proofs
 * re-checked against the current config, tokenMode monitor, and per-device limits that meet a
 * token without a device key. Some tests restart a shield over the same SQLite file and signing
 * keys with a changed config, as an operator would.
 */
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import {
  type AndroidTestAuthority,
  type AppAttestTestAuthority,
  createAndroidTestAuthority,
  createAppAttestTestAuthority,
  createSoftwareAndroidDevice,
  createSoftwareAppAttestDevice,
  type SoftwareAndroidDevice,
  type SoftwareAppAttestDevice,
} from '@portcullis/testkit';
import Database from 'better-sqlite3';
import type { Clock } from '../../src/clock.js';
import { parseConfig } from '../../src/config/index.js';
import { createShield, type Shield } from '../../src/server/create-shield.js';
import { createLogger } from '../../src/server/logger.js';
import type { AuditRecord } from '../../src/stores/ports.js';
import { createTokenIssuer } from '../../src/tokens/index.js';
import { sha256, startUpstream, type Upstream } from '../support/live-shield.js';
import { appleProof } from './e2e-helpers.js';

const DEBUG = `dbg_${randomBytes(20).toString('base64url')}`;
const SCOPED_DEBUG = `dbg_${randomBytes(20).toString('base64url')}`;
const ANDROID_DIGEST = 'ab'.repeat(32);
const APP_ID = 'ABCDE12345.com.example.shop';
const hex = (text: string) => createHash('sha256').update(text).digest('hex');

interface Running {
  shield: Shield;
  url: string;
  logs: string[];
  post(
    path: string,
    body: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Record<string, unknown>; headers: Headers }>;
  close(): Promise<void>;
}

/** Authorities, a folder (SQLite file, signing keys, status list) and an upstream, kept across restarts. */
interface Site {
  dir: string;
  upstream: Upstream;
  apple: AppAttestTestAuthority;
  android: AndroidTestAuthority;
}

async function openSite(): Promise<Site> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-policy-'));
  await writeFile(join(dir, 'android-status.json'), '{"entries":{}}');
  return {
    dir,
    upstream: await startUpstream(),
    apple: createAppAttestTestAuthority(),
    android: createAndroidTestAuthority(),
  };
}

async function closeSite(site: Site): Promise<void> {
  await site.upstream.close();
  await rm(site.dir, { recursive: true, force: true });
}

/**
 * A shield over the site's store and keys. `shop` is the YAML of the shop app after its
 * audiences (indented four spaces), `routes` the route entries (two spaces), `top` extra
 * top-level settings.
 */
async function startShield(
  site: Site,
  options: {
    mode?: 'development' | 'production';
    shop?: string;
    routes: string;
    top?: string;
    clock?: Clock;
  },
): Promise<Running> {
  const text = `
mode: ${options.mode ?? 'development'}
issuer: https://shield.test.example
store: { kind: sqlite, path: ${join(site.dir, 'db.sqlite')} }
keys: { dir: ${join(site.dir, 'keys')} }
logging: { level: info }
trust: { androidRevocation: { file: ${join(site.dir, 'android-status.json')} } }
${options.top ?? ''}
apps:
  shop:
${
  options.shop ??
  `    audiences: [shop-api]
    ios: { teamId: ABCDE12345, bundleIds: [com.example.shop], environments: [development, production] }
    android: { packageName: com.example.shop, signingCertSha256: ["${ANDROID_DIGEST}"] }
    debugTokens:
      - { name: ci, sha256: "${hex(DEBUG)}", expires: 2099-01-01 }`
}
routes:
${options.routes}`;
  const config = await parseConfig(text, { sourceName: 'policy.yaml', baseDir: site.dir, env: {} });
  const logs: string[] = [];
  const shield = await createShield(config, {
    appleTestRoots: [site.apple.root],
    androidTestRoots: [site.android.root],
    revocationStalenessMs: 0,
    logger: createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk: Buffer, _encoding, callback) {
          logs.push(chunk.toString());
          callback();
        },
      }),
    }),
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
  });
  const url = await shield.listen(0, '127.0.0.1');
  return {
    shield,
    url,
    logs,
    async post(path, body, headers = {}) {
      const response = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await response.text();
      let parsed: Record<string, unknown> = {};
      try {
        parsed = JSON.parse(text) as Record<string, unknown>;
      } catch {
        parsed = {};
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    close: () => shield.close(),
  };
}

function route(id: string, require: string, extra = ''): string {
  return `  - id: ${id}
    match: { methods: [POST], path: /${id} }
    upstream: @UPSTREAM@
    require: ${require}${extra}
`;
}

function routes(site: Site, ...entries: string[]): string {
  return entries.join('').replaceAll('@UPSTREAM@', site.upstream.url);
}

async function challenge(running: Running): Promise<string> {
  const response = await running.post('/v1/challenge', { appId: 'shop' });
  assert.equal(response.status, 200);
  return response.body['challenge'] as string;
}

async function debugToken(running: Running, credential = DEBUG): Promise<string> {
  const response = await running.post('/v1/attest', {
    appId: 'shop',
    challenge: await challenge(running),
    evidence: [{ type: 'debug', token: credential }],
  });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return response.body['token'] as string;
}

async function attestApple(
  running: Running,
  device: SoftwareAppAttestDevice,
): Promise<{ status: number; token: string }> {
  const value = await challenge(running);
  const response = await running.post('/v1/attest', {
    appId: 'shop',
    challenge: value,
    evidence: [
      {
        type: 'apple-app-attest',
        keyId: device.keyId,
        attestation: Buffer.from(device.attest(sha256(value))).toString('base64'),
      },
    ],
  });
  return { status: response.status, token: response.body['token'] as string };
}

async function assertApple(running: Running, device: SoftwareAppAttestDevice) {
  const value = await challenge(running);
  return running.post('/v1/assert', {
    appId: 'shop',
    challenge: value,
    keyId: device.keyId,
    assertion: Buffer.from(device.assert(sha256(value))).toString('base64'),
  });
}

async function attestAndroid(running: Running, device: SoftwareAndroidDevice) {
  const value = await challenge(running);
  return running.post('/v1/attest', {
    appId: 'shop',
    challenge: value,
    evidence: [{ type: 'android-key-attestation', certificateChain: device.attest(value) }],
  });
}

async function assertAndroid(running: Running, device: SoftwareAndroidDevice) {
  const value = await challenge(running);
  return running.post('/v1/assert', {
    appId: 'shop',
    challenge: value,
    keyId: device.keyId,
    assertion: Buffer.from(device.sign(new TextEncoder().encode(value))).toString('base64'),
  });
}

/** The audit record of one answered request (the writer is asynchronous). */
async function auditOf(running: Running, requestId: string | null): Promise<AuditRecord> {
  assert.ok(requestId !== null);
  for (let i = 0; i < 200; i++) {
    const [row] = await running.shield.stores.audit.query({ limit: 1, requestId });
    if (row !== undefined) return row;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no audit record for ${requestId}`);
}

/** The claims of a token, decoded without verification (for what the shield minted). */
function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
}

describe('production: a token route that names no level admits attested levels only', () => {
  let site: Site;
  before(async () => {
    site = await openSite();
  });
  after(() => closeSite(site));

  test('a debug token gets 403 level_insufficient on token: true routes, and passes only where level: debug is written', async () => {
    const running = await startShield(site, {
      mode: 'production',
      routes: routes(
        site,
        route('any', '{ token: true }'),
        route('pay', '{ token: true, apps: [shop] }'),
        route('ci', '{ token: true, level: debug }'),
      ),
    });
    try {
      const token = await debugToken(running);
      assert.equal(claimsOf(token)['lvl'], 'debug');
      const before = site.upstream.requests.length;
      for (const path of ['/any', '/pay']) {
        const refused = await running.post(path, '{}', { 'portcullis-token': token });
        assert.equal(refused.status, 403, path);
        assert.equal(refused.body['code'], 'level_insufficient');
        assert.equal(
          (await auditOf(running, refused.headers.get('x-request-id'))).reason,
          'level_below_minimum',
        );
      }
      assert.equal(site.upstream.requests.length, before, 'nothing refused reached the upstream');
      assert.equal((await running.post('/ci', '{}', { 'portcullis-token': token })).status, 200);

      // An attested token (here one of basic level, signed by this shield's key) still passes.
      const issuer = createTokenIssuer({
        keys: running.shield.keys,
        issuer: 'https://shield.test.example',
        clock: { now: () => Date.now() },
      });
      const basic = await issuer.issue({
        sub: 'shop',
        aud: ['shop-api'],
        plt: 'android',
        lvl: 'basic',
        ttlSeconds: 60,
      });
      assert.equal((await running.post('/any', '{}', { 'portcullis-token': basic.token })).status, 200);
    } finally {
      await running.close();
    }
  });

  test('development keeps admitting debug tokens on routes that name no level', async () => {
    const running = await startShield(site, { routes: routes(site, route('any', '{ token: true }')) });
    try {
      const token = await debugToken(running);
      assert.equal((await running.post('/any', '{}', { 'portcullis-token': token })).status, 200);
    } finally {
      await running.close();
    }
  });
});

describe('audiences per route: the scope of a debug credential holds at the gateway', () => {
  let site: Site;
  let running: Running;
  before(async () => {
    site = await openSite();
    running = await startShield(site, {
      shop: `    audiences: [shop-api, admin-api]
    ios: { teamId: ABCDE12345, bundleIds: [com.example.shop] }
    debugTokens:
      - { name: wide, sha256: "${hex(DEBUG)}", expires: 2099-01-01 }
      - { name: shop-only, sha256: "${hex(SCOPED_DEBUG)}", expires: 2099-01-01, scope: { audiences: [shop-api] } }`,
      routes: routes(
        site,
        route('admin', '{ token: true, audiences: [admin-api] }'),
        route('shop', '{ token: true, audiences: [shop-api] }'),
        route('any', '{ token: true }'),
      ),
    });
  });
  after(async () => {
    await running.close();
    await closeSite(site);
  });

  test('a token whose aud the route does not accept is refused with 403 audience_forbidden', async () => {
    const scoped = await debugToken(running, SCOPED_DEBUG);
    assert.deepEqual(claimsOf(scoped)['aud'], ['shop-api']);
    const before = site.upstream.requests.length;
    const refused = await running.post('/admin', '{}', { 'portcullis-token': scoped });
    assert.equal(refused.status, 403);
    assert.equal(refused.body['code'], 'audience_forbidden');
    assert.equal(
      (await auditOf(running, refused.headers.get('x-request-id'))).reason,
      'audience_not_accepted',
    );
    assert.equal(site.upstream.requests.length, before);
    assert.equal((await running.post('/shop', '{}', { 'portcullis-token': scoped })).status, 200);

    const wide = await debugToken(running);
    assert.equal((await running.post('/admin', '{}', { 'portcullis-token': wide })).status, 200);
  });

  test('a route that names no audiences refuses a token its debug credential narrowed', async () => {
    const scoped = await debugToken(running, SCOPED_DEBUG);
    const refused = await running.post('/any', '{}', { 'portcullis-token': scoped });
    assert.equal(refused.status, 403);
    assert.equal(refused.body['code'], 'audience_forbidden');
    assert.equal(
      (await auditOf(running, refused.headers.get('x-request-id'))).reason,
      'audience_scope_narrowed',
    );
    const wide = await debugToken(running);
    assert.equal((await running.post('/any', '{}', { 'portcullis-token': wide })).status, 200);
  });
});

describe('refresh and proofs re-check what was attested against the current config', () => {
  // Each test has a site of its own: refused refreshes count towards the endpoint lockout.
  let site: Site;
  beforeEach(async () => {
    site = await openSite();
  });
  afterEach(() => closeSite(site));

  const proofRoute = (site: Site) =>
    routes(site, route('pay', '{ token: true, proof: true }'), route('any', '{ token: true }'));

  test('App Attest development keys: dropped from environments, a key registered before gets no more tokens', async () => {
    const first = await startShield(site, { routes: proofRoute(site) });
    const device = createSoftwareAppAttestDevice({
      authority: site.apple,
      appId: APP_ID,
      environment: 'development',
    });
    let token: string;
    try {
      const attested = await attestApple(first, device);
      assert.equal(attested.status, 200);
      const stored = await first.shield.stores.devices.get(device.keyId);
      assert.deepEqual(stored?.attestation?.evidence, ['apple-app-attest']);
      assert.equal(stored?.attestation?.environment, 'development');
      const refreshed = await assertApple(first, device);
      assert.equal(refreshed.status, 200);
      token = refreshed.body['token'] as string;
      assert.equal(claimsOf(token)['lvl'], 'hardware');
    } finally {
      await first.close();
    }

    const second = await startShield(site, {
      shop: `    audiences: [shop-api]
    ios: { teamId: ABCDE12345, bundleIds: [com.example.shop], environments: [production] }`,
      routes: proofRoute(site),
    });
    try {
      const refused = await assertApple(second, device);
      assert.equal(refused.status, 401);
      assert.equal(refused.body['code'], 'evidence_invalid');
      assert.equal(
        (await auditOf(second, refused.headers.get('x-request-id'))).reason,
        'device_environment_not_accepted',
      );

      // Its still-unexpired token no longer passes a proof either: the client refreshes, then attests.
      const before = site.upstream.requests.length;
      const proofed = await second.post('/pay', '{}', {
        'portcullis-token': token,
        'portcullis-proof': appleProof(device, { method: 'POST', target: '/pay', body: '{}', token }),
      });
      assert.equal(proofed.status, 401);
      assert.equal(proofed.body['code'], 'token_invalid');
      assert.equal(
        (await auditOf(second, proofed.headers.get('x-request-id'))).reason,
        'proof_device_attestation_outdated',
      );
      assert.equal(site.upstream.requests.length, before);

      // A production key attests and refreshes as before.
      const fresh = createSoftwareAppAttestDevice({
        authority: site.apple,
        appId: APP_ID,
        environment: 'production',
      });
      assert.equal((await attestApple(second, fresh)).status, 200);
      const renewed = await assertApple(second, fresh);
      assert.equal(renewed.status, 200);
      const freshToken = renewed.body['token'] as string;
      const paid = await second.post('/pay', '{}', {
        'portcullis-token': freshToken,
        'portcullis-proof': appleProof(fresh, {
          method: 'POST',
          target: '/pay',
          body: '{}',
          token: freshToken,
        }),
      });
      assert.equal(paid.status, 200);
    } finally {
      await second.close();
    }
  });

  test('a tightened Android policy (lenient to strict) makes a device registered under it attest again', async () => {
    const android = (policy: string) => `    audiences: [shop-api]
    android:
      packageName: com.example.shop
      signingCertSha256: ["${ANDROID_DIGEST}"]
      keyAttestation: { policy: ${policy} }`;
    const device = createSoftwareAndroidDevice({
      authority: site.android,
      packageName: 'com.example.shop',
      signingCertSha256: ANDROID_DIGEST,
      locked: false,
    });
    const first = await startShield(site, { shop: android('lenient'), routes: proofRoute(site) });
    try {
      const attested = await attestAndroid(first, device);
      assert.equal(attested.status, 200, JSON.stringify(attested.body));
      assert.equal(claimsOf(attested.body['token'] as string)['lvl'], 'basic');
      assert.equal((await assertAndroid(first, device)).status, 200);
    } finally {
      await first.close();
    }
    const second = await startShield(site, { shop: android('strict'), routes: proofRoute(site) });
    try {
      const refused = await assertAndroid(second, device);
      assert.equal(refused.status, 401);
      assert.equal(refused.body['code'], 'evidence_invalid');
      assert.equal(
        (await auditOf(second, refused.headers.get('x-request-id'))).reason,
        'device_policy_changed',
      );
      // Attesting again is judged by the strict policy: the unlocked device is refused.
      const again = createSoftwareAndroidDevice({
        authority: site.android,
        packageName: 'com.example.shop',
        signingCertSha256: ANDROID_DIGEST,
        locked: false,
      });
      assert.equal((await attestAndroid(second, again)).body['code'], 'evidence_invalid');
    } finally {
      await second.close();
    }
  });

  test('an evidence kind dropped from the app refuses the refresh of devices attested with it', async () => {
    const device = createSoftwareAndroidDevice({
      authority: site.android,
      packageName: 'com.example.shop',
      signingCertSha256: ANDROID_DIGEST,
    });
    const first = await startShield(site, { routes: proofRoute(site) });
    try {
      assert.equal((await attestAndroid(first, device)).status, 200);
    } finally {
      await first.close();
    }
    const second = await startShield(site, {
      shop: `    audiences: [shop-api]
    ios: { teamId: ABCDE12345, bundleIds: [com.example.shop] }
    android: { packageName: com.example.shop, signingCertSha256: ["${ANDROID_DIGEST}"] }
    evidence: [apple-app-attest]`,
      routes: proofRoute(site),
    });
    try {
      const refused = await assertAndroid(second, device);
      assert.equal(refused.status, 401);
      assert.equal(
        (await auditOf(second, refused.headers.get('x-request-id'))).reason,
        'device_evidence_not_accepted',
      );
    } finally {
      await second.close();
    }
  });

  test('after registrationMaxAge a device must attest again', async () => {
    let offset = 0;
    const clock: Clock = { now: () => Date.now() + offset };
    const running = await startShield(site, {
      shop: `    audiences: [shop-api]
    ios: { teamId: ABCDE12345, bundleIds: [com.example.shop] }
    registrationMaxAge: 1h`,
      routes: proofRoute(site),
      clock,
    });
    try {
      const device = createSoftwareAppAttestDevice({
        authority: site.apple,
        appId: APP_ID,
        environment: 'production',
      });
      assert.equal((await attestApple(running, device)).status, 200);
      offset = 59 * 60_000;
      assert.equal((await assertApple(running, device)).status, 200);
      offset = 61 * 60_000;
      const refused = await assertApple(running, device);
      assert.equal(refused.status, 401);
      assert.equal(refused.body['code'], 'evidence_invalid');
      assert.equal(
        (await auditOf(running, refused.headers.get('x-request-id'))).reason,
        'device_registration_expired',
      );
      const replacement = createSoftwareAppAttestDevice({
        authority: site.apple,
        appId: APP_ID,
        environment: 'production',
      });
      assert.equal((await attestApple(running, replacement)).status, 200);
      assert.equal((await assertApple(running, replacement)).status, 200);
    } finally {
      await running.close();
    }
  });

  test('a device row from before the shield recorded attestations (NULL) must attest again', async () => {
    const device = createSoftwareAppAttestDevice({
      authority: site.apple,
      appId: APP_ID,
      environment: 'production',
    });
    const first = await startShield(site, { routes: proofRoute(site) });
    try {
      assert.equal((await attestApple(first, device)).status, 200);
    } finally {
      await first.close();
    }
    const db = new Database(join(site.dir, 'db.sqlite'));
    try {
      db.prepare('UPDATE devices SET attestation = NULL WHERE key_id = ?').run(device.keyId);
    } finally {
      db.close();
    }
    const second = await startShield(site, { routes: proofRoute(site) });
    try {
      const refused = await assertApple(second, device);
      assert.equal(refused.status, 401);
      assert.equal(
        (await auditOf(second, refused.headers.get('x-request-id'))).reason,
        'device_attestation_unrecorded',
      );
    } finally {
      await second.close();
    }
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

describe('tokenMode monitor: the token requirement records what it would refuse and forwards', () => {
  const adminToken = randomBytes(24).toString('base64url');
  let site: Site;
  let running: Running;
  let adminUrl: string;
  before(async () => {
    site = await openSite();
    const port = await freePort();
    adminUrl = `http://127.0.0.1:${port}`;
    running = await startShield(site, {
      top: `admin: { host: 127.0.0.1, port: ${port}, tokenSha256: "${hex(adminToken)}" }`,
      routes: routes(
        site,
        route('legacy', '{ token: true, level: hardware }', '\n    tokenMode: monitor'),
        route(
          'legacy-limited',
          '{ token: true }',
          '\n    tokenMode: monitor\n    limits: [{ per: device, max: 1, window: 1h }, { per: ip, max: 2, window: 1h }]',
        ),
        route('strict', '{ token: true, level: hardware }'),
      ),
    });
  });
  after(async () => {
    await running.close();
    await closeSite(site);
  });

  const identityHeaders = (index: number) =>
    Object.keys(site.upstream.requests[index]?.headers ?? {}).filter((name) =>
      name.startsWith('x-portcullis-'),
    );

  test('no token, a bad token and a too-weak token are forwarded without identity headers and audited', async () => {
    const weak = await debugToken(running);
    const cases: Array<[Record<string, string>, string, string]> = [
      [{}, 'token_missing', 'token_missing'],
      [{ 'portcullis-token': 'not.a.token' }, 'token_invalid', 'token_malformed'],
      [{ 'portcullis-token': weak }, 'level_insufficient', 'level_below_minimum'],
    ];
    for (const [headers, code, reason] of cases) {
      const index = site.upstream.requests.length;
      const response = await running.post('/legacy', '{}', headers);
      assert.equal(response.status, 200, code);
      assert.deepEqual(identityHeaders(index), [], 'forwarded as a request without a token');
      const record = await auditOf(running, response.headers.get('x-request-id'));
      assert.equal(record.decision, 'allow');
      assert.equal(record.code, 'ok');
      assert.equal(record.reason, 'token_monitor_forwarded');
      assert.equal(record.details?.['wouldRefuse'], code);
      assert.ok(String(record.details?.['wouldRefuseReason']).length > 0);
      if (code !== 'token_invalid') assert.equal(record.details?.['wouldRefuseReason'], reason);
    }

    const device = createSoftwareAppAttestDevice({
      authority: site.apple,
      appId: APP_ID,
      environment: 'production',
    });
    const { token } = await attestApple(running, device);
    const index = site.upstream.requests.length;
    const accepted = await running.post('/legacy', '{}', { 'portcullis-token': token });
    assert.equal(accepted.status, 200);
    assert.ok(identityHeaders(index).includes('x-portcullis-app'), 'an accepted token is forwarded as usual');
    assert.equal((await auditOf(running, accepted.headers.get('x-request-id'))).reason, null);

    const enforced = await running.post('/strict', '{}', { 'portcullis-token': weak });
    assert.equal(enforced.status, 403, 'routes without monitor still refuse');

    const metrics = await fetch(`${adminUrl}/metrics`, {
      headers: { authorization: `Bearer ${adminToken}` },
    });
    assert.match(await metrics.text(), /^portcullis_route_token_monitor_would_refuse_total 3$/m);
  });

  test('limits per device do not count requests forwarded without a token; limits per ip still do', async () => {
    assert.equal((await running.post('/legacy-limited', '{}')).status, 200);
    assert.equal((await running.post('/legacy-limited', '{}')).status, 200);
    const third = await running.post('/legacy-limited', '{}');
    assert.equal(third.status, 429);
    assert.equal(third.body['code'], 'rate_limited');
  });
});

describe('a per-device limit meets a token without a device key', () => {
  let site: Site;
  let running: Running;
  before(async () => {
    site = await openSite();
    running = await startShield(site, {
      routes: routes(
        site,
        route('otp', '{ token: true }', '\n    limits: [{ per: device, max: 5, window: 1h }]'),
      ),
    });
  });
  after(async () => {
    await running.close();
    await closeSite(site);
  });

  test('403 device_key_required with a detail that says why, not a bare 400', async () => {
    const token = await debugToken(running);
    const before = site.upstream.requests.length;
    const refused = await running.post('/otp', '{}', { 'portcullis-token': token });
    assert.equal(refused.status, 403);
    assert.equal(refused.headers.get('content-type'), 'application/problem+json');
    assert.equal(refused.body['code'], 'device_key_required');
    assert.match(String(refused.body['detail']), /counts requests per device .* no device key/);
    assert.equal(
      (await auditOf(running, refused.headers.get('x-request-id'))).reason,
      'limit_device_key_missing',
    );
    assert.equal(site.upstream.requests.length, before);

    const device = createSoftwareAppAttestDevice({
      authority: site.apple,
      appId: APP_ID,
      environment: 'production',
    });
    const { token: bound } = await attestApple(running, device);
    assert.equal((await running.post('/otp', '{}', { 'portcullis-token': bound })).status, 200);
  });
});

describe('the start-up log says per route what it requires', () => {
  test('one line per route from the compiled policy; a proof route says so', async () => {
    const site = await openSite();
    const running = await startShield(site, {
      mode: 'production',
      shop: `    audiences: [shop-api]
    ios: { teamId: ABCDE12345, bundleIds: [com.example.shop] }`,
      routes: routes(
        site,
        route('pay', '{ token: true, proof: true }'),
        route('ci', '{ token: true, level: debug }'),
      ),
    });
    try {
      const lines = running.logs
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line['msg'] === 'route');
      assert.deepEqual(
        lines.map((line) => [line['route'], line['requires'], line['proof']]),
        [
          ['pay', 'token level>=basic apps=shop audiences=shop-api + proof', true],
          ['ci', 'token level>=debug apps=shop audiences=shop-api', false],
        ],
      );
    } finally {
      await running.close();
      await closeSite(site);
    }
  });
});
