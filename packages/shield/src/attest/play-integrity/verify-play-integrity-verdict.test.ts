import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { PLAY_INTEGRITY_FAILURE_CODES } from './play-integrity-failure-codes.js';
import { type PlayIntegrityPolicy, verifyPlayIntegrityVerdict } from './verify-play-integrity-verdict.js';

const FIXTURES = new URL('../../../test/fixtures/play-integrity/google-docs-2026-11/', import.meta.url);
const load = (name: string): unknown => JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8'));
const STANDARD = load('standard-verdict.json');
const CLASSIC = load('classic-verdict.json');
const UNEVALUATED = load('unevaluated-verdict.json');

const STANDARD_CHALLENGE = 'pF4nD1rBq9cW2xYzT0kLmN8sVuH3eJ6aG5oR7iQ1wE4';
const CLASSIC_CHALLENGE = 'aGVsbG8gd29scmQgdGhlcmU';
const T0 = 1675655009345;
const AT = new Date(T0 + 10_000);
const STANDARD_REQUEST_HASH = 'Ruk0uHG1XMLEgfrjxsVSu0YAy74nLAX6fEwooLIAib8';
const CERT_HEX = 'aae1c1acd0a4c1294a0850c94b8fc6a346dd79995e2fec1196826d4fa7aef2f5';
const CERT_B64URL = 'quHBrNCkwSlKCFDJS4_Go0bdeZleL-wRloJtT6eu8vU';
const OTHER_CERT_B64URL = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8';
const POLICY: PlayIntegrityPolicy = {
  packageName: 'com.example.shop',
  certificateSha256: [CERT_HEX.toUpperCase().match(/../g)!.join(':')],
};
const CODES = new Set<string>(PLAY_INTEGRITY_FAILURE_CODES.map((c) => c.code));

/** A copy of `base` with each dotted path set to its value (undefined deletes it). */
function edit(base: unknown, changes: Record<string, unknown>): unknown {
  const copy = structuredClone(base) as Record<string, unknown>;
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split('.');
    let node = copy;
    for (const key of keys.slice(0, -1)) node = node[key] as Record<string, unknown>;
    const last = keys.at(-1) ?? '';
    if (value === undefined) delete node[last];
    else node[last] = value;
  }
  return copy;
}

interface Case {
  name: string;
  payload?: unknown;
  policy?: Partial<PlayIntegrityPolicy>;
  challenge?: string;
  at?: Date;
  /** Expected failure code, or an expected success level. */
  code?: string;
  level?: 'hardware' | 'device' | 'basic';
  failedStep?: string;
}

function run(c: Case) {
  return verifyPlayIntegrityVerdict(
    'payload' in c ? c.payload : STANDARD,
    { ...POLICY, ...c.policy },
    { challenge: c.challenge ?? STANDARD_CHALLENGE },
    c.at ?? AT,
  );
}

function check(cases: Case[]) {
  for (const c of cases) {
    test(c.name, () => {
      const result = run(c);
      if (c.code !== undefined) {
        assert.equal(result.ok, false, 'expected a refusal');
        if (result.ok) return;
        assert.equal(result.code, c.code);
        assert.ok(CODES.has(result.code), `${result.code} is listed in PLAY_INTEGRITY_FAILURE_CODES`);
        assert.equal(result.kind, PLAY_INTEGRITY_FAILURE_CODES.find((e) => e.code === result.code)?.kind);
        assert.equal(result.steps.at(-1)?.verdict, 'fail');
        if (c.failedStep !== undefined) assert.equal(result.steps.at(-1)?.step, c.failedStep);
        const challenge = c.challenge ?? STANDARD_CHALLENGE;
        if (challenge !== '')
          assert.ok(!result.message.includes(challenge), 'message never echoes the challenge');
      } else {
        assert.equal(result.ok, true, result.ok ? '' : `${result.code}: ${result.message}`);
        if (result.ok && c.level !== undefined) assert.equal(result.evidence.level, c.level);
      }
    });
  }
}

