import assert from 'node:assert/strict';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import { AttestationApplicationId, AttestationPackageInfo, SecurityLevel } from '@peculiar/asn1-android';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import {
  type CreateSoftwareAndroidDeviceOptions,
  createSoftwareAndroidDevice,
} from '../../../../testkit/src/android-key-attestation-device.js';
import { createAndroidTestAuthority } from '../../../../testkit/src/android-test-authority.js';
import { createTestCertificate, createTestKeyPair } from '../../../../testkit/src/test-pki.js';
import { readPemChain } from '../../../test/fixtures/android/android-fixtures.js';
import type { VerificationResult } from '../contract.js';
import {
  type AndroidKeyAttestationPolicy,
  lenientAndroidPolicy,
  strictAndroidPolicy,
} from './android-policy.js';
import type { AndroidKeyAttestationStep } from './android-steps.js';
import { ANDROID_FAILURE_CODES } from './failure-codes.js';
import { RawKeyDescription } from './key-description-schema.js';
import { KEY_DESCRIPTION_OID } from './parse-key-description.js';
import type { RevocationStatus } from './parse-revocation-status.js';
import { GOOGLE_ATTESTATION_ROOTS_PEM, loadAndroidRoots } from './roots.js';
import type { AndroidTrustAnchors } from './verify-android-chain.js';
import { verifyAndroidKeyAttestation } from './verify-android-key-attestation.js';

/*
 * Mutation table: a software device from the test kit (TEE, verified boot, locked, patch level
 * 2026-01) is accepted at level `hardware`; each row changes one thing and must be refused with
 * exactly its code at exactly its step.
 */

const PACKAGE = 'com.example.shop';
const DIGEST =
  'FA:C6:17:45:DC:09:03:78:6F:B9:ED:E6:2A:96:2B:39:9F:73:48:F0:BB:6F:89:9B:83:32:66:75:91:03:3B:9C';
const OTHER_DIGEST = 'aa'.repeat(32);
const AT = new Date('2026-03-01T12:00:00Z');
const CHALLENGE = 'q1vVt1hQpEo5bZl1m1o8y0F4e7mVb9CzU3kqQ2p7n6A';

const authority = createAndroidTestAuthority();
const googleRoots = loadAndroidRoots(GOOGLE_ATTESTATION_ROOTS_PEM);
const noRevocations: RevocationStatus = { entries: new Map() };
const anchors: AndroidTrustAnchors = {
  roots: googleRoots,
  testRoots: [authority.root],
  revocation: noRevocations,
};
const strict = strictAndroidPolicy({ packageName: PACKAGE, signingCertSha256: [DIGEST] });
const lenient = lenientAndroidPolicy({ packageName: PACKAGE, signingCertSha256: [DIGEST] });

type DeviceOptions = Omit<
  CreateSoftwareAndroidDeviceOptions,
  'authority' | 'packageName' | 'signingCertSha256'
>;

function device(options: DeviceOptions = {}) {
  return createSoftwareAndroidDevice({
    authority,
    packageName: PACKAGE,
    signingCertSha256: DIGEST,
    ...options,
  });
}

const der = (chain: string[]) => chain.map((b) => new Uint8Array(Buffer.from(b, 'base64')));
const baseDevice = device();
const baseChain = der(baseDevice.attest(CHALLENGE));

function verify(
  chain: readonly Uint8Array[],
  options: {
    challenge?: string;
    policy?: AndroidKeyAttestationPolicy;
    anchors?: AndroidTrustAnchors;
    at?: Date;
  } = {},
): VerificationResult {
  return verifyAndroidKeyAttestation(
    { chain, challenge: options.challenge ?? CHALLENGE },
    options.policy ?? strict,
    options.anchors ?? anchors,
    options.at ?? AT,
  );
}

function refused(result: VerificationResult, code: string, step: AndroidKeyAttestationStep): void {
  assert.equal(result.ok, false, `expected ${code}`);
  if (result.ok) return;
  assert.equal(result.code, code, result.message);
  assert.deepEqual(
    result.steps.filter((s) => s.verdict === 'fail'),
    [{ step, verdict: 'fail' }],
  );
  const kind = ANDROID_FAILURE_CODES.find((c) => c.code === code)?.kind;
  assert.equal(result.kind, kind);
}

