import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { formatProofHeader } from '@portcullis/protocol';
import { deleteRedisKeys, REDIS_URL, requireService } from '../../shield/test/support/services.js';
import type { AppRequest } from './app-request.js';
import { createMemoryReplayStore } from './create-memory-replay-store.js';
import { createRedisReplayStore } from './create-redis-replay-store.js';
import {
  createVerifier,
  type RequestVerification,
  type Verifier,
  type VerifierOptions,
} from './create-verifier.js';
import { refusalResponse } from './refusal-response.js';
import type { ReplayStore } from './replay-store.js';
import {
  APPLE_APP_ID,
  AUDIENCE,
  ISSUER,
  type MintedAndroidDevice,
  type MintedDevice,
  type ShieldFixture,
  startShieldFixture,
} from './test-support/shield-fixture.js';

let shield: ShieldFixture;
let debug: string;
let android: MintedAndroidDevice;
let ios: MintedDevice;
before(async () => {
  shield = await startShieldFixture();
  debug = await shield.debugToken();
  android = await shield.androidDevice();
  ios = await shield.iosDevice();
});
after(() => shield.close());

/** The test verifier, with `overrides` and without the options named in `omit` (their defaults apply). */
function verifierWith(
  overrides: Partial<VerifierOptions> = {},
  omit: readonly (keyof VerifierOptions)[] = [],
): Verifier {
  const options: VerifierOptions = {
    jwksUrl: shield.jwksUrl,
    issuer: ISSUER,
    audiences: [AUDIENCE, 'other-api'],
    // As the fixture shield: development mode (test-kit roots, debug tokens on every route).
    allowDev: true,
    mode: 'development',
    appAudiences: { shop: [AUDIENCE], other: ['other-api'] },
    proofs: { replay: createMemoryReplayStore(), appleAppIds: { shop: [APPLE_APP_ID] } },
    ...overrides,
  };
  for (const name of omit) delete options[name];
  return createVerifier(options);
}

/** A request as an adapter would hand it over. */
function request(
  headers: Record<string, string | string[]>,
  init: { method?: string; target?: string; body?: string } = {},
): AppRequest {
  const body = new TextEncoder().encode(init.body ?? '');
  return {
    method: init.method ?? 'POST',
    target: init.target ?? '/pay',
    header: (name) => headers[name],
    body: async (maxBytes) => (body.length > maxBytes ? null : body),
  };
}

function reason(result: RequestVerification): string {
  return result.ok ? 'ok' : `${result.error.code}/${result.error.reason}`;
}

function signed(
  device: MintedDevice,
  init: { body?: string; target?: string; timestampMs?: number; token?: string } = {},
) {
  const target = init.target ?? '/pay';
  const body = init.body ?? '{"amount":5}';
  const proof = device.proof({
    method: 'POST',
    target,
    body: new TextEncoder().encode(body),
    ...(init.timestampMs === undefined ? {} : { timestampMs: init.timestampMs }),
    ...(init.token === undefined ? {} : { token: init.token }),
  });
  return request(
    { 'portcullis-token': init.token ?? device.token, 'portcullis-proof': proof },
    { target, body },
  );
}