describe('verifyPlayIntegrityVerdict: payloads shaped like Google documents them', () => {
  test('standard request verdict passes the default policy with level device', () => {
    const result = run({ name: '' });
    assert.equal(result.ok, true);
    if (!result.ok) return;
    assert.deepEqual(result.evidence, {
      type: 'play-integrity',
      platform: 'android',
      level: 'device',
      testRoot: false,
      facts: {
        requestKind: 'standard',
        deviceRecognition: 'MEETS_DEVICE_INTEGRITY',
        appRecognition: 'PLAY_RECOGNIZED',
        licensing: 'LICENSED',
        versionCode: '42',
        sdkVersion: 33,
        deviceActivity: 'LEVEL_2',
        appsDetected: 'KNOWN_INSTALLED,UNKNOWN_INSTALLED,UNKNOWN_CAPTURING',
        playProtect: 'NO_ISSUES',
      },
    });
    assert.equal('keyId' in result.evidence, false, 'Play Integrity attests no key');
    assert.deepEqual(result.steps, [
      { step: 'payload shape', verdict: 'pass' },
      { step: 'request package name', verdict: 'pass' },
      { step: 'request binding', verdict: 'pass' },
      { step: 'request timestamp', verdict: 'pass' },
      { step: 'app recognition', verdict: 'pass' },
      { step: 'app package name', verdict: 'pass' },
      { step: 'app certificate', verdict: 'pass' },
      { step: 'device recognition', verdict: 'pass' },
      { step: 'device sdk version', verdict: 'skipped' },
      { step: 'account licensing', verdict: 'skipped' },
      { step: 'app access risk', verdict: 'skipped' },
      { step: 'play protect', verdict: 'skipped' },
    ]);
  });

  test('classic request verdict with MEETS_STRONG_INTEGRITY gives level hardware', () => {
    const result = run({ name: '', payload: CLASSIC, challenge: CLASSIC_CHALLENGE });
    assert.equal(result.ok, true);
    if (!result.ok) return;
    assert.equal(result.evidence.level, 'hardware');
    assert.equal(result.evidence.facts['requestKind'], 'classic');
    assert.equal(result.evidence.facts['licensing'], 'LICENSED');
  });

  test('the unevaluated verdict Google documents is refused at the app check', () => {
    const result = run({ name: '', payload: UNEVALUATED });
    assert.equal(result.ok, false);
    if (!result.ok) assert.equal(result.code, 'play_app_unrecognized');
  });
});

describe('D-24 request binding (checked before any verdict)', () => {
  check([
    { name: 'requestHash of another challenge', challenge: 'x'.repeat(43), code: 'play_request_mismatch' },
    {
      name: 'requestHash set to the challenge itself (app forgot to hash)',
      payload: edit(STANDARD, { 'requestDetails.requestHash': STANDARD_CHALLENGE }),
      code: 'play_request_mismatch',
    },
    {
      name: 'requestHash with padding and standard alphabet is the same bytes',
      payload: edit(STANDARD, {
        'requestDetails.requestHash': Buffer.from(STANDARD_REQUEST_HASH, 'base64url').toString('base64'),
      }),
    },
    {
      name: 'classic nonce equal to the challenge',
      payload: CLASSIC,
      challenge: CLASSIC_CHALLENGE,
      level: 'hardware',
    },
    {
      name: 'classic nonce returned padded',
      payload: edit(CLASSIC, { 'requestDetails.nonce': `${CLASSIC_CHALLENGE}=` }),
      challenge: CLASSIC_CHALLENGE,
    },
    {
      name: 'classic nonce not the challenge',
      payload: CLASSIC,
      challenge: STANDARD_CHALLENGE,
      code: 'play_request_mismatch',
    },
    {
      name: 'classic nonce differing in one character',
      payload: CLASSIC,
      challenge: CLASSIC_CHALLENGE.replace(/.$/, 'V'),
      code: 'play_request_mismatch',
    },
    {
      name: 'neither nonce nor requestHash',
      payload: edit(STANDARD, { 'requestDetails.requestHash': undefined }),
      code: 'play_request_mismatch',
    },
    {
      name: 'both present and the nonce is wrong',
      payload: edit(STANDARD, { 'requestDetails.nonce': CLASSIC_CHALLENGE }),
      code: 'play_request_mismatch',
    },
    { name: 'empty challenge', challenge: '', code: 'play_request_mismatch', failedStep: 'request binding' },
    {
      name: 'requestDetails are judged before the app verdict',
      payload: UNEVALUATED,
      challenge: CLASSIC_CHALLENGE,
      code: 'play_request_mismatch',
    },
    {
      name: 'requestPackageName of another app',
      payload: edit(STANDARD, { 'requestDetails.requestPackageName': 'com.evil.shop' }),
      code: 'play_request_package_mismatch',
      failedStep: 'request package name',
    },
  ]);
});

