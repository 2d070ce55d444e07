import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { VerifiedEvidence } from '../attest/contract.js';
import { parseConfig } from '../config/index.js';
import type { DeviceRecord } from '../stores/ports.js';
import { appPolicies } from './app-policies.js';
import type { AppPolicy } from './app-policy.js';
import { attestationRecord, deviceStanding } from './device-standing.js';

const T0 = Date.UTC(2026, 5, 1);
const DAY = 86_400_000;

async function shop(appYaml: string): Promise<AppPolicy> {
  const config = await parseConfig(
    `mode: development
issuer: https://shield.test.example
store: { kind: memory }
apps:
  shop:
${appYaml}`,
    { baseDir: '/tmp', env: {} },
  );
  return appPolicies(config).get('shop')!;
}

const ANDROID = `    android:
      packageName: com.example.shop
      signingCertSha256: ["${'ab'.repeat(32)}"]`;
const IOS =
  '    ios: { teamId: ABCDE12345, bundleIds: [com.example.shop], environments: [development, production] }';
const DEBUG = (name: string, expires = '2099-01-01') =>
  `    debugTokens:\n      - { name: ${name}, sha256: "${'c'.repeat(64)}", expires: ${expires} }`;

function evidence(type: VerifiedEvidence['type'], facts: VerifiedEvidence['facts'] = {}): VerifiedEvidence {
  return {
    type,
    platform: type === 'apple-app-attest' ? 'ios' : 'android',
    level: 'hardware',
    testRoot: false,
    facts,
  };
}

function device(app: AppPolicy, verified: VerifiedEvidence[], firstSeen = T0): DeviceRecord {
  return {
    keyId: 'k',
    appId: 'shop',
    platform: 'android',
    level: 'hardware',
    publicKeyJwk: { kty: 'EC' },
    counter: 0,
    receipt: null,
    testRoot: false,
    attestation: attestationRecord(app, verified),
    firstSeen,
    lastSeen: firstSeen,
    revokedAt: null,
    revokedReason: null,
  };
}

describe('deviceStanding: one verdict for refresh and proofs', () => {
  test('a device stands under the policy that registered it, until registrationMaxAge', async () => {
    const app = await shop(`${ANDROID}\n    registrationMaxAge: 2d`);
    const registered = device(app, [evidence('android-key-attestation')]);
    assert.equal(deviceStanding(registered, app, T0 + 2 * DAY - 1), null);
    assert.equal(deviceStanding(registered, app, T0 + 2 * DAY), 'device_registration_expired');
    assert.equal(app.registrationMaxAgeMs, 2 * DAY);
    assert.equal((await shop(ANDROID)).registrationMaxAgeMs, 30 * DAY, 'the default is 30 days');
  });

  test('every setting that judged Android evidence counts; settings of other kinds do not', async () => {
    const before = await shop(`${ANDROID}\n${IOS}`);
    const registered = device(before, [evidence('android-key-attestation')]);
    for (const changed of [
      `${ANDROID}\n      keyAttestation: { policy: lenient }`,
      `${ANDROID}\n      keyAttestation: { minOsPatchLevel: 202601 }`,
      ANDROID.replace('ab'.repeat(32), 'cd'.repeat(32)),
      ANDROID.replace('com.example.shop', 'com.example.other'),
    ]) {
      assert.equal(
        deviceStanding(registered, await shop(`${changed}\n${IOS}`), T0),
        'device_policy_changed',
        changed,
      );
    }
    const iosChanged = await shop(
      `${ANDROID}\n    ios: { teamId: ABCDE12345, bundleIds: [com.example.shop, com.example.beta] }`,
    );
    assert.equal(deviceStanding(registered, iosChanged, T0), null);
  });

  test('an evidence kind or an App Attest environment the app no longer accepts', async () => {
    const app = await shop(`${ANDROID}\n${IOS}`);
    const android = device(app, [evidence('android-key-attestation')]);
    assert.equal(
      deviceStanding(android, await shop(`${ANDROID}\n${IOS}\n    evidence: [apple-app-attest]`), T0),
      'device_evidence_not_accepted',
    );
    const apple = device(app, [evidence('apple-app-attest', { environment: 'development' })]);
    assert.equal(apple.attestation?.environment, 'development');
    assert.equal(deviceStanding(apple, app, T0), null);
    const productionOnly = await shop(
      `${ANDROID}\n    ios: { teamId: ABCDE12345, bundleIds: [com.example.shop] }`,
    );
    assert.equal(deviceStanding(apple, productionOnly, T0), 'device_environment_not_accepted');
  });

  test('a device attested with a debug credential stands while that credential is configured and unexpired', async () => {
    const app = await shop(`${IOS}\n${DEBUG('ci', '2026-06-10')}`);
    const registered = device(app, [
      evidence('apple-app-attest', { environment: 'production' }),
      evidence('debug', { credential: 'ci' }),
    ]);
    assert.equal(deviceStanding(registered, app, T0), null);
    assert.equal(deviceStanding(registered, app, Date.UTC(2026, 5, 10)), 'device_policy_changed', 'expired');
    const renamed = await shop(`${IOS}\n${DEBUG('ci-2')}`);
    assert.equal(deviceStanding(registered, renamed, T0), 'device_policy_changed', 'removed');
  });

  test('a record without what was attested, or with a policy text that does not parse, must attest again', async () => {
    const app = await shop(ANDROID);
    const registered = device(app, [evidence('android-key-attestation')]);
    assert.equal(
      deviceStanding({ ...registered, attestation: null }, app, T0),
      'device_attestation_unrecorded',
    );
    assert.equal(
      deviceStanding(
        { ...registered, attestation: { ...registered.attestation!, policy: 'not json' } },
        app,
        T0,
      ),
      'device_policy_changed',
    );
  });
});
