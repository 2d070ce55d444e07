import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  type GoogleKeyDescriptionJson,
  googleCreationTime,
  pemBlocks,
  readAndroidFixture,
  readJsonFixture,
  readPemChain,
} from '../../../test/fixtures/android/android-fixtures.js';
import type { VerificationResult } from '../contract.js';
import {
  type AndroidKeyAttestationPolicy,
  lenientAndroidPolicy,
  strictAndroidPolicy,
} from './android-policy.js';
import type { AndroidKeyAttestationStep } from './android-steps.js';
import {
  findRevocationEntry,
  parseRevocationStatus,
  type RevocationStatus,
} from './parse-revocation-status.js';
import { GOOGLE_ATTESTATION_ROOTS_PEM, loadAndroidRoots } from './roots.js';
import type { AndroidTrustAnchors } from './verify-android-chain.js';
import { verifyAndroidKeyAttestation } from './verify-android-key-attestation.js';

/*
 * Every chain of the three Android vector folders, verified at its own time against Google's
 * roots and the sample status list (which lists none of them).
 */

const roots = loadAndroidRoots(GOOGLE_ATTESTATION_ROOTS_PEM);
const sampleStatus = parseRevocationStatus(readAndroidFixture('google-sample/status-sample.json'));
const anchors: AndroidTrustAnchors = { roots, revocation: sampleStatus };

interface GoogleCase {
  chain: Uint8Array[];
  challenge: string;
  at: Date;
  identity: { packageName: string; signingCertSha256: string[] };
}

/** A Google testdata chain with the challenge, time and app identity of its expected JSON. */
function googleCase(name: string): GoogleCase {
  const json = readJsonFixture<GoogleKeyDescriptionJson>(`keyattestation-google/${name}.json`);
  const app = json.softwareEnforced['attestationApplicationId'] as {
    packages: { name: string }[];
    signatures: string[];
  };
  return {
    chain: readPemChain(`keyattestation-google/${name}.pem`),
    challenge: Buffer.from(json.attestationChallenge, 'base64').toString('utf8'),
    at: googleCreationTime(json),
    identity: {
      packageName: app.packages[0]?.name ?? '',
      signingCertSha256: app.signatures.map((s) => Buffer.from(s, 'base64').toString('hex')),
    },
  };
}

function run(
  c: GoogleCase,
  policy: AndroidKeyAttestationPolicy,
  at = c.at,
  trust = anchors,
): VerificationResult {
  return verifyAndroidKeyAttestation({ chain: c.chain, challenge: c.challenge }, policy, trust, at);
}

function expectFailure(result: VerificationResult, code: string, step: AndroidKeyAttestationStep): void {
  assert.equal(result.ok, false, 'expected a refusal');
  if (result.ok) return;
  assert.equal(result.code, code, result.message);
  const failed = result.steps.filter((s) => s.verdict === 'fail');
  assert.deepEqual(failed, [{ step, verdict: 'fail' }]);
  const index = result.steps.findIndex((s) => s.step === step);
  // Everything before the failing step passed (or was skipped for lack of input); nothing after ran.
  assert.ok(result.steps.slice(0, index).every((s) => s.verdict !== 'fail'));
  assert.ok(result.steps.slice(index + 1).every((s) => s.verdict === 'skipped'));
}

function passedUpTo(result: VerificationResult, step: AndroidKeyAttestationStep): void {
  const index = result.steps.findIndex((s) => s.step === step);
  assert.ok(index > 0);
  for (const s of result.steps.slice(0, index + 1)) {
    assert.ok(s.verdict === 'pass' || s.step === 'revocation', `${s.step} is ${s.verdict}`);
  }
}

function accepted(result: VerificationResult) {
  assert.ok(result.ok, result.ok ? '' : `${result.code}: ${result.message}`);
  return result.evidence;
}

const strict = (c: GoogleCase) => strictAndroidPolicy(c.identity);
const lenient = (c: GoogleCase) => lenientAndroidPolicy(c.identity);
/** The lenient settings without the preset's package-name check (system packages such as `android`). */
const lenientRaw = (identity: GoogleCase['identity']): AndroidKeyAttestationPolicy => ({
  ...identity,
  requireVerifiedBoot: false,
  requireLockedBootloader: false,
});