describe('D-25 freshness', () => {
  check([
    { name: 'exactly maxAgeSeconds old', at: new Date(T0 + 300_000) },
    { name: 'one ms older than maxAgeSeconds', at: new Date(T0 + 300_001), code: 'play_timestamp_stale' },
    {
      name: 'per-request policy of 60 s',
      policy: { maxAgeSeconds: 60 },
      at: new Date(T0 + 61_000),
      code: 'play_timestamp_stale',
    },
    { name: 'exactly maxFutureSkewSeconds ahead', at: new Date(T0 - 60_000) },
    { name: 'beyond maxFutureSkewSeconds', at: new Date(T0 - 60_001), code: 'play_timestamp_future' },
    {
      name: 'no skew allowed',
      policy: { maxFutureSkewSeconds: 0 },
      at: new Date(T0 - 1),
      code: 'play_timestamp_future',
    },
    {
      name: 'a NaN maxAgeSeconds fails closed',
      policy: { maxAgeSeconds: Number.NaN },
      code: 'play_timestamp_stale',
    },
    {
      name: 'an invalid verification time fails closed',
      at: new Date(Number.NaN),
      code: 'play_timestamp_stale',
    },
    {
      name: 'timestampMillis as a JSON number is read too',
      payload: edit(STANDARD, { 'requestDetails.timestampMillis': T0 }),
    },
  ]);
});

describe('D-26 package, certificate and app recognition', () => {
  check([
    {
      name: 'appIntegrity.packageName of another app',
      payload: edit(STANDARD, { 'appIntegrity.packageName': 'com.evil.shop' }),
      code: 'play_package_mismatch',
    },
    { name: 'digest allow-list as lower-case hex', policy: { certificateSha256: [CERT_HEX] } },
    { name: 'digest allow-list as base64url', policy: { certificateSha256: [CERT_B64URL] } },
    {
      name: 'digest allow-list as padded standard base64',
      policy: { certificateSha256: [Buffer.from(CERT_HEX, 'hex').toString('base64')] },
    },
    {
      name: 'digest not in the allow-list',
      policy: { certificateSha256: [OTHER_CERT_B64URL] },
      code: 'play_certificate_mismatch',
    },
    { name: 'empty allow-list', policy: { certificateSha256: [] }, code: 'play_certificate_mismatch' },
    {
      name: 'an unparseable allow-list entry matches nothing',
      policy: { certificateSha256: ['not a digest'] },
      code: 'play_certificate_mismatch',
    },
    {
      name: 'an extra signer next to the allowed one',
      payload: edit(STANDARD, { 'appIntegrity.certificateSha256Digest': [CERT_B64URL, OTHER_CERT_B64URL] }),
      code: 'play_certificate_mismatch',
    },
    {
      name: 'two signers, both allowed',
      payload: edit(STANDARD, { 'appIntegrity.certificateSha256Digest': [CERT_B64URL, OTHER_CERT_B64URL] }),
      policy: { certificateSha256: [CERT_HEX, OTHER_CERT_B64URL] },
    },
    {
      name: 'digest missing',
      payload: edit(STANDARD, { 'appIntegrity.certificateSha256Digest': undefined }),
      code: 'play_certificate_mismatch',
    },
    {
      name: 'UNRECOGNIZED_VERSION under the default policy',
      payload: edit(STANDARD, { 'appIntegrity.appRecognitionVerdict': 'UNRECOGNIZED_VERSION' }),
      code: 'play_app_unrecognized',
    },
    {
      name: "UNRECOGNIZED_VERSION with appRecognition 'any'",
      payload: edit(STANDARD, { 'appIntegrity.appRecognitionVerdict': 'UNRECOGNIZED_VERSION' }),
      policy: { appRecognition: 'any' },
    },
    {
      name: "UNRECOGNIZED_VERSION with appRecognition 'any' still checks the certificate",
      payload: edit(STANDARD, {
        'appIntegrity.appRecognitionVerdict': 'UNRECOGNIZED_VERSION',
        'appIntegrity.certificateSha256Digest': [OTHER_CERT_B64URL],
      }),
      policy: { appRecognition: 'any' },
      code: 'play_certificate_mismatch',
    },
    {
      name: "UNEVALUATED with appRecognition 'any' has no package to check",
      payload: UNEVALUATED,
      policy: { appRecognition: 'any' },
      code: 'play_package_mismatch',
    },
  ]);
});