describe('route requirements', () => {
  test('level, apps and audiences', async () => {
    const verifier = verifierWith();
    const cases: [Parameters<Verifier['route']>[0], string, string, string][] = [
      [{}, debug, 'ok', 'a valid token'],
      [{ level: 'basic' }, debug, 'level_insufficient/level_below_minimum', 'debug below basic'],
      [{ level: 'hardware' }, android.token, 'ok', 'hardware meets hardware'],
      [{ apps: ['other'] }, debug, 'app_forbidden/app_not_allowed', 'another app'],
      [{ apps: ['other', 'shop'] }, debug, 'ok', 'an admitted app'],
      [
        { audiences: ['other-api'] },
        debug,
        'audience_forbidden/audience_not_accepted',
        'a token for another API',
      ],
      [{ audiences: [AUDIENCE] }, debug, 'ok', 'the right audience'],
      [{ audiences: ['other-api', AUDIENCE] }, debug, 'ok', 'one of the audiences'],
    ];
    for (const [requirements, token, expected, what] of cases) {
      const result = await verifier.route(requirements).verify(request({ 'portcullis-token': token }));
      assert.equal(reason(result), expected, what);
    }
  });

  test('production (the default mode): a route that names no level refuses debug tokens', async () => {
    const verifier = verifierWith({}, ['mode']);
    const open = verifier.route();
    assert.equal(open.tokenRule.minLevel, 'basic');
    assert.equal(
      reason(await open.verify(request({ 'portcullis-token': debug }))),
      'level_insufficient/level_below_minimum',
    );
    assert.equal(reason(await open.verify(request({ 'portcullis-token': android.token }))), 'ok');
    const ci = verifier.route({ level: 'debug' });
    assert.equal(ci.tokenRule.minLevel, 'debug');
    assert.equal(reason(await ci.verify(request({ 'portcullis-token': debug }))), 'ok', 'written out');
    assert.equal(verifierWith().route().tokenRule.minLevel, 'debug', 'development admits every level');
  });

  test('a route that names no audiences holds a debug token to every audience of its app', async () => {
    // Without appAudiences every app is taken to have all of the verifier's audiences: the debug
    // token of shop (aud shop-api) lacks other-api, so only routes that name its audience take it.
    const guarded = verifierWith({}, ['appAudiences']);
    assert.equal(
      reason(await guarded.route().verify(request({ 'portcullis-token': debug }))),
      'audience_forbidden/audience_scope_narrowed',
    );
    assert.equal(
      reason(await guarded.route({ audiences: [AUDIENCE] }).verify(request({ 'portcullis-token': debug }))),
      'ok',
    );
    assert.equal(
      reason(await guarded.route().verify(request({ 'portcullis-token': android.token }))),
      'ok',
      'attested tokens carry no debug scope',
    );
    // With the app's audiences named, its full debug token passes; an app not listed does not.
    assert.equal(
      reason(
        await verifierWith()
          .route()
          .verify(request({ 'portcullis-token': debug })),
      ),
      'ok',
    );
    const otherOnly = verifierWith({ appAudiences: { other: ['other-api'] } });
    assert.equal(
      reason(await otherOnly.route().verify(request({ 'portcullis-token': debug }))),
      'audience_forbidden/audience_scope_narrowed',
    );
    const single = verifierWith({ audiences: [AUDIENCE] }, ['appAudiences']);
    assert.equal(reason(await single.route().verify(request({ 'portcullis-token': debug }))), 'ok');
  });

  test('one token, one proof, one Authorization', async () => {
    const route = verifierWith().route();
    const cases: [Record<string, string | string[]>, string][] = [
      [{}, 'token_missing/token_missing'],
      [{ 'portcullis-token': [debug, debug] }, 'duplicate_header/duplicate_token'],
      [{ 'portcullis-token': `${debug}, ${debug}` }, 'duplicate_header/duplicate_token'],
      [{ 'portcullis-token': debug, 'portcullis-proof': 'a,b' }, 'duplicate_header/duplicate_proof'],
      [
        { 'portcullis-token': debug, authorization: ['Bearer a', 'Bearer b'] },
        'duplicate_header/duplicate_authorization',
      ],
      [{ 'portcullis-token': debug, authorization: 'Digest a=1, b=2' }, 'ok'],
    ];
    for (const [headers, expected] of cases) {
      assert.equal(
        reason(await route.verify(request(headers))),
        expected,
        JSON.stringify(headers).slice(0, 80),
      );
    }
  });

  test('a token bound to an Authorization value is only good with that value, on every route', async () => {
    const alice = 'Bearer alice-session-0001';
    const bound = await android.refresh(alice);
    const unbound = await android.refresh();
    const verifier = verifierWith();
    const open = verifier.route();
    const strict = verifier.route({ binding: true });
    const cases: [typeof open, Record<string, string>, string, string][] = [
      [open, { 'portcullis-token': bound, authorization: alice }, 'ok', 'the bound value'],
      [
        open,
        { 'portcullis-token': bound, authorization: 'Bearer bob' },
        'binding_mismatch/binding_authorization_mismatch',
        'another user',
      ],
      [
        open,
        { 'portcullis-token': bound, authorization: alice.replace('Bearer', 'bearer') },
        'binding_mismatch/binding_authorization_mismatch',
        'another spelling',
      ],
      [
        open,
        { 'portcullis-token': bound },
        'binding_mismatch/binding_authorization_missing',
        'no Authorization',
      ],
      [
        open,
        { 'portcullis-token': bound, authorization: `${alice}\u00e9` },
        'binding_mismatch/binding_authorization_not_canonical',
        'not printable ASCII',
      ],
      [open, { 'portcullis-token': unbound }, 'ok', 'an unbound token where binding is not required'],
      [
        strict,
        { 'portcullis-token': unbound, authorization: alice },
        'binding_mismatch/binding_token_unbound',
        'an unbound token where it is',
      ],
      [strict, { 'portcullis-token': bound, authorization: alice }, 'ok', 'a bound token where it is'],
    ];
    for (const [route, headers, expected, what] of cases)
      assert.equal(reason(await route.verify(request(headers))), expected, what);
  });

  test('requirements that do not fit the verifier are refused when the route is built', () => {
    const verifier = verifierWith();
    assert.throws(
      () => verifier.route({ audiences: [AUDIENCE, 'theirs'] }),
      /audience theirs is not one of the verifier's audiences/,
    );
    assert.throws(() => verifier.route({ audiences: [] }), /audiences must be a non-empty array/);
    assert.throws(
      () => verifier.route({ proofSkewSeconds: 10 }),
      /proofSkewSeconds is set but proof is not true/,
    );
    assert.throws(
      () => verifier.route({ proof: true, proofSkewSeconds: 301 }),
      /proofSkewSeconds must be an integer from 1 to 300/,
    );
    assert.throws(
      () => verifierWith({ proofs: undefined as never }).route({ proof: true }),
      /proof: true needs/,
    );
  });
});

