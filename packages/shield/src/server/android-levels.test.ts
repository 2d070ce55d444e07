import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createSoftwareAndroidDevice } from '@portcullis/testkit';
import { ANDROID_SIGNING_DIGEST, type LiveShield, startLiveShield } from '../../test/support/live-shield.js';

// The level a lenient Android policy gives, through a live shield: the app identity in a key
// attestation is reported by the OS, so only a verified boot on a locked bootloader makes it the
// genuine app's. An unlocked or unverified device gets `basic`, never `device` or `hardware`.

function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

describe('Android key attestation levels under the lenient policy (live shield)', () => {
  let live: LiveShield;
  before(async () => {
    live = await startLiveShield({
      androidKeyAttestation: '{ policy: lenient }',
      extraYaml: `  - id: device-level
    match: { methods: [POST], path: /device-level }
    upstream: http://127.0.0.1:9
    require: { token: true, level: device }
`,
    });
  });
  after(() => live.close());

  async function attest(options: { locked?: boolean; verifiedBoot?: boolean }) {
    const device = createSoftwareAndroidDevice({
      authority: live.android,
      packageName: 'com.example.shop',
      signingCertSha256: ANDROID_SIGNING_DIGEST,
      ...options,
    });
    const challenge = (await live.post('/v1/challenge', { appId: 'shop' })).body['challenge'] as string;
    const response = await live.post('/v1/attest', {
      appId: 'shop',
      challenge,
      evidence: [{ type: 'android-key-attestation', certificateChain: device.attest(challenge) }],
    });
    assert.equal(response.status, 200, response.text);
    return response.body['token'] as string;
  }

  test('a locked device with verified boot is hardware', async () => {
    const token = await attest({});
    assert.equal(claimsOf(token)['lvl'], 'hardware');
  });

  for (const [name, options] of [
    ['an unlocked bootloader', { locked: false }],
    ['an unverified boot', { verifiedBoot: false }],
    ['both', { locked: false, verifiedBoot: false }],
  ] as const) {
    test(`A6-07, B-05: ${name}: accepted at basic, and refused where a route requires device`, async () => {
      const token = await attest(options);
      assert.equal(claimsOf(token)['lvl'], 'basic');
      const forwarded = live.upstream.requests.length;
      const refused = await live.post('/device-level', '{}', { 'portcullis-token': token });
      assert.equal(refused.status, 403);
      assert.equal(refused.body['code'], 'level_insufficient');
      assert.equal(live.upstream.requests.length, forwarded);
    });
  }
});