describe('D-27 device recognition', () => {
  const device = (labels: string[] | undefined) =>
    edit(STANDARD, { deviceIntegrity: labels === undefined ? {} : { deviceRecognitionVerdict: labels } });
  check([
    {
      name: 'no label (field omitted)',
      payload: device(undefined),
      code: 'play_device_integrity_insufficient',
    },
    {
      name: 'no label even with the weakest minimum',
      payload: device([]),
      policy: { minDeviceRecognition: 'MEETS_VIRTUAL_INTEGRITY' },
      code: 'play_device_integrity_insufficient',
    },
    {
      name: 'emulator only, default minimum',
      payload: device(['MEETS_VIRTUAL_INTEGRITY']),
      code: 'play_device_integrity_insufficient',
    },
    {
      name: 'emulator only, minimum MEETS_VIRTUAL_INTEGRITY',
      payload: device(['MEETS_VIRTUAL_INTEGRITY']),
      policy: { minDeviceRecognition: 'MEETS_VIRTUAL_INTEGRITY' },
      level: 'basic',
    },
    {
      name: 'emulator only, minimum MEETS_BASIC_INTEGRITY',
      payload: device(['MEETS_VIRTUAL_INTEGRITY']),
      policy: { minDeviceRecognition: 'MEETS_BASIC_INTEGRITY' },
      code: 'play_device_integrity_insufficient',
    },
    {
      name: 'basic only, default minimum',
      payload: device(['MEETS_BASIC_INTEGRITY']),
      code: 'play_device_integrity_insufficient',
    },
    {
      name: 'basic only, minimum MEETS_BASIC_INTEGRITY',
      payload: device(['MEETS_BASIC_INTEGRITY']),
      policy: { minDeviceRecognition: 'MEETS_BASIC_INTEGRITY' },
      level: 'basic',
    },
    {
      name: 'device integrity, minimum MEETS_STRONG_INTEGRITY (payments)',
      payload: device(['MEETS_BASIC_INTEGRITY', 'MEETS_DEVICE_INTEGRITY']),
      policy: { minDeviceRecognition: 'MEETS_STRONG_INTEGRITY' },
      code: 'play_device_integrity_insufficient',
    },
    {
      name: 'strong integrity, minimum MEETS_STRONG_INTEGRITY',
      payload: device(['MEETS_BASIC_INTEGRITY', 'MEETS_DEVICE_INTEGRITY', 'MEETS_STRONG_INTEGRITY']),
      policy: { minDeviceRecognition: 'MEETS_STRONG_INTEGRITY' },
      level: 'hardware',
    },
    {
      name: 'unknown labels only',
      payload: device(['MEETS_EVERYTHING']),
      code: 'play_device_integrity_insufficient',
    },
  ]);
});

describe('B-08 device SDK version', () => {
  check([
    { name: 'sdkVersion at the minimum', policy: { minSdkVersion: 33 } },
    { name: 'sdkVersion below the minimum', policy: { minSdkVersion: 34 }, code: 'play_sdk_version_low' },
    {
      name: 'device attributes missing while a minimum is set',
      payload: CLASSIC,
      challenge: CLASSIC_CHALLENGE,
      policy: { minSdkVersion: 21 },
      code: 'play_sdk_version_low',
    },
  ]);
});