describe('per-request proofs', () => {
  test('Android and iOS proofs verify once; the same proof again is a replay', async () => {
    const route = verifierWith().route({ proof: true });
    for (const device of [android, ios]) {
      const sent = signed(device);
      const first = await route.verify(sent);
      assert.equal(reason(first), 'ok', device.platform);
      assert.equal(first.ok && first.request.proofCounter === null, device.platform === 'android');
      assert.equal(reason(await route.verify(sent)), 'proof_replayed/proof_replayed', device.platform);
    }
  });

  test('each proof rule refuses with the shield reason', async () => {
    const route = verifierWith().route({ proof: true, proofSkewSeconds: 30 });
    const now = Date.now();
    const withProof = (device: MintedDevice, proof: string, token = device.token) =>
      request({ 'portcullis-token': token, 'portcullis-proof': proof }, { body: '{"amount":5}' });
    const cases: [AppRequest, string, string][] = [
      [request({ 'portcullis-token': android.token }), 'proof_missing/proof_missing', 'no proof'],
      [withProof(android, 'x'.repeat(6000)), 'proof_invalid/proof_header_too_long', 'too long'],
      [withProof(android, 'v1.123'), 'proof_invalid/proof_header_malformed', 'two parts'],
      [withProof(android, 'v2.123.AAAA'), 'proof_invalid/proof_version_unsupported', 'version 2'],
      [withProof(android, 'v1.0123.AAAA'), 'proof_invalid/proof_timestamp_malformed', 'leading zero'],
      [
        withProof(android, `v1.${now}.AA==`),
        'proof_invalid/proof_signature_not_base64url',
        'padded signature',
      ],
      [signed(android, { timestampMs: now - 31_000 }), 'proof_stale/proof_too_old', 'too old'],
      [signed(android, { timestampMs: now + 31_000 }), 'proof_stale/proof_from_future', 'from the future'],
      [
        withProof(android, android.proof({ method: 'POST', target: '/pay' }), debug),
        'proof_invalid/proof_no_device_key',
        'a token without a device key',
      ],
      [
        withProof(android, formatProofHeader(now, randomBytes(70))),
        'proof_invalid/proof_signature_malformed',
        'not DER',
      ],
      [
        { ...signed(android, { target: '/elsewhere' }), target: '/pay' },
        'proof_invalid/proof_signature_invalid',
        'signed for another path',
      ],
      [
        withProof(ios, formatProofHeader(now, randomBytes(40))),
        'proof_invalid/proof_assertion_malformed',
        'not an assertion',
      ],
      [
        withProof(
          android,
          ios.proof({ method: 'POST', target: '/pay', body: new TextEncoder().encode('{"amount":5}') }),
        ),
        'proof_invalid/proof_signature_malformed',
        "another device's proof",
      ],
    ];
    for (const [sent, expected, what] of cases)
      assert.equal(reason(await route.verify(sent)), expected, what);
    const notCanonical = { ...signed(android), target: '/pay with space' };
    assert.equal(reason(await route.verify(notCanonical)), 'proof_invalid/proof_request_not_canonical');
  });

  test('iOS proofs need the app’s App IDs', async () => {
    const unconfigured = verifierWith({ proofs: { replay: createMemoryReplayStore() } }).route({
      proof: true,
    });
    assert.equal(reason(await unconfigured.verify(signed(ios))), 'proof_invalid/proof_app_not_configured');
    const other = verifierWith({
      proofs: { replay: createMemoryReplayStore(), appleAppIds: { shop: ['ZZZZZ99999.com.example.other'] } },
    }).route({ proof: true });
    assert.equal(reason(await other.verify(signed(ios))), 'proof_invalid/proof_app_id_mismatch');
    assert.throws(
      () =>
        verifierWith({
          proofs: { replay: createMemoryReplayStore(), appleAppIds: { shop: ['com.example.shop'] } },
        }),
      /App IDs like ABCDE12345/,
    );
  });

  test('the body is read only on proof routes, and only up to maxBodyBytes', async () => {
    const verifier = verifierWith();
    let reads = 0;
    const counting = (sent: AppRequest): AppRequest => ({
      ...sent,
      body: (max) => {
        reads++;
        return sent.body(max);
      },
    });
    assert.equal(
      reason(await verifier.route().verify(counting(request({ 'portcullis-token': debug })))),
      'ok',
    );
    assert.equal(reads, 0, 'a token route never touches the body');
    const small = verifier.route({ proof: true, maxBodyBytes: 8 });
    assert.equal(reason(await small.verify(counting(signed(android)))), 'payload_too_large/body_too_large');
    assert.equal(reads, 1);
    assert.equal(reason(await small.verify(counting(request({})))), 'token_missing/token_missing');
    assert.equal(reads, 1, 'a request refused on its headers is not read');
  });

  test('a replay store that cannot answer refuses the request (503), it never lets it through', async () => {
    const down: ReplayStore = {
      firstSeen: async () => {
        throw new Error('connection refused');
      },
    };
    const route = verifierWith({ proofs: { replay: down } }).route({ proof: true });
    const result = await route.verify(signed(android));
    assert.equal(reason(result), 'store_unavailable/proof_replay_store_unavailable');
    assert.ok(!result.ok && result.error.retryAfter === 1);
    const response = refusalResponse(!result.ok ? result.error : (undefined as never));
    assert.equal(response.headers['retry-after'], '1');
    assert.equal(
      response.headers['www-authenticate'],
      undefined,
      'an outage is not an authentication challenge',
    );

    const full = createMemoryReplayStore({ maxEntries: 1 });
    const tiny = verifierWith({ proofs: { replay: full } }).route({ proof: true });
    assert.equal(reason(await tiny.verify(signed(android, { body: '{"a":1}' }))), 'ok');
    assert.equal(
      reason(await tiny.verify(signed(android, { body: '{"a":2}' }))),
      'store_unavailable/proof_replay_store_unavailable',
      'a full memory store refuses rather than forget a live proof',
    );
  });

  test('instances sharing a Redis replay store accept each proof once between them', async (t) => {
    if (!(await requireService(t, 'redis'))) return;
    const { createClient } = await import('redis');
    const prefix = `portcullis:test:verify:${randomBytes(6).toString('hex')}:`;
    const clients = [createClient({ url: REDIS_URL }), createClient({ url: REDIS_URL })];
    try {
      for (const client of clients) await client.connect();
      const [one, two] = clients.map((client) =>
        verifierWith({ proofs: { replay: createRedisReplayStore({ client, prefix }) } }).route({
          proof: true,
        }),
      ) as [ReturnType<Verifier['route']>, ReturnType<Verifier['route']>];
      const sent = signed(android, { body: '{"redis":true}' });
      const results = await Promise.all([one.verify(sent), two.verify(sent)]);
      assert.deepEqual(results.map(reason).sort(), ['ok', 'proof_replayed/proof_replayed']);
      const keys = await clients[0]!.keys(`${prefix}*`);
      assert.equal(keys.length, 1);
      const ttl = await clients[0]!.pTTL(keys[0]!);
      assert.ok(ttl > 0 && ttl <= 121_000, `the key expires with the proof window: ${ttl} ms`);
    } finally {
      for (const client of clients) if (client.isOpen) client.destroy();
      await deleteRedisKeys([prefix]);
    }
  });
});