describe('android/keyattestation chains (Google testdata)', () => {
  const lockedAndVerified = [
    ['pixel9pro-caiman-2025-09-tee-ec-rkp', 'tee', 400],
    ['pixel9pro-caiman-2025-09-sb-ec-rkp', 'strongbox', 300],
    ['pixel9a-tegu-2026-02-tee-ec-ecroot', 'tee', 400],
    ['pixel9a-tegu-2026-02-sb-ec-ecroot', 'strongbox', 300],
  ] as const;
  for (const [name, level, version] of lockedAndVerified) {
    test(`${name}: strict policy accepts a locked, verified device at level hardware`, () => {
      const c = googleCase(name);
      const evidence = accepted(run(c, strict(c)));
      assert.equal(evidence.level, 'hardware');
      assert.equal(evidence.type, 'android-key-attestation');
      assert.equal(evidence.platform, 'android');
      assert.equal(evidence.testRoot, false);
      assert.equal(evidence.facts['securityLevel'], level);
      assert.equal(evidence.facts['attestationVersion'], version);
      assert.equal(evidence.facts['verifiedBootState'], 'verified');
      assert.equal(evidence.facts['deviceLocked'], true);
      assert.equal(evidence.facts['appIdentityVerified'], true);
      assert.equal(evidence.facts['packageName'], 'com.google.android.attestation');
      assert.equal(evidence.facts['provisioning'], 'remote');
      assert.equal(evidence.facts['revocationChecked'], true);
      assert.equal(evidence.publicKeyJwk?.crv, 'P-256');
      // keyId = b64url(SHA-256(SubjectPublicKeyInfo DER of the leaf)), protocol §1.
      const leaf = new X509Certificate(c.chain[0] ?? new Uint8Array());
      const spki = leaf.publicKey.export({ type: 'spki', format: 'der' });
      assert.equal(evidence.keyId, Buffer.from(sha256(spki)).toString('base64url'));
    });
  }

  test('StrongBox minimum: the StrongBox Pixel 9 Pro key passes, its TEE key does not', () => {
    const sb = googleCase('pixel9pro-caiman-2025-09-sb-ec-rkp');
    accepted(run(sb, { ...strict(sb), minSecurityLevel: 'strongbox' }));
    const tee = googleCase('pixel9pro-caiman-2025-09-tee-ec-rkp');
    expectFailure(
      run(tee, { ...strict(tee), minSecurityLevel: 'strongbox' }),
      'android_security_level_insufficient',
      'min_security_level',
    );
  });

  const unlockedEc = [
    ['pixel3-blueline-2018-09-tee-ec', 'factory'],
    ['pixel8a-akita-2024-09-tee-ec', 'remote'],
    ['pixel9a-tegu-2026-07-tee-max-usage-count', 'remote'],
    ['pixel9a-tegu-2026-07-tee-trusted-conf', 'remote'],
  ] as const;
  for (const [name, provisioning] of unlockedEc) {
    test(`${name}: unlocked test device, strict refuses (boot unverified), lenient accepts at level basic (app identity unverified)`, () => {
      const c = googleCase(name);
      expectFailure(run(c, strict(c)), 'android_boot_unverified', 'verified_boot');
      expectFailure(
        run(c, { ...strict(c), requireVerifiedBoot: false }),
        'android_bootloader_unlocked',
        'bootloader_locked',
      );
      const evidence = accepted(run(c, lenient(c)));
      assert.equal(evidence.level, 'basic');
      assert.equal(evidence.facts['appIdentityVerified'], false);
      assert.equal(evidence.facts['deviceLocked'], false);
      assert.equal(evidence.facts['verifiedBootState'], 'unverified');
      assert.equal(evidence.facts['provisioning'], provisioning);
    });
  }

  const rsaLeaves = [
    'pixel3-blueline-2018-09-tee-rsa',
    'pixel3-blueline-2018-09-tee-rsa-imei',
    'pixel3-blueline-2020-08-sb-rsa',
    'pixel3-blueline-2020-08-sb-rsa-userauth',
    'pixel8a-akita-2024-09-tee-rsa',
    'pixel8a-akita-2024-09-tee-rsa-imei',
    'pixel8a-akita-2024-09-tee-rsa-userauth',
    'pixel8a-akita-2024-09-sb-rsa',
  ];
  for (const name of rsaLeaves) {
    test(`${name}: a valid chain, but an RSA device key is refused`, () => {
      const c = googleCase(name);
      expectFailure(run(c, lenientRaw(c.identity)), 'android_key_not_p256', 'leaf_key');
    });
  }

  test('offline inspection (anyKeyAlgorithm): an RSA key passes, reported, with no key to register', () => {
    const c = googleCase('pixel8a-akita-2024-09-tee-rsa');
    const result = verifyAndroidKeyAttestation(
      { chain: c.chain, challenge: c.challenge },
      lenientRaw(c.identity),
      anchors,
      c.at,
      { anyKeyAlgorithm: true },
    );
    const evidence = accepted(result);
    assert.equal(evidence.facts['keyAlgorithm'], 'RSA 2048');
    assert.equal(evidence.publicKeyJwk, undefined);
    assert.equal(evidence.level, 'basic');
  });

  test('a challenge given as bytes is compared byte for byte (the binary Xperia challenge)', () => {
    const c = googleCase('xperia10iii-2026-06-tee-ec');
    const json = readJsonFixture<GoogleKeyDescriptionJson>(
      'keyattestation-google/xperia10iii-2026-06-tee-ec.json',
    );
    const bytes = new Uint8Array(Buffer.from(json.attestationChallenge, 'base64'));
    const evidence = accepted(
      verifyAndroidKeyAttestation({ chain: c.chain, challenge: bytes }, strict(c), anchors, c.at),
    );
    assert.equal(evidence.level, 'hardware');
    const other = Uint8Array.from(bytes);
    other[0] = other[0]! ^ 1;
    const refused = verifyAndroidKeyAttestation(
      { chain: c.chain, challenge: other },
      strict(c),
      anchors,
      c.at,
    );
    expectFailure(refused, 'android_challenge_mismatch', 'challenge');
    assert.deepEqual(refused.ok ? undefined : refused.compared, {
      attested: Buffer.from(bytes).toString('base64'),
      expected: Buffer.from(other).toString('base64'),
    });
  });

  for (const name of ['pixel9-tokay-2026-04-tee-mldsa-factory', 'pixel9-tokay-2026-04-tee-mldsa-rkp']) {
    test(`${name}: an ML-DSA device key is refused with its own code, no crash`, () => {
      const c = googleCase(name);
      expectFailure(run(c, lenient(c)), 'android_key_algorithm_unsupported', 'leaf_key');
    });
  }

  for (const name of ['pixelxl-marlin-2019-10-software-ec', 'pixelxl-marlin-2019-10-software-rsa']) {
    test(`${name}: a chain to the AOSP software attestation root is refused (D-12)`, () => {
      const c = googleCase(name);
      expectFailure(run(c, lenient(c)), 'android_root_untrusted', 'chain_root');
    });
  }

  test('Sony Xperia 10 III: factory intermediates expired at the verification time are accepted (D-22)', () => {
    const c = googleCase('xperia10iii-2026-06-tee-ec');
    // Its intermediates (and root) expired 2026-05-24; Google verified it on 2026-06-04. The
    // attested challenge is binary, so no challenge string can match: the chain passes and the
    // challenge step refuses.
    const intermediate = new X509Certificate(c.chain[1] ?? new Uint8Array());
    assert.ok(new Date(intermediate.validTo) < c.at);
    const result = run(c, strict(c));
    expectFailure(result, 'android_challenge_mismatch', 'challenge');
    passedUpTo(result, 'key_description');
  });

  test('non-canonical deviceLocked: chain and key description pass, binary challenge refused', () => {
    const chain = readPemChain('keyattestation-google/unknown-2021-01-malformed-rot-device-locked.pem');
    const result = verifyAndroidKeyAttestation(
      { chain, challenge: 'challenge' },
      strictAndroidPolicy({
        packageName: 'com.google.android.apps.photos',
        signingCertSha256: ['00'.repeat(32)],
      }),
      anchors,
      new Date('2026-02-13T15:08:20Z'),
    );
    expectFailure(result, 'android_challenge_mismatch', 'challenge');
    passedUpTo(result, 'key_description');
  });

  test('an edited leaf (tags out of order) fails its signature', () => {
    const chain = readPemChain('keyattestation-google/unknown-2022-09-tags-not-in-ascending-order.pem');
    const result = verifyAndroidKeyAttestation(
      { chain, challenge: 'challenge' },
      lenientAndroidPolicy({
        packageName: 'com.example.attestationcollector',
        signingCertSha256: ['00'.repeat(32)],
      }),
      anchors,
      new Date('2024-08-14T14:30:56.879Z'),
    );
    expectFailure(result, 'android_chain_signature_invalid', 'chain_signatures');
  });

  test('a lone leaf is not a chain', () => {
    const chain = readPemChain('keyattestation-google/pixel-2025-03-allow-while-on-body.pem');
    const result = verifyAndroidKeyAttestation(
      { chain, challenge: 'x' },
      lenientAndroidPolicy({ packageName: 'com.google.android.gms', signingCertSha256: ['00'.repeat(32)] }),
      anchors,
      new Date('2025-04-01'),
    );
    expectFailure(result, 'android_chain_malformed', 'chain_decode');
  });

  test('ECDSA-SHA384 chain under its own test root: trusted only as a test root, then its dummy extension is malformed', () => {
    const chain = readPemChain('keyattestation-google/synthetic-2024-01-p256-sha384-intermediate.pem');
    const policy = lenientAndroidPolicy({
      packageName: 'com.example.app',
      signingCertSha256: ['00'.repeat(32)],
    });
    const input = { chain, challenge: 'challenge' };
    const at = new Date('2025-01-01');
    expectFailure(
      verifyAndroidKeyAttestation(input, policy, anchors, at),
      'android_root_untrusted',
      'chain_root',
    );
    const testRoot = new X509Certificate(chain[2] ?? new Uint8Array());
    const result = verifyAndroidKeyAttestation(input, policy, { ...anchors, testRoots: [testRoot] }, at);
    expectFailure(result, 'android_key_description_malformed', 'key_description');
    passedUpTo(result, 'leaf_key');
  });
});