describe('D-28 account and environment', () => {
  const licensing = (verdict: string) => edit(STANDARD, { 'accountDetails.appLicensingVerdict': verdict });
  const protect = (verdict: string | undefined) =>
    edit(STANDARD, { 'environmentDetails.playProtectVerdict': verdict });
  check([
    { name: 'UNLICENSED, requireLicensed off', payload: licensing('UNLICENSED') },
    {
      name: 'UNLICENSED, requireLicensed on',
      payload: licensing('UNLICENSED'),
      policy: { requireLicensed: true },
      code: 'play_unlicensed',
    },
    {
      name: 'UNEVALUATED licensing, requireLicensed on',
      payload: licensing('UNEVALUATED'),
      policy: { requireLicensed: true },
      code: 'play_unlicensed',
    },
    { name: 'LICENSED, requireLicensed on', policy: { requireLicensed: true } },
    {
      name: 'capturing app detected, refused by policy',
      policy: { refuseAppAccessRisk: ['UNKNOWN_CAPTURING', 'UNKNOWN_CONTROLLING'] },
      code: 'play_app_access_risk',
    },
    { name: 'capturing app detected, no refusal configured' },
    {
      name: 'only known installed apps, refusal configured',
      payload: edit(STANDARD, {
        'environmentDetails.appAccessRiskVerdict.appsDetected': ['KNOWN_INSTALLED'],
      }),
      policy: { refuseAppAccessRisk: ['UNKNOWN_CAPTURING', 'UNKNOWN_CONTROLLING'] },
    },
    {
      name: 'no app access risk verdict while a refusal is configured',
      payload: CLASSIC,
      challenge: CLASSIC_CHALLENGE,
      policy: { refuseAppAccessRisk: ['UNKNOWN_CONTROLLING'] },
      code: 'play_app_access_risk',
    },
    { name: 'Play Protect NO_ISSUES, required', policy: { requirePlayProtect: true } },
    {
      name: 'Play Protect NO_DATA, required',
      payload: protect('NO_DATA'),
      policy: { requirePlayProtect: true },
    },
    {
      name: 'Play Protect off, required',
      payload: protect('POSSIBLE_RISK'),
      policy: { requirePlayProtect: true },
      code: 'play_protect_off',
    },
    { name: 'Play Protect off, not required', payload: protect('POSSIBLE_RISK') },
    {
      name: 'Play Protect verdict missing, required',
      payload: protect(undefined),
      policy: { requirePlayProtect: true },
      code: 'play_protect_off',
    },
    {
      name: 'Play Protect found harmful apps',
      payload: protect('MEDIUM_RISK'),
      policy: { requirePlayProtect: true },
      code: 'play_protect_risk',
    },
    {
      name: 'Play Protect found dangerous apps',
      payload: protect('HIGH_RISK'),
      policy: { requirePlayProtect: true },
      code: 'play_protect_risk',
    },
  ]);
});

describe('malformed payloads', () => {
  const malformed = (name: string, payload: unknown): Case => ({
    name,
    payload,
    code: 'play_payload_malformed',
    failedStep: 'payload shape',
  });
  check([
    malformed('null', null),
    malformed('an array', [STANDARD]),
    malformed('a string', JSON.stringify(STANDARD)),
    malformed('no requestDetails', edit(STANDARD, { requestDetails: undefined })),
    malformed('no accountDetails', edit(STANDARD, { accountDetails: undefined })),
    malformed(
      'timestampMillis not a number',
      edit(STANDARD, { 'requestDetails.timestampMillis': 'yesterday' }),
    ),
    malformed('negative timestampMillis', edit(STANDARD, { 'requestDetails.timestampMillis': '-1' })),
    malformed('fractional timestampMillis', edit(STANDARD, { 'requestDetails.timestampMillis': 1.5 })),
    malformed('nonce not a string', edit(STANDARD, { 'requestDetails.nonce': 7 })),
    malformed(
      'deviceRecognitionVerdict not a list',
      edit(STANDARD, { 'deviceIntegrity.deviceRecognitionVerdict': 'MEETS_DEVICE_INTEGRITY' }),
    ),
    malformed(
      'certificate digest list holding a number',
      edit(STANDARD, { 'appIntegrity.certificateSha256Digest': [1] }),
    ),
  ]);

  test('a verdict label that is not an enum name never reaches the message or facts', () => {
    const payload = edit(STANDARD, {
      'appIntegrity.appRecognitionVerdict': 'PLAY_RECOGNIZED\n{"forged":true}',
    });
    const result = run({ name: '', payload });
    assert.equal(result.ok, false);
    if (!result.ok) assert.equal(result.message, 'appRecognitionVerdict is an unrecognised value');
  });
});