describe('replay stores', () => {
  test('memory: one key once until it expires; bad arguments throw', async () => {
    const store = createMemoryReplayStore();
    assert.equal(await store.firstSeen('k', 1000, 10_000), true);
    assert.equal(await store.firstSeen('k', 1000, 10_999), false);
    assert.equal(await store.firstSeen('k', 1000, 11_000), true, 'expired: a new first sighting');
    await assert.rejects(store.firstSeen('', 1000, 0), TypeError);
    await assert.rejects(store.firstSeen('k', 0, 0), TypeError);
    assert.throws(() => createMemoryReplayStore({ maxEntries: 0 }), TypeError);
  });

  test('redis: an unexpected answer is an error, not a pass', async () => {
    const odd = createRedisReplayStore({ client: { set: async () => 'QUEUED' } });
    await assert.rejects(odd.firstSeen('k', 1000, 0), /unexpected answer/);
    assert.throws(() => createRedisReplayStore({ client: {} as never }), TypeError);
  });
});

test('onRefused hears every refusal (reason, method, path without the query), and a throwing observer changes nothing', async () => {
  const heard: string[] = [];
  const verifier = verifierWith({
    onRefused: (error, request) => heard.push(`${error.reason} ${request.method} ${request.path}`),
  });
  const route = verifier.route({ proof: true });
  assert.equal(
    reason(await route.verify(request({}, { target: '/pay?card=4242' }))),
    'token_missing/token_missing',
  );
  assert.equal(reason(await route.verify(signed(android, { target: '/pay?cart=7' }))), 'ok');
  assert.equal(
    reason(await verifier.route({ proof: true, maxBodyBytes: 2 }).verify(signed(android))),
    'payload_too_large/body_too_large',
  );
  const sent = signed(android, { body: '{"again":1}' });
  await route.verify(sent);
  assert.equal(reason(await route.verify(sent)), 'proof_replayed/proof_replayed');
  assert.deepEqual(heard, [
    'token_missing POST /pay',
    'body_too_large POST /pay',
    'proof_replayed POST /pay',
  ]);
  const throwing = verifierWith({
    onRefused: () => {
      throw new Error('observer failed');
    },
  }).route();
  assert.equal(reason(await throwing.verify(request({}))), 'token_missing/token_missing');
  assert.throws(() => verifierWith({ onRefused: 'log' as never }), /onRefused must be a function/);
});