/** The chain of a leaf issued straight by the authority's intermediate (no device attestation key). */
function chainWithLeaf(leaf: Uint8Array): Uint8Array[] {
  return [leaf, authority.intermediateIssuer.der, new Uint8Array(authority.rootDer)];
}

function leafExtension(chain: readonly Uint8Array[]): Uint8Array {
  const cert = AsnConvert.parse(chain[0] ?? new Uint8Array(), Certificate);
  const ext = cert.tbsCertificate.extensions?.find((e) => e.extnID === KEY_DESCRIPTION_OID);
  assert.ok(ext);
  return new Uint8Array(ext.extnValue.buffer);
}

describe('software device baseline', () => {
  test('accepted by the strict policy at level hardware, as a test root', () => {
    const result = verify(baseChain);
    assert.ok(result.ok, result.ok ? '' : result.code);
    assert.equal(result.evidence.level, 'hardware');
    assert.equal(result.evidence.testRoot, true);
    assert.equal(result.evidence.keyId, baseDevice.keyId);
    assert.deepEqual(result.evidence.publicKeyJwk, baseDevice.publicKeyJwk);
    const verdicts = Object.fromEntries(result.steps.map((s) => [s.step, s.verdict]));
    assert.equal(verdicts['app_version'], 'skipped');
    assert.equal(verdicts['os_patch_level'], 'skipped');
    assert.equal(
      result.steps.filter((s) => s.verdict === 'pass').length,
      result.steps.length - 2,
      'every other step passed',
    );
  });

  test('policy digests are matched in any case and with colons', () => {
    const policy = strictAndroidPolicy({ packageName: PACKAGE, signingCertSha256: [DIGEST.toLowerCase()] });
    assert.ok(verify(baseChain, { policy }).ok);
    const bare = strictAndroidPolicy({
      packageName: PACKAGE,
      signingCertSha256: [DIGEST.replaceAll(':', '')],
    });
    assert.ok(verify(baseChain, { policy: bare }).ok);
  });

  test('without the test root (a production shield) the same chain is refused', () => {
    refused(
      verify(baseChain, { anchors: { ...anchors, testRoots: [] } }),
      'android_root_untrusted',
      'chain_root',
    );
  });
});