describe('validity at the verification time (D-22)', () => {
  test('factory chain (Pixel 3) after its intermediates and root expired: accepted', () => {
    const c = googleCase('pixel3-blueline-2018-09-tee-ec');
    const at = new Date('2030-01-01T00:00:00Z');
    assert.ok(c.chain.slice(1).every((der) => new Date(new X509Certificate(der).validTo) < at));
    const evidence = accepted(run(c, lenient(c), at));
    assert.equal(evidence.facts['provisioning'], 'factory');
  });

  test('remotely provisioned chain (Pixel 9 Pro) after its attestation certificate expired: refused', () => {
    const c = googleCase('pixel9pro-caiman-2025-09-tee-ec-rkp');
    expectFailure(
      run(c, strict(c), new Date('2025-10-04T00:00:00Z')),
      'android_certificate_expired',
      'chain_validity',
    );
  });

  test('remotely provisioned chain before its attestation certificate was issued: refused', () => {
    const c = googleCase('pixel9pro-caiman-2025-09-tee-ec-rkp');
    expectFailure(
      run(c, strict(c), new Date('2025-09-01T00:00:00Z')),
      'android_certificate_not_yet_valid',
      'chain_validity',
    );
  });

  test('an invalid Date is a caller bug, not a verdict', () => {
    const c = googleCase('pixel9pro-caiman-2025-09-tee-ec-rkp');
    assert.throws(() => run(c, strict(c), new Date(Number.NaN)), TypeError);
  });
});

