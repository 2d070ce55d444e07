import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createSoftwareAndroidDevice, createSoftwareAppAttestDevice } from '@portcullis/testkit';
import {
  ANDROID_SIGNING_DIGEST,
  DEBUG_CREDENTIAL,
  type LiveShield,
  sha256,
  startLiveShield,
} from '../../test/support/live-shield.js';

async function challenge(live: LiveShield, appId = 'shop'): Promise<string> {
  const response = await live.post('/v1/challenge', { appId });
  assert.equal(response.status, 200, response.text);
  return response.body['challenge'] as string;
}

async function auditReasons(live: LiveShield): Promise<Array<string | null>> {
  await new Promise((resolve) => setTimeout(resolve, 20));
  const rows = await live.shield.stores.audit.query({ limit: 1000 });
  return rows.map((row) => row.reason);
}

describe('attestation endpoints (protocol §2) on a live shield', () => {
  let live: LiveShield;
  before(async () => {
    live = await startLiveShield({ store: 'sqlite', overrides: { revocationStalenessMs: 0 } });
  });
  after(() => live.close());

  test('challenge: 32 random bytes as b64url, with its lifetime, never cached', async () => {
    const response = await live.post('/v1/challenge', { appId: 'shop' });
    assert.equal(response.status, 200);
    assert.match(response.body['challenge'] as string, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(response.body['expiresIn'], 300);
    assert.equal(response.headers.get('cache-control'), 'no-store');
    assert.ok(response.headers.get('x-request-id'));
  });

  const badRequests: Array<[string, string, unknown, Record<string, string>, number, string]> = [
    ['an unknown app', '/v1/challenge', { appId: 'nope' }, {}, 403, 'app_unknown'],
    ['malformed JSON', '/v1/challenge', '{"appId":', {}, 400, 'bad_request'],
    [
      'a member the protocol does not list',
      '/v1/challenge',
      { appId: 'shop', extra: 1 },
      {},
      400,
      'bad_request',
    ],
    ['a body that is not an object', '/v1/challenge', '[1,2]', {}, 400, 'bad_request'],
    [
      'a non-JSON content type',
      '/v1/challenge',
      { appId: 'shop' },
      { 'content-type': 'text/plain' },
      415,
      'unsupported_media_type',
    ],
    [
      'a compressed body',
      '/v1/challenge',
      { appId: 'shop' },
      { 'content-encoding': 'gzip' },
      415,
      'unsupported_media_type',
    ],
    [
      'an empty evidence list',
      '/v1/attest',
      { appId: 'shop', challenge: 'x'.repeat(43), evidence: [] },
      {},
      400,
      'bad_request',
    ],
    [
      'the same evidence type twice',
      '/v1/attest',
      {
        appId: 'shop',
        challenge: 'x'.repeat(43),
        evidence: [
          { type: 'debug', token: 'a'.repeat(20) },
          { type: 'debug', token: 'b'.repeat(20) },
        ],
      },
      {},
      400,
      'bad_request',
    ],
    [
      'an unknown evidence type',
      '/v1/attest',
      { appId: 'shop', challenge: 'x'.repeat(43), evidence: [{ type: 'sms' }] },
      {},
      400,
      'bad_request',
    ],
    [
      'a challenge never issued',
      '/v1/attest',
      { appId: 'shop', challenge: 'x'.repeat(43), evidence: [{ type: 'debug', token: DEBUG_CREDENTIAL }] },
      {},
      400,
      'challenge_invalid',
    ],
  ];
  for (const [name, path, body, headers, status, code] of badRequests) {
    test(`${path} refuses ${name} with ${status} ${code}`, async () => {
      const response = await live.post(path, body, headers);
      assert.equal(response.status, status, response.text);
      assert.equal(response.body['code'], code);
      assert.equal(response.headers.get('content-type'), 'application/problem+json');
      assert.equal(response.headers.get('cache-control'), 'no-store');
      assert.equal(response.body['requestId'], response.headers.get('x-request-id'));
    });
  }

  test('an oversized body is refused with 413 before it is read, and the connection closes', async () => {
    const response = await live.post(
      '/v1/attest',
      JSON.stringify({ appId: 'shop', pad: 'x'.repeat(70_000) }),
    );
    assert.equal(response.status, 413);
    assert.equal(response.body['code'], 'payload_too_large');
  });

  test('GET on an attestation endpoint is 405 with Allow: POST', async () => {
    const response = await fetch(`${live.url}/v1/attest`);
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'POST');
  });

  test('debug credential: token with lvl debug; the challenge works once, whatever the outcome', async () => {
    const value = await challenge(live);
    const body = { appId: 'shop', challenge: value, evidence: [{ type: 'debug', token: DEBUG_CREDENTIAL }] };
    const first = await live.post('/v1/attest', body);
    assert.equal(first.status, 200, first.text);
    assert.equal(first.body['expiresIn'], 300);
    const claims = JSON.parse(
      Buffer.from((first.body['token'] as string).split('.')[1]!, 'base64url').toString(),
    );
    assert.equal(claims.lvl, 'debug');
    assert.equal(claims.plt, 'debug');
    assert.deepEqual(claims.aud, ['shop-api']);
    const again = await live.post('/v1/attest', body);
    assert.equal(again.status, 400);
    assert.equal(again.body['code'], 'challenge_invalid');

    const failing = await challenge(live);
    const wrong = await live.post('/v1/attest', {
      appId: 'shop',
      challenge: failing,
      evidence: [{ type: 'debug', token: 'dbg_wrong-credential-123456' }],
    });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body['code'], 'evidence_invalid');
    const retry = await live.post('/v1/attest', {
      appId: 'shop',
      challenge: failing,
      evidence: [{ type: 'debug', token: DEBUG_CREDENTIAL }],
    });
    assert.equal(retry.body['code'], 'challenge_invalid', 'a failed attempt consumed the challenge');
    assert.ok(
      (await auditReasons(live)).includes('debug_credential_unknown'),
      'the precise reason is audited',
    );
  });

  test('a challenge issued for one app is refused for another', async () => {
    const value = await challenge(live, 'other');
    const response = await live.post('/v1/attest', {
      appId: 'shop',
      challenge: value,
      evidence: [{ type: 'debug', token: DEBUG_CREDENTIAL }],
    });
    assert.equal(response.body['code'], 'challenge_invalid');
    assert.ok((await auditReasons(live)).includes('challenge_other_app'));
  });

  test('client signals alone never mint a token; a reported finding caps the level at basic', async () => {
    const alone = await live.post('/v1/attest', {
      appId: 'shop',
      challenge: await challenge(live),
      evidence: [{ type: 'client-signals', signals: { jailbreak: false } }],
    });
    assert.equal(alone.body['code'], 'evidence_invalid');
  });

  test('App Attest: attest once, refresh by assertion, counter strictly increasing, key attested once', async () => {
    const device = createSoftwareAppAttestDevice({
      authority: live.apple,
      appId: 'ABCDE12345.com.example.shop',
      environment: 'production',
    });
    const value = await challenge(live);
    const attested = await live.post('/v1/attest', {
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
    assert.equal(attested.status, 200, attested.text);
    assert.equal(attested.body['keyId'], device.keyId);
    const claims = JSON.parse(
      Buffer.from((attested.body['token'] as string).split('.')[1]!, 'base64url').toString(),
    );
    assert.equal(claims.lvl, 'hardware');
    assert.equal(claims.plt, 'ios');
    assert.equal(claims.dev, true, 'a token from a test-kit root says so');
    assert.equal(claims.cnf.kid, device.keyId);
    assert.deepEqual(Object.keys(claims.cnf.jwk).sort(), ['crv', 'kty', 'x', 'y']);

    const strong = await live.post('/strong', '{}', { 'portcullis-token': attested.body['token'] as string });
    assert.equal(strong.status, 200, 'a hardware token meets level: hardware');

    const again = await challenge(live);
    const twice = await live.post('/v1/attest', {
      appId: 'shop',
      challenge: again,
      evidence: [
        {
          type: 'apple-app-attest',
          keyId: device.keyId,
          attestation: Buffer.from(device.attest(sha256(again))).toString('base64'),
        },
      ],
    });
    assert.equal(twice.body['code'], 'evidence_invalid');
    assert.ok((await auditReasons(live)).includes('key_already_registered'));

    const assertChallenge = await challenge(live);
    const assertion = Buffer.from(device.assert(sha256(assertChallenge))).toString('base64');
    const refreshed = await live.post('/v1/assert', {
      appId: 'shop',
      challenge: assertChallenge,
      keyId: device.keyId,
      assertion,
    });
    assert.equal(refreshed.status, 200, refreshed.text);
    assert.equal(typeof refreshed.body['token'], 'string');

    // The same assertion under a fresh challenge: its signature does not cover that challenge.
    const replayed = await live.post('/v1/assert', {
      appId: 'shop',
      challenge: await challenge(live),
      keyId: device.keyId,
      assertion,
    });
    assert.equal(replayed.body['code'], 'evidence_invalid');

    // A rolled-back counter: an older assertion arriving after a newer one is refused.
    const c1 = await challenge(live);
    const c2 = await challenge(live);
    const older = Buffer.from(device.assert(sha256(c1))).toString('base64');
    const newer = Buffer.from(device.assert(sha256(c2))).toString('base64');
    const first = await live.post('/v1/assert', {
      appId: 'shop',
      challenge: c2,
      keyId: device.keyId,
      assertion: newer,
    });
    assert.equal(first.status, 200, first.text);
    const rolledBack = await live.post('/v1/assert', {
      appId: 'shop',
      challenge: c1,
      keyId: device.keyId,
      assertion: older,
    });
    assert.equal(rolledBack.body['code'], 'evidence_invalid');
    assert.ok((await auditReasons(live)).includes('apple_counter_not_increasing'));

    // An unknown key id: no trust on first use.
    const unknown = await live.post('/v1/assert', {
      appId: 'shop',
      challenge: await challenge(live),
      keyId: 'AAAA',
      assertion,
    });
    assert.equal(unknown.body['code'], 'evidence_invalid');

    // Revoked: refused with its own code.
    await live.shield.stores.devices.revoke(device.keyId, 'support ticket 42', Date.now());
    const rc = await challenge(live);
    const revoked = await live.post('/v1/assert', {
      appId: 'shop',
      challenge: rc,
      keyId: device.keyId,
      assertion: Buffer.from(device.assert(sha256(rc))).toString('base64'),
    });
    assert.equal(revoked.status, 403);
    assert.equal(revoked.body['code'], 'device_revoked');
    // Its tokens, still unexpired, are refused by the gateway too (C-29), and nothing is forwarded.
    const forwarded = live.upstream.requests.length;
    const stale = await live.post('/strong', '{}', { 'portcullis-token': refreshed.body['token'] as string });
    assert.equal(stale.status, 403);
    assert.equal(stale.body['code'], 'device_revoked');
    assert.equal(live.upstream.requests.length, forwarded);
  });

  test('Android key attestation: attest, then assert with an ECDSA signature over the challenge', async () => {
    const device = createSoftwareAndroidDevice({
      authority: live.android,
      packageName: 'com.example.shop',
      signingCertSha256: ANDROID_SIGNING_DIGEST,
    });
    const value = await challenge(live);
    const attested = await live.post('/v1/attest', {
      appId: 'shop',
      challenge: value,
      evidence: [{ type: 'android-key-attestation', certificateChain: device.attest(value) }],
    });
    assert.equal(attested.status, 200, attested.text);
    assert.equal(attested.body['keyId'], device.keyId);
    const assertChallenge = await challenge(live);
    const refreshed = await live.post('/v1/assert', {
      appId: 'shop',
      challenge: assertChallenge,
      keyId: device.keyId,
      assertion: Buffer.from(device.sign(new TextEncoder().encode(assertChallenge))).toString('base64'),
    });
    assert.equal(refreshed.status, 200, refreshed.text);
    const wrongMessage = await challenge(live);
    const refused = await live.post('/v1/assert', {
      appId: 'shop',
      challenge: wrongMessage,
      keyId: device.keyId,
      assertion: Buffer.from(device.sign(new TextEncoder().encode(assertChallenge))).toString('base64'),
    });
    assert.equal(refused.body['code'], 'evidence_invalid');
  });

  test('an Android device of the wrong app signer is refused, and nothing is registered', async () => {
    const device = createSoftwareAndroidDevice({
      authority: live.android,
      packageName: 'com.example.shop',
      signingCertSha256: 'cd'.repeat(32),
    });
    const value = await challenge(live);
    const response = await live.post('/v1/attest', {
      appId: 'shop',
      challenge: value,
      evidence: [{ type: 'android-key-attestation', certificateChain: device.attest(value) }],
    });
    assert.equal(response.body['code'], 'evidence_invalid');
    assert.equal(await live.shield.stores.devices.get(device.keyId), null);
  });

  test('JWKS: public keys with caching headers and an ETag that answers 304', async () => {
    const response = await fetch(`${live.url}/.well-known/jwks.json`);
    assert.equal(response.status, 200);
    const jwks = (await response.json()) as { keys: Array<Record<string, unknown>> };
    assert.ok(jwks.keys.length >= 1);
    for (const key of jwks.keys) {
      assert.equal(key['d'], undefined, 'never private material');
      assert.equal(key['use'], 'sig');
    }
    assert.match(response.headers.get('cache-control') ?? '', /max-age=\d+/);
    const etag = response.headers.get('etag')!;
    const cached = await fetch(`${live.url}/.well-known/jwks.json`, { headers: { 'if-none-match': etag } });
    assert.equal(cached.status, 304);
  });

  test('livez and readyz answer; unknown paths are the gateway default deny', async () => {
    assert.equal((await fetch(`${live.url}/livez`)).status, 200);
    assert.equal((await fetch(`${live.url}/readyz`)).status, 200);
    const denied = await fetch(`${live.url}/v1/unknown`, { method: 'POST' });
    assert.equal(denied.status, 404);
  });

  test('every decision leaves exactly one audit record with the request id of its response', async () => {
    const response = await live.post('/v1/challenge', { appId: 'nope' });
    const requestId = response.headers.get('x-request-id')!;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const rows = await live.shield.stores.audit.query({ limit: 10, requestId });
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.code, 'app_unknown');
    assert.equal(rows[0]!.decision, 'deny');
  });

  test('a request with an absolute-form target for a shield endpoint is not served as that endpoint', async () => {
    const reply = await new Promise<string>((resolve) => {
      const socket = connect(Number(new URL(live.url).port), '127.0.0.1', () => {
        socket.write(
          'POST http://127.0.0.2/v1/challenge HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{"appId":"shop"}',
        );
      });
      let data = '';
      socket.on('data', (chunk) => {
        data += chunk.toString();
        if (data.includes('\r\n\r\n')) socket.end();
      });
      socket.on('close', () => resolve(data));
    });
    assert.match(reply, /^HTTP\/1\.1 400/);
  });
});

describe('a production shield', () => {
  let live: LiveShield;
  before(async () => {
    live = await startLiveShield({ mode: 'production' });
  });
  after(() => live.close());

  test('never trusts a test-kit root, even when one is handed to it', async () => {
    const device = createSoftwareAppAttestDevice({
      authority: live.apple,
      appId: 'ABCDE12345.com.example.shop',
      environment: 'production',
    });
    const value = await challenge(live);
    const response = await live.post('/v1/attest', {
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
    assert.equal(response.body['code'], 'evidence_invalid');
    assert.ok((await auditReasons(live)).includes('apple_chain_untrusted'));
  });
});