describe('mutations of the evidence', () => {
  test('D-20: wrong challenge', () => {
    refused(verify(baseChain, { challenge: `${CHALLENGE}x` }), 'android_challenge_mismatch', 'challenge');
    refused(verify(baseChain, { challenge: '' }), 'android_challenge_mismatch', 'challenge');
  });

  test('truncated DER', () => {
    const leaf = baseChain[0] ?? new Uint8Array();
    for (const cut of [1, leaf.length >> 1, leaf.length - 1]) {
      refused(
        verify([leaf.subarray(0, cut), ...baseChain.slice(1)]),
        'android_chain_malformed',
        'chain_decode',
      );
    }
  });

  test('D-23: 20-certificate chain', () => {
    const long = Array.from({ length: 20 }, (_, i) => baseChain[i % baseChain.length] ?? new Uint8Array());
    refused(verify(long), 'android_chain_too_long', 'chain_decode');
  });

  test('empty, single and non-binary chains; a 1 MB certificate', () => {
    refused(verify([]), 'android_chain_malformed', 'chain_decode');
    refused(verify(baseChain.slice(0, 1)), 'android_chain_malformed', 'chain_decode');
    refused(
      verify(['not bytes' as unknown as Uint8Array, ...baseChain.slice(1)]),
      'android_chain_malformed',
      'chain_decode',
    );
    refused(
      verify([new Uint8Array(1 << 20), ...baseChain.slice(1)]),
      'android_chain_malformed',
      'chain_decode',
    );
    refused(
      verifyAndroidKeyAttestation(
        { chain: 'nope' as unknown as Uint8Array[], challenge: CHALLENGE },
        strict,
        anchors,
        AT,
      ),
      'android_chain_malformed',
      'chain_decode',
    );
  });

  test('forged leaf signed by the attested key, with or without a key description', () => {
    const attacker = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const withExtension = baseDevice.signCertificate({
      subject: [['CN', 'Android Keystore Key']],
      publicKey: attacker.publicKey,
      extensions: [{ oid: KEY_DESCRIPTION_OID, value: leafExtension(baseChain) }],
    });
    refused(verify([withExtension, ...baseChain]), 'android_chain_extended', 'chain_shape');
    const bare = baseDevice.signCertificate({ subject: [['CN', 'forged']], publicKey: attacker.publicKey });
    refused(verify([bare, ...baseChain]), 'android_chain_extended', 'chain_shape');
  });

  test('leaf without the key description extension (D-15)', () => {
    const leaf = createTestCertificate({
      subject: [['CN', 'Android Keystore Key']],
      keys: createTestKeyPair(),
      issuer: authority.intermediateIssuer,
      notBefore: authority.notBefore,
      notAfter: authority.notAfter,
    });
    refused(verify(chainWithLeaf(leaf.der)), 'android_extension_missing', 'chain_shape');
  });

  test('leaf with the key description twice', () => {
    const ext = { oid: KEY_DESCRIPTION_OID, value: leafExtension(baseChain) };
    const leaf = createTestCertificate({
      subject: [['CN', 'Android Keystore Key']],
      keys: createTestKeyPair(),
      issuer: authority.intermediateIssuer,
      notBefore: authority.notBefore,
      notAfter: authority.notAfter,
      extensions: [ext, ext],
    });
    refused(verify(chainWithLeaf(leaf.der)), 'android_key_description_malformed', 'chain_shape');
  });

  test('chain to a self-made root (another test authority, not configured)', () => {
    const rogue = createAndroidTestAuthority();
    const chain = der(
      createSoftwareAndroidDevice({
        authority: rogue,
        packageName: PACKAGE,
        signingCertSha256: DIGEST,
      }).attest(CHALLENGE),
    );
    refused(verify(chain), 'android_root_untrusted', 'chain_root');
  });

  test('certificates out of order', () => {
    const [leaf, attestation, intermediate, root] = baseChain as [
      Uint8Array,
      Uint8Array,
      Uint8Array,
      Uint8Array,
    ];
    refused(verify([leaf, intermediate, attestation, root]), 'android_chain_name_mismatch', 'chain_names');
  });

  test('a broken signature', () => {
    const leaf = Uint8Array.from(baseChain[0] ?? new Uint8Array());
    // The last byte belongs to the ECDSA signature's s value.
    leaf[leaf.length - 1] = (leaf[leaf.length - 1] ?? 0) ^ 0x01;
    refused(verify([leaf, ...baseChain.slice(1)]), 'android_chain_signature_invalid', 'chain_signatures');
  });

  test('expired at the verification time, and not yet valid', () => {
    const shortLived = createAndroidTestAuthority({
      notBefore: new Date('2025-01-01T00:00:00Z'),
      notAfter: new Date('2026-01-01T00:00:00Z'),
    });
    const chain = der(
      createSoftwareAndroidDevice({
        authority: shortLived,
        packageName: PACKAGE,
        signingCertSha256: DIGEST,
      }).attest(CHALLENGE),
    );
    const trust = { ...anchors, testRoots: [shortLived.root] };
    assert.ok(verify(chain, { anchors: trust, at: new Date('2025-06-01T00:00:00Z') }).ok);
    refused(verify(chain, { anchors: trust }), 'android_certificate_expired', 'chain_validity');
    refused(
      verify(chain, { anchors: trust, at: new Date('2024-12-31T00:00:00Z') }),
      'android_certificate_not_yet_valid',
      'chain_validity',
    );
  });

  test('revoked or suspended attestation certificate', () => {
    const serial = new X509Certificate(baseChain[1] ?? new Uint8Array()).serialNumber
      .toLowerCase()
      .replace(/^0+/, '');
    const list = (status: string): RevocationStatus => ({ entries: new Map([[serial, { status }]]) });
    refused(
      verify(baseChain, { anchors: { ...anchors, revocation: list('REVOKED') } }),
      'android_certificate_revoked',
      'revocation',
    );
    refused(
      verify(baseChain, { anchors: { ...anchors, revocation: list('SUSPENDED') } }),
      'android_certificate_suspended',
      'revocation',
    );
    refused(
      verify(baseChain, { anchors: { ...anchors, revocation: list('SOMETHING_NEW') } }),
      'android_certificate_suspended',
      'revocation',
    );
  });

  test('device key on another curve or RSA', () => {
    for (const algorithm of ['ec-p384', 'rsa-2048'] as const) {
      const leaf = createTestCertificate({
        subject: [['CN', 'Android Keystore Key']],
        keys: createTestKeyPair(algorithm),
        issuer: authority.intermediateIssuer,
        notBefore: authority.notBefore,
        notAfter: authority.notAfter,
        extensions: [{ oid: KEY_DESCRIPTION_OID, value: leafExtension(baseChain) }],
      });
      refused(verify(chainWithLeaf(leaf.der)), 'android_key_not_p256', 'leaf_key');
    }
  });

  test('key description tags out of order (DER violation), from Google invalid testdata', () => {
    const googleLeaf = readPemChain('keyattestation-google/unknown-2022-09-tags-not-in-ascending-order.pem');
    const unordered = leafExtension(googleLeaf);
    const chain = der(device({ extensionValue: () => unordered }).attest(CHALLENGE));
    refused(
      verify(chain, { challenge: 'challenge' }),
      'android_key_description_malformed',
      'key_description',
    );
  });

  test('key description with an unknown tag', () => {
    const chain = der(
      device({
        extensionValue: (value) => {
          const raw = AsnConvert.parse(value, RawKeyDescription);
          // [900] EXPLICIT INTEGER 1, after the highest tag of the software list (709).
          raw.softwareEnforced.push(new Uint8Array([0xbf, 0x87, 0x04, 0x03, 0x02, 0x01, 0x01]).buffer);
          return new Uint8Array(AsnConvert.serialize(raw));
        },
      }).attest(CHALLENGE),
    );
    refused(verify(chain), 'android_key_description_unknown_tag', 'key_description');
  });

  test('key description that is not one', () => {
    const chain = der(
      device({ extensionValue: () => new Uint8Array([0x30, 0x03, 0x02, 0x01, 0x01]) }).attest(CHALLENGE),
    );
    refused(verify(chain), 'android_key_description_malformed', 'key_description');
  });

  test('attestation and KeyMint security levels differ (D-16)', () => {
    const chain = der(
      device({
        keyDescription: (kd) => {
          kd.keyMintSecurityLevel = SecurityLevel.strongBox;
        },
      }).attest(CHALLENGE),
    );
    refused(verify(chain), 'android_security_level_mismatch', 'security_level');
  });

  test('TEE attestation certificate attesting a StrongBox key (D-16)', () => {
    const chain = der(
      device({
        securityLevel: 'tee',
        keyDescription: (kd) => {
          kd.attestationSecurityLevel = SecurityLevel.strongBox;
          kd.keyMintSecurityLevel = SecurityLevel.strongBox;
        },
      }).attest(CHALLENGE),
    );
    assert.match(new X509Certificate(chain[1] ?? new Uint8Array()).subject, /O=TEE/);
    refused(verify(chain), 'android_security_level_mismatch', 'security_level');
  });

  test('imported key (D-17)', () => {
    const chain = der(
      device({
        keyDescription: (kd) => {
          kd.hardwareEnforced.origin = 2;
        },
      }).attest(CHALLENGE),
    );
    refused(verify(chain), 'android_key_origin_not_generated', 'key_origin');
  });

  test('origin only claimed in the software list of a TEE key (D-17)', () => {
    const chain = der(
      device({
        keyDescription: (kd) => {
          kd.softwareEnforced.origin = 0;
          delete kd.hardwareEnforced.origin;
        },
      }).attest(CHALLENGE),
    );
    refused(verify(chain), 'android_key_origin_not_generated', 'key_origin');
  });

  test('root of trust missing (D-18)', () => {
    const chain = der(
      device({
        keyDescription: (kd) => {
          delete kd.hardwareEnforced.rootOfTrust;
        },
      }).attest(CHALLENGE),
    );
    refused(verify(chain, { policy: lenient }), 'android_root_of_trust_missing', 'root_of_trust');
  });
});