describe('google/android-key-attestation sample chains (pre-production Pixel 3)', () => {
  const at = new Date('2019-01-01T00:00:00Z');
  const policy = lenientRaw({ packageName: 'android', signingCertSha256: ['00'.repeat(32)] });
  const verify = (file: string, trust = anchors) =>
    verifyAndroidKeyAttestation(
      { chain: readPemChain(`google-sample/${file}`), challenge: 'abc' },
      policy,
      trust,
      at,
    );

  test('TEE EC chain verifies to the Google root; 13 system packages under one UID are not one app', () => {
    const result = verify('pixel3-preprod-2018-03-tee-ec.pem');
    expectFailure(result, 'android_package_mismatch', 'package_name');
    passedUpTo(result, 'root_of_trust');
  });

  test('TEE RSA chain: RSA device key refused', () => {
    expectFailure(verify('pixel3-preprod-2018-03-tee-rsa.pem'), 'android_key_not_p256', 'leaf_key');
  });

  for (const file of ['pixel3-preprod-2018-03-sb-ec.pem', 'pixel3-preprod-2018-03-sb-rsa.pem']) {
    test(`${file}: StrongBox pre-production chain to an unknown root is refused`, () => {
      expectFailure(verify(file), 'android_root_untrusted', 'chain_root');
    });
  }

  test('attacker-appended leaf: CERT2 (its own key description) in front of CERT is refused', () => {
    const chain = [
      ...readPemChain('google-sample/parsed-record-cert2-unknown-issuer-2023-02.pem'),
      ...readPemChain('google-sample/parsed-record-cert.pem'),
    ];
    const result = verifyAndroidKeyAttestation({ chain, challenge: 'abc' }, policy, anchors, at);
    expectFailure(result, 'android_chain_extended', 'chain_shape');
  });
});

