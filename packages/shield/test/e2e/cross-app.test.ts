/**
 * Cross-app confusion through a running shield: a challenge, key, credential or token of one app
 * presented for another, in every combination the endpoints and the gateway accept input for.
 * The live shield serves `shop` (iOS, Android, a debug credential; audience shop-api) and
 * `other` (debug only; audience other-api). Gateway refusals are checked with NF.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AppTokenClaims } from '@portcullis/protocol';
import { createSoftwareAndroidDevice, type SoftwareAppAttestDevice } from '@portcullis/testkit';
import {
  ANDROID_SIGNING_DIGEST,
  DEBUG_CREDENTIAL,
  type LiveShield,
  startLiveShield,
  startUpstream,
  type Upstream,
} from '../support/live-shield.js';
import {
  appleAssertBody,
  appleAttestBody,
  appleDevice,
  appleProof,
  attestedAppleDevice,
  auditOf,
  challengeFor,
  mintToken,
  settle,
} from './e2e-helpers.js';

let live: LiveShield;
let proofUpstream: Upstream;
let shopDevice: SoftwareAppAttestDevice;

before(async () => {
  proofUpstream = await startUpstream();
  live = await startLiveShield({
    store: 'sqlite',
    extraYaml: `  - id: proven
    match: { methods: [POST], path: /proven }
    upstream: ${proofUpstream.url}
    require: { token: true, proof: true }
`,
  });
  shopDevice = (await attestedAppleDevice(live)).device;
});
after(async () => {
  await live.close();
  await proofUpstream.close();
});

/** Posts to a /v1 endpoint; returns status, code and the audited reason. */
async function call(
  path: string,
  body: Record<string, unknown>,
): Promise<{ status: number; code: unknown; reason: string | null }> {
  const response = await live.post(path, body);
  const requestId = response.headers.get('x-request-id') ?? '';
  const row = await auditOf(live, requestId);
  return { status: response.status, code: response.body['code'], reason: row.reason };
}

describe('D-03, D-05, D-07: attestation endpoints: one app’s material never serves another', () => {
  const cases: Array<[string, () => Promise<[string, Record<string, unknown>]>, number, string, string]> = [
    [
      'a challenge of other, used to attest for shop',
      async () => ['/v1/attest', appleAttestBody(appleDevice(live), await challengeFor(live, 'other'))],
      400,
      'challenge_invalid',
      'challenge_other_app',
    ],
    [
      'a challenge of shop, used to attest for other',
      async () => [
        '/v1/attest',
        {
          appId: 'other',
          challenge: await challengeFor(live),
          evidence: [{ type: 'debug', token: DEBUG_CREDENTIAL }],
        },
      ],
      400,
      'challenge_invalid',
      'challenge_other_app',
    ],
    [
      'shop’s debug credential presented for other',
      async () => [
        '/v1/attest',
        {
          appId: 'other',
          challenge: await challengeFor(live, 'other'),
          evidence: [{ type: 'debug', token: DEBUG_CREDENTIAL }],
        },
      ],
      401,
      'evidence_invalid',
      'debug_credential_unknown',
    ],
    [
      'shop’s registered key asserting for other (other’s challenge)',
      async () => ['/v1/assert', appleAssertBody(shopDevice, await challengeFor(live, 'other'), 'other')],
      401,
      'evidence_invalid',
      'device_other_app',
    ],
    [
      'shop’s registered key asserting for other with shop’s challenge',
      async () => ['/v1/assert', appleAssertBody(shopDevice, await challengeFor(live), 'other')],
      400,
      'challenge_invalid',
      'challenge_other_app',
    ],
    [
      'shop’s registered key asserting for shop with other’s challenge',
      async () => ['/v1/assert', appleAssertBody(shopDevice, await challengeFor(live, 'other'))],
      400,
      'challenge_invalid',
      'challenge_other_app',
    ],
    [
      'an App Attest key of another bundle (rpIdHash of com.example.other) attesting for shop',
      async () => [
        '/v1/attest',
        appleAttestBody(appleDevice(live, 'ABCDE12345.com.example.other'), await challengeFor(live)),
      ],
      401,
      'evidence_invalid',
      'apple_rp_id_mismatch',
    ],
    [
      'an App Attest key of another team attesting for shop',
      async () => [
        '/v1/attest',
        appleAttestBody(appleDevice(live, 'ZZZZZ99999.com.example.shop'), await challengeFor(live)),
      ],
      401,
      'evidence_invalid',
      'apple_rp_id_mismatch',
    ],
    [
      'an App Attest attestation presented under another registered key id',
      async () => {
        const challenge = await challengeFor(live);
        const body = appleAttestBody(appleDevice(live), challenge);
        const [item] = body['evidence'] as Array<Record<string, unknown>>;
        return ['/v1/attest', { ...body, evidence: [{ ...item, keyId: shopDevice.keyId }] }];
      },
      401,
      'evidence_invalid',
      'apple_key_id_mismatch',
    ],
    [
      'an Android key of another package attesting for shop',
      async () => {
        const challenge = await challengeFor(live);
        const device = createSoftwareAndroidDevice({
          authority: live.android,
          packageName: 'com.example.other',
          signingCertSha256: ANDROID_SIGNING_DIGEST,
        });
        return [
          '/v1/attest',
          {
            appId: 'shop',
            challenge,
            evidence: [{ type: 'android-key-attestation', certificateChain: device.attest(challenge) }],
          },
        ];
      },
      401,
      'evidence_invalid',
      'android_package_mismatch',
    ],
    [
      'an Android key of shop’s package attesting for other (no Android identity)',
      async () => {
        const challenge = await challengeFor(live, 'other');
        const device = createSoftwareAndroidDevice({
          authority: live.android,
          packageName: 'com.example.shop',
          signingCertSha256: ANDROID_SIGNING_DIGEST,
        });
        return [
          '/v1/attest',
          {
            appId: 'other',
            challenge,
            evidence: [{ type: 'android-key-attestation', certificateChain: device.attest(challenge) }],
          },
        ];
      },
      401,
      'evidence_invalid',
      'evidence_type_not_allowed',
    ],
  ];
  for (const [name, build, status, code, reason] of cases) {
    test(`${name}: ${status} ${code} (audit ${reason})`, async () => {
      const [path, body] = await build();
      const outcome = await call(path, body);
      assert.deepEqual(outcome, { status, code, reason });
    });
  }

  test('an assertion signed by one registered key is refused under another registered key id', async () => {
    const second = (await attestedAppleDevice(live)).device;
    const challenge = await challengeFor(live);
    const body = appleAssertBody(second, challenge);
    const outcome = await call('/v1/assert', { ...body, keyId: shopDevice.keyId });
    assert.equal(outcome.status, 401);
    assert.equal(outcome.code, 'evidence_invalid');
  });

  test('a refused cross-app attempt registers nothing: the key still attests for its own app', async () => {
    const device = appleDevice(live);
    const refused = await call(
      '/v1/attest',
      appleAttestBody(device, await challengeFor(live, 'other'), 'other'),
    );
    assert.equal(refused.code, 'evidence_invalid');
    const own = await live.post('/v1/attest', appleAttestBody(device, await challengeFor(live)));
    assert.equal(own.status, 200, own.text);
    assert.equal(own.body['keyId'], device.keyId);
  });
});