describe('mutations of the policy', () => {
  test('wrong package', () => {
    const policy = strictAndroidPolicy({ packageName: 'com.example.other', signingCertSha256: [DIGEST] });
    refused(verify(baseChain, { policy }), 'android_package_mismatch', 'package_name');
  });

  test('an extra package under a shared UID (D-19)', () => {
    const chain = der(
      device({
        keyDescription: (kd) => {
          const packages = [PACKAGE, 'com.example.sneaky'].map(
            (name) =>
              new AttestationPackageInfo({
                packageName: new TextEncoder().encode(name).buffer as unknown as OctetString,
                version: 1,
              }),
          );
          const id = new AttestationApplicationId({
            packageInfos: packages,
            signatureDigests: [
              // A copy: a small Buffer's .buffer is Node's whole shared pool (8 KiB on Node 20,
              // larger on 24), which made the digest that size and the certificate too large.
              new Uint8Array(Buffer.from(DIGEST.replaceAll(':', ''), 'hex')).buffer as unknown as OctetString,
            ],
          });
          kd.softwareEnforced.attestationApplicationId = new OctetString(AsnConvert.serialize(id));
        },
      }).attest(CHALLENGE),
    );
    refused(verify(chain), 'android_package_mismatch', 'package_name');
  });

  test('no attestation application id', () => {
    const chain = der(
      device({
        keyDescription: (kd) => {
          delete kd.softwareEnforced.attestationApplicationId;
        },
      }).attest(CHALLENGE),
    );
    refused(verify(chain), 'android_package_mismatch', 'package_name');
  });

  test('B-06: wrong signing digest (repackaged app, D-19)', () => {
    const policy = strictAndroidPolicy({ packageName: PACKAGE, signingCertSha256: [OTHER_DIGEST] });
    refused(verify(baseChain, { policy }), 'android_signature_mismatch', 'signing_certificate');
    // Either of several configured digests will do.
    const rotated = strictAndroidPolicy({ packageName: PACKAGE, signingCertSha256: [OTHER_DIGEST, DIGEST] });
    assert.ok(verify(baseChain, { policy: rotated }).ok);
    // An unusable policy entry never matches (fail closed), it does not throw.
    refused(
      verify(baseChain, { policy: { ...strict, signingCertSha256: ['not hex'] } }),
      'android_signature_mismatch',
      'signing_certificate',
    );
  });

  test('app version too old', () => {
    const chain = der(device({ appVersion: 41 }).attest(CHALLENGE));
    refused(
      verify(chain, { policy: { ...strict, minAppVersion: 42 } }),
      'android_app_version_too_old',
      'app_version',
    );
    assert.ok(verify(chain, { policy: { ...strict, minAppVersion: 41 } }).ok);
  });

  test('B-07: software level: refused by default, basic when the policy allows software', () => {
    const chain = der(device({ securityLevel: 'software' }).attest(CHALLENGE));
    refused(verify(chain), 'android_security_level_insufficient', 'min_security_level');
    const result = verify(chain, { policy: { ...strict, minSecurityLevel: 'software' } });
    assert.ok(result.ok);
    assert.equal(result.evidence.level, 'basic');
  });

  test('StrongBox required, TEE key', () => {
    refused(
      verify(baseChain, { policy: { ...strict, minSecurityLevel: 'strongbox' } }),
      'android_security_level_insufficient',
      'min_security_level',
    );
    const chain = der(device({ securityLevel: 'strongbox' }).attest(CHALLENGE));
    const result = verify(chain, { policy: { ...strict, minSecurityLevel: 'strongbox' } });
    assert.ok(result.ok);
    assert.equal(result.evidence.facts['securityLevel'], 'strongbox');
  });

  test('B-05: unlocked bootloader: strict refuses, lenient accepts at level basic (the OS reports the app)', () => {
    const chain = der(device({ locked: false }).attest(CHALLENGE));
    refused(verify(chain), 'android_bootloader_unlocked', 'bootloader_locked');
    const result = verify(chain, { policy: lenient });
    assert.ok(result.ok);
    assert.equal(result.evidence.level, 'basic');
  });

  test('unverified boot: strict refuses, lenient accepts at level basic (the OS reports the app)', () => {
    const chain = der(device({ verifiedBoot: false }).attest(CHALLENGE));
    refused(verify(chain), 'android_boot_unverified', 'verified_boot');
    const result = verify(chain, { policy: lenient });
    assert.ok(result.ok);
    assert.equal(result.evidence.level, 'basic');
    assert.deepEqual(
      result.steps.filter((s) => s.step === 'verified_boot' || s.step === 'bootloader_locked'),
      [
        { step: 'verified_boot', verdict: 'skipped' },
        { step: 'bootloader_locked', verdict: 'skipped' },
      ],
    );
  });

  test('patch level too old, missing or malformed (B-08)', () => {
    const policy = { ...strict, minOsPatchLevel: 202501 };
    assert.ok(verify(der(device({ osPatchLevel: 202501 }).attest(CHALLENGE)), { policy }).ok);
    refused(
      verify(der(device({ osPatchLevel: 202412 }).attest(CHALLENGE)), { policy }),
      'android_patch_level_too_old',
      'os_patch_level',
    );
    refused(
      verify(
        der(
          device({
            keyDescription: (kd) => {
              delete kd.hardwareEnforced.osPatchLevel;
            },
          }).attest(CHALLENGE),
        ),
        {
          policy,
        },
      ),
      'android_patch_level_too_old',
      'os_patch_level',
    );
    refused(
      verify(der(device({ osPatchLevel: 202613 }).attest(CHALLENGE)), { policy }),
      'android_key_description_malformed',
      'os_patch_level',
    );
  });
});

