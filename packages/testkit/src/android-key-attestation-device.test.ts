import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import {
  GOOGLE_ATTESTATION_ROOTS_PEM,
  lenientAndroidPolicy,
  loadAndroidRoots,
  parseKeyDescription,
  strictAndroidPolicy,
  verifyAndroidAssertion,
  verifyAndroidKeyAttestation,
} from '../../shield/src/attest/android/index.js';
import {
  ANDROID_KEY_DESCRIPTION_OID,
  createSoftwareAndroidDevice,
} from './android-key-attestation-device.js';
import { createAndroidTestAuthority } from './android-test-authority.js';

const DIGEST =
  '3B:5E:8F:11:94:2A:C7:0D:6E:21:B4:99:0F:8A:73:5C:E2:48:1D:06:BB:3F:9A:C5:72:E8:10:4D:6A:93:F1:20';
const PACKAGE = 'com.example.shop';
const AT = new Date('2026-02-01T00:00:00Z');
const authority = createAndroidTestAuthority();
const googleRoots = loadAndroidRoots(GOOGLE_ATTESTATION_ROOTS_PEM);
const policy = strictAndroidPolicy({ packageName: PACKAGE, signingCertSha256: [DIGEST] });
const revocation = { entries: new Map() };
const der = (chain: string[]) => chain.map((b) => new Uint8Array(Buffer.from(b, 'base64')));

describe('software Android device', () => {
  const device = createSoftwareAndroidDevice({ authority, packageName: PACKAGE, signingCertSha256: DIGEST });
  const challenge = 'dGVzdC1jaGFsbGVuZ2UtMzItYnl0ZXMtb2YtZW50cm9weQ';
  const chain = device.attest(challenge);

  test('attests: base64 DER chain, leaf first, names that say TEST, a real key description', () => {
    assert.equal(chain.length, 4);
    const certs = der(chain).map((d) => new X509Certificate(d));
    assert.equal(certs[0]?.subject, 'CN=Android Keystore Key');
    assert.match(certs[2]?.subject ?? '', /TEST/);
    assert.match(certs[3]?.subject ?? '', /Portcullis TEST Android Attestation Root - not Google/);
    assert.ok(certs[3]?.checkIssued(certs[3]));
    const kd = parseKeyDescription(extensionValue(der(chain)[0] ?? new Uint8Array()));
    assert.equal(Buffer.from(kd.attestationChallenge).toString('utf8'), challenge);
    assert.equal(kd.attestationSecurityLevel, 'tee');
    assert.equal(kd.hardwareEnforced.rootOfTrust?.verifiedBootState, 'verified');
    assert.equal(kd.softwareEnforced.attestationApplicationId?.packages[0]?.name, PACKAGE);
    assert.equal(
      Buffer.from(kd.softwareEnforced.attestationApplicationId?.signatureDigests[0] ?? []).toString('hex'),
      DIGEST.replaceAll(':', '').toLowerCase(),
    );
  });

  test('the verifier accepts it with the test root as a test root', () => {
    const result = verifyAndroidKeyAttestation(
      { chain: der(chain), challenge },
      policy,
      { roots: googleRoots, testRoots: [authority.root], revocation },
      AT,
    );
    assert.ok(result.ok, result.ok ? '' : result.code);
    assert.equal(result.evidence.testRoot, true);
    assert.equal(result.evidence.level, 'hardware');
    assert.equal(result.evidence.keyId, device.keyId);
    assert.deepEqual(result.evidence.publicKeyJwk, device.publicKeyJwk);
  });

  test('and refuses it otherwise: without test roots, or under another test authority', () => {
    const production = verifyAndroidKeyAttestation(
      { chain: der(chain), challenge },
      policy,
      { roots: googleRoots, revocation },
      AT,
    );
    assert.equal(production.ok ? undefined : production.code, 'android_root_untrusted');
    const otherAuthority = createAndroidTestAuthority();
    const foreign = verifyAndroidKeyAttestation(
      { chain: der(chain), challenge },
      policy,
      { roots: googleRoots, testRoots: [otherAuthority.root], revocation },
      AT,
    );
    assert.equal(foreign.ok ? undefined : foreign.code, 'android_root_untrusted');
  });

  test('signs assertions the assertion verifier accepts, with the attested key only', () => {
    const message = new TextEncoder().encode('next-challenge');
    assert.ok(verifyAndroidAssertion({ signature: device.sign(message), message }, device).ok);
    const other = createSoftwareAndroidDevice({ authority, packageName: PACKAGE, signingCertSha256: DIGEST });
    const result = verifyAndroidAssertion({ signature: other.sign(message), message }, device);
    assert.equal(result.ok ? undefined : result.code, 'android_assertion_signature_invalid');
  });

  test('device options reach the key description: level, boot, lock, patch level, version', () => {
    const custom = createSoftwareAndroidDevice({
      authority,
      packageName: PACKAGE,
      signingCertSha256: [DIGEST],
      securityLevel: 'strongbox',
      verifiedBoot: false,
      locked: false,
      osPatchLevel: 202405,
      appVersion: 77,
    });
    const customChain = der(custom.attest('c'));
    const kd = parseKeyDescription(extensionValue(customChain[0] ?? new Uint8Array()));
    assert.equal(kd.keyMintSecurityLevel, 'strongbox');
    assert.equal(kd.hardwareEnforced.osPatchLevel, 202405);
    assert.equal(kd.softwareEnforced.attestationApplicationId?.packages[0]?.version, 77);
    const result = verifyAndroidKeyAttestation(
      { chain: customChain, challenge: 'c' },
      lenientAndroidPolicy({ packageName: PACKAGE, signingCertSha256: [DIGEST] }),
      { roots: googleRoots, testRoots: [authority.root], revocation },
      AT,
    );
    assert.ok(result.ok);
    // Unlocked: the OS that reported the app identity is not verified, so the level is basic.
    assert.equal(result.evidence.level, 'basic');
    assert.equal(result.evidence.facts['securityLevel'], 'strongbox');
    assert.equal(result.evidence.facts['deviceLocked'], false);
  });

  test('refuses a malformed signing digest when created', () => {
    assert.throws(
      () => createSoftwareAndroidDevice({ authority, packageName: PACKAGE, signingCertSha256: 'abc' }),
      TypeError,
    );
  });
});

/** The key description extension value of a DER certificate. */
function extensionValue(certDer: Uint8Array): Uint8Array {
  const cert = AsnConvert.parse(certDer, Certificate);
  const ext = cert.tbsCertificate.extensions?.find((e) => e.extnID === ANDROID_KEY_DESCRIPTION_OID);
  assert.ok(ext, 'the leaf carries the key description');
  return new Uint8Array(ext.extnValue.buffer);
}