describe('B-01: gateway: a token is worth exactly what it says, for the app it names', () => {
  test('tokens of another app or of an unserved audience are refused on /pay, NF', async () => {
    const cases: Array<[string, Parameters<typeof mintToken>[1], number, string]> = [
      [
        'a token of other on a shop-only route',
        { sub: 'other', aud: ['other-api'], plt: 'debug', lvl: 'debug' },
        403,
        'app_forbidden',
      ],
      [
        'a shop token for an audience nobody serves',
        { sub: 'shop', aud: ['payments-admin'], plt: 'ios', lvl: 'hardware' },
        401,
        'token_invalid',
      ],
      [
        'a shop token also claiming an unserved audience',
        { sub: 'shop', aud: ['shop-api', 'payments-admin'], plt: 'ios', lvl: 'hardware' },
        401,
        'token_invalid',
      ],
      [
        'a token of an app the shield does not know',
        { sub: 'shop ', aud: ['shop-api'], plt: 'debug', lvl: 'debug' },
        403,
        'app_forbidden',
      ],
    ];
    for (const [name, claims, status, code] of cases) {
      const forwarded = live.upstream.requests.length;
      const response = await live.post('/pay', '{}', { 'portcullis-token': await mintToken(live, claims) });
      assert.equal(response.status, status, `${name}: ${response.text}`);
      assert.equal(response.body['code'], code, name);
      await settle();
      assert.equal(live.upstream.requests.length, forwarded, `${name}: NF`);
    }
  });

  test('a proof by a shop device never vouches for a token of another app or another device, NF', async () => {
    const { device, token } = await attestedAppleDevice(live);
    const second = (await attestedAppleDevice(live)).device;
    const proven = (proofToken: string, signer: SoftwareAppAttestDevice) =>
      live.post('/proven', '{}', {
        'portcullis-token': proofToken,
        'portcullis-proof': appleProof(signer, {
          method: 'POST',
          target: '/proven',
          body: '{}',
          token: proofToken,
        }),
      });
    const genuine = await proven(token, device);
    assert.equal(genuine.status, 200, genuine.text);
    const borrowed = await mintToken(live, {
      sub: 'other',
      aud: ['other-api'],
      plt: 'ios',
      lvl: 'hardware',
      cnf: { kid: device.keyId, jwk: device.publicKeyJwk as NonNullable<AppTokenClaims['cnf']>['jwk'] },
    });
    const cases: Array<[string, string, SoftwareAppAttestDevice]> = [
      ['a token of other naming shop’s registered device', borrowed, device],
      ['shop’s token with a proof by another registered shop device', token, second],
    ];
    for (const [name, proofToken, signer] of cases) {
      const forwarded = proofUpstream.requests.length;
      const response = await proven(proofToken, signer);
      assert.equal(response.status, 401, `${name}: ${response.text}`);
      assert.equal(response.body['code'], 'proof_invalid', name);
      await settle();
      assert.equal(proofUpstream.requests.length, forwarded, `${name}: NF`);
    }
  });

  test('on a route open to every app, the backend is told which app, and only by the shield', async () => {
    const token = await mintToken(live, { sub: 'other', aud: ['other-api'], plt: 'ios', lvl: 'hardware' });
    const forwarded = live.upstream.requests.length;
    const response = await live.post('/strong', '{}', {
      'portcullis-token': token,
      'x-portcullis-app': 'shop',
    });
    assert.equal(response.status, 200, response.text);
    assert.equal(live.upstream.requests[forwarded]?.headers['x-portcullis-app'], 'other');
  });

  test('a shop token is accepted on /pay with its own app, level and device in the identity headers', async () => {
    const { device, token } = await attestedAppleDevice(live);
    const forwarded = live.upstream.requests.length;
    const response = await live.post('/pay', '{}', { 'portcullis-token': token });
    assert.equal(response.status, 200, response.text);
    const seen = live.upstream.requests[forwarded]!.headers;
    assert.equal(seen['x-portcullis-app'], 'shop');
    assert.equal(seen['x-portcullis-level'], 'hardware');
    assert.equal(seen['x-portcullis-device'], device.keyId);
  });
});