describe('policy values that slipped past validation fail closed', () => {
  test('unknown minimum level, non-numeric patch level or version, non-string challenge', () => {
    const bogus = { ...strict, minSecurityLevel: 'titanium' } as unknown as AndroidKeyAttestationPolicy;
    refused(
      verify(baseChain, { policy: bogus }),
      'android_security_level_insufficient',
      'min_security_level',
    );
    const patch = { ...strict, minOsPatchLevel: '202401' } as unknown as AndroidKeyAttestationPolicy;
    refused(verify(baseChain, { policy: patch }), 'android_patch_level_too_old', 'os_patch_level');
    refused(
      verify(baseChain, { policy: { ...strict, minAppVersion: Number.NaN } }),
      'android_app_version_too_old',
      'app_version',
    );
    refused(
      verifyAndroidKeyAttestation(
        { chain: baseChain, challenge: undefined as unknown as string },
        strict,
        anchors,
        AT,
      ),
      'android_challenge_mismatch',
      'challenge',
    );
  });
});

describe('policy presets', () => {
  test('strict and lenient differ only in boot and lock requirements', () => {
    assert.deepEqual(
      { ...strict, requireVerifiedBoot: false, requireLockedBootloader: false },
      { ...lenient },
    );
    assert.equal(strict.minSecurityLevel, 'tee');
  });

  test('bad identities are refused when the policy is built, naming the option', () => {
    assert.throws(() => strictAndroidPolicy({ packageName: '', signingCertSha256: [DIGEST] }), /packageName/);
    assert.throws(
      () => strictAndroidPolicy({ packageName: PACKAGE, signingCertSha256: [] }),
      /signingCertSha256/,
    );
    assert.throws(
      () => lenientAndroidPolicy({ packageName: PACKAGE, signingCertSha256: ['abc'] }),
      /signingCertSha256/,
    );
    assert.throws(
      () => strictAndroidPolicy({ packageName: PACKAGE, signingCertSha256: [DIGEST], minOsPatchLevel: 2024 }),
      /minOsPatchLevel/,
    );
    assert.throws(
      () => strictAndroidPolicy({ packageName: PACKAGE, signingCertSha256: [DIGEST], minAppVersion: -1 }),
      /minAppVersion/,
    );
  });
});