describe('revocation status list (google sample status.json)', () => {
  test('the sample list reports its test certificate SUSPENDED for key compromise', () => {
    const cert = new X509Certificate(
      pemBlocks(readAndroidFixture('google-sample/revocation-test-cert-2019-08.pem'))[0] ?? '',
    );
    assert.deepEqual(findRevocationEntry(sampleStatus, cert.serialNumber), {
      status: 'SUSPENDED',
      reason: 'KEY_COMPROMISE',
      comment: 'Entry for testing only',
    });
  });

  function withEntry(serial: string, status: string): RevocationStatus {
    const entries = new Map(sampleStatus.entries);
    entries.set(serial.toLowerCase().replace(/^0+/, ''), { status, reason: 'KEY_COMPROMISE' });
    return { entries };
  }

  for (const [index, role] of [
    [1, 'attestation certificate'],
    [2, 'intermediate'],
    [4, 'root certificate'],
  ] as const) {
    test(`a suspended or revoked ${role} refuses a chain that is otherwise accepted`, () => {
      const c = googleCase('pixel9pro-caiman-2025-09-tee-ec-rkp');
      const serial = new X509Certificate(c.chain[index] ?? new Uint8Array()).serialNumber;
      expectFailure(
        run(c, strict(c), c.at, { roots, revocation: withEntry(serial, 'SUSPENDED') }),
        'android_certificate_suspended',
        'revocation',
      );
      expectFailure(
        run(c, strict(c), c.at, { roots, revocation: withEntry(serial, 'REVOKED') }),
        'android_certificate_revoked',
        'revocation',
      );
    });
  }

  test('stale list: refuse policy fails as unavailable, allow policy skips the check', () => {
    const c = googleCase('pixel9pro-caiman-2025-09-tee-ec-rkp');
    const refused = run(c, strict(c), c.at, { roots, revocation: 'stale-refuse' });
    expectFailure(refused, 'android_revocation_unavailable', 'revocation');
    assert.equal(refused.ok ? undefined : refused.kind, 'unavailable');
    const allowed = run(c, strict(c), c.at, { roots, revocation: 'stale-allow' });
    const evidence = accepted(allowed);
    assert.equal(evidence.facts['revocationChecked'], false);
    assert.deepEqual(
      allowed.steps.find((s) => s.step === 'revocation'),
      { step: 'revocation', verdict: 'skipped' },
    );
  });
});

describe('SimpleWebAuthn android-key registrations', () => {
  interface Vector {
    test: string;
    upstreamMockNow: string;
    x5cBase64: string[];
  }
  const vectors = readJsonFixture<Vector[]>('simplewebauthn/webauthn-android-key-vectors.json');
  const vector = (prefix: string) => {
    const v = vectors.find((x) => x.test.includes(prefix));
    assert.ok(v, prefix);
    return {
      chain: v.x5cBase64.map((b) => new Uint8Array(Buffer.from(b, 'base64'))),
      at: new Date(v.upstreamMockNow),
    };
  };
  const policy = strictAndroidPolicy({
    packageName: 'com.google.android.gms',
    signingCertSha256: ['00'.repeat(32)],
  });

  for (const prefix of ['Pixel 8a', 'Galaxy S9+']) {
    test(`${prefix}: the chain passes every chain check; the WebAuthn challenge is a hash, not a string`, () => {
      const { chain, at } = vector(prefix);
      const result = verifyAndroidKeyAttestation({ chain, challenge: 'any' }, policy, anchors, at);
      expectFailure(result, 'android_challenge_mismatch', 'challenge');
      passedUpTo(result, 'key_description');
    });
  }

  test('Galaxy S9+ after its 2016 root certificate expired: trust is by key, the chain still passes', () => {
    const { chain } = vector('Galaxy S9+');
    const result = verifyAndroidKeyAttestation(
      { chain, challenge: 'any' },
      policy,
      anchors,
      new Date('2027-01-01'),
    );
    expectFailure(result, 'android_challenge_mismatch', 'challenge');
  });

  test('FIDO conformance software attestation under a fake root is refused (D-12)', () => {
    const { chain, at } = vector('FIDO Conformance');
    expectFailure(
      verifyAndroidKeyAttestation({ chain, challenge: 'any' }, policy, anchors, at),
      'android_root_untrusted',
      'chain_root',
    );
  });
});

function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}
