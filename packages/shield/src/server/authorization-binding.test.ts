import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createSoftwareAndroidDevice } from '@portcullis/testkit';
import { ANDROID_SIGNING_DIGEST, type LiveShield, startLiveShield } from '../../test/support/live-shield.js';

// Token binding without proofs (protocol §4, threats A1-02, C-21): a token minted with
// bindAuthorization carries H(Authorization) and is accepted only with that exact header.
let live: LiveShield;
before(async () => {
  live = await startLiveShield({
    extraYaml: `  - id: profile
    match: { methods: [GET], path: /profile }
    upstream: http://127.0.0.1:9
    require: { token: true, binding: true }
`,
  });
});
after(() => live.close());

async function challenge(): Promise<string> {
  return (await live.post('/v1/challenge', { appId: 'shop' })).body['challenge'] as string;
}

test('B-12: a bound token works only with the Authorization it was bound to; an unbound token is refused on a binding route', async () => {
  const device = createSoftwareAndroidDevice({
    authority: live.android,
    packageName: 'com.example.shop',
    signingCertSha256: ANDROID_SIGNING_DIGEST,
  });
  const attestChallenge = await challenge();
  const attested = await live.post('/v1/attest', {
    appId: 'shop',
    challenge: attestChallenge,
    evidence: [{ type: 'android-key-attestation', certificateChain: device.attest(attestChallenge) }],
  });
  assert.equal(attested.status, 200, attested.text);
  const assertFor = async (bind: boolean, authorization?: string) => {
    const value = await challenge();
    return live.post(
      '/v1/assert',
      {
        appId: 'shop',
        challenge: value,
        keyId: device.keyId,
        assertion: Buffer.from(device.sign(new TextEncoder().encode(value))).toString('base64'),
        ...(bind ? { bindAuthorization: true } : {}),
      },
      authorization === undefined ? {} : { authorization },
    );
  };
  const alice = 'Bearer alice-session-token-0001';
  const bound = await assertFor(true, alice);
  assert.equal(bound.status, 200, bound.text);
  const token = bound.body['token'] as string;
  const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
  assert.match(claims.ath, /^[A-Za-z0-9_-]{43}$/);

  const call = (headers: Record<string, string>) =>
    fetch(`${live.url}/profile`, { headers: { 'portcullis-token': token, ...headers } });
  // The upstream port 9 is closed: an accepted request gets 502, a refused one never gets there.
  assert.equal((await call({ authorization: alice })).status, 502, 'bound user passes the gateway');
  // Exact bytes (C-21): another user, none, or the same value with another letter case.
  for (const other of [
    { authorization: 'Bearer bob-session-token-0002' },
    {},
    { authorization: alice.replace('Bearer', 'bearer') },
  ]) {
    const response = await call(other);
    assert.equal(response.status, 401, JSON.stringify(other));
    assert.equal(((await response.json()) as { code: string }).code, 'binding_mismatch');
  }

  const unbound = await assertFor(false);
  const refused = await fetch(`${live.url}/profile`, {
    headers: { 'portcullis-token': unbound.body['token'] as string, authorization: alice },
  });
  assert.equal(refused.status, 401, 'a route with binding: true needs a bound token');

  const missing = await assertFor(true);
  assert.equal(missing.status, 400, 'bindAuthorization without an Authorization header');
  assert.equal(missing.body['code'], 'bad_request');
});