test('createVerifier: options are checked when it is built', () => {
  const base = { jwksUrl: shield.jwksUrl, issuer: ISSUER, audiences: [AUDIENCE] };
  assert.ok(createVerifier(base));
  assert.throws(
    () => createVerifier({ issuer: ISSUER, audiences: [AUDIENCE] }),
    /exactly one of jwksUrl and keys/,
  );
  assert.throws(
    () => createVerifier({ ...base, keys: { lookup: () => undefined } }),
    /exactly one of jwksUrl and keys/,
  );
  assert.throws(() => createVerifier({ ...base, jwksUrl: 'http://shield.example/jwks' }), /must be https/);
  assert.throws(() => createVerifier({ ...base, proofs: { replay: {} as never } }), /proofs.replay/);
  assert.throws(
    () => createVerifier({ ...base, proofs: { replay: createMemoryReplayStore(), skewSeconds: 0 } }),
    /skewSeconds/,
  );
  assert.throws(() => createVerifier({ ...base, audiences: [] }), /audiences/);
  assert.throws(() => createVerifier({ ...base, mode: 'staging' as never }), /mode must be/);
  assert.throws(
    () => createVerifier({ ...base, appAudiences: { shop: ['other-api'] } }),
    /appAudiences.shop must be a non-empty list of the verifier's audiences/,
  );
  assert.throws(() => createVerifier({ ...base, appAudiences: { shop: [] } }), /appAudiences.shop/);
  assert.throws(() => createVerifier({ ...base, appAudiences: [] as never }), /appAudiences must map/);
});
