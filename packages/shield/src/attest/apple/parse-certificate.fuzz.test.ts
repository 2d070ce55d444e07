import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { test } from 'node:test';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import { createAndroidTestAuthority, createSoftwareAndroidDevice } from '@portcullis/testkit';
import fc from 'fast-check';
import { pemBlocks, readPemChain } from '../../../test/fixtures/android/android-fixtures.js';
import { fuzzParameters } from '../../../test/support/fuzz-budget.js';
import { strictAndroidPolicy } from '../android/android-policy.js';
import { GOOGLE_ATTESTATION_ROOTS_PEM, loadAndroidRoots } from '../android/roots.js';
import { verifyAndroidKeyAttestation } from '../android/verify-android-key-attestation.js';
import { APPLE_APP_ATTESTATION_ROOT_CA_PEM } from './index.js';
import { parseCertificate } from './parse-certificate.js';

// Fuzzing the X.509 readers of both attestation verifiers (D-08, D-23). The strict reference is
// OpenSSL (node's X509Certificate): the App Attest parser must read nothing OpenSSL does not, and
// read the validity the way OpenSSL does. A certificate of a real chain that was flipped, cut or
// spliced must never make a chain verify.

const REAL = [
  ...pemBlocks(APPLE_APP_ATTESTATION_ROOT_CA_PEM),
  ...readPemChain('keyattestation-google/pixel8a-akita-2024-09-tee-ec.pem'),
  ...readPemChain('keyattestation-google/pixel9a-tegu-2026-02-sb-ec-ecroot.pem'),
];

/** Byte flips, cuts and splices of `source`. */
function mutated(sources: readonly Uint8Array[]) {
  return fc.oneof(
    fc
      .tuple(
        fc.nat(sources.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }),
      )
      .map(([which, flips]) => {
        const copy = Uint8Array.from(sources[which]!);
        for (const [at, mask] of flips) copy[at % copy.length]! ^= mask;
        return { which, bytes: copy };
      }),
    fc.tuple(fc.nat(sources.length - 1), fc.nat()).map(([which, at]) => ({
      which,
      bytes: sources[which]!.subarray(0, at % sources[which]!.length),
    })),
    fc
      .tuple(fc.nat(sources.length - 1), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }))
      .map(([which, at, inserted]) => {
        const source = sources[which]!;
        const cut = at % source.length;
        return {
          which,
          bytes: Uint8Array.from([...source.subarray(0, cut), ...inserted, ...source.subarray(cut)]),
        };
      }),
  );
}

const seconds = (time: number) => Math.floor(time / 1000) * 1000;

test('D-08, D-23: the certificate parser never throws and reads only what OpenSSL reads, the same way', () => {
  fc.assert(
    fc.property(mutated(REAL), ({ bytes }) => {
      const parsed = parseCertificate(bytes);
      if (parsed === undefined) return;
      const openssl = new X509Certificate(bytes);
      assert.ok(Buffer.from(openssl.raw).equals(Buffer.from(bytes)), 'the whole input is the certificate');
      const { notBefore, notAfter } = parsed.asn.tbsCertificate.validity;
      assert.equal(seconds(notBefore.getTime().getTime()), Date.parse(openssl.validFrom));
      assert.equal(seconds(notAfter.getTime().getTime()), Date.parse(openssl.validTo));
      // Where the full RFC 5280 schema reads the certificate too, the extensions agree.
      let full: Certificate | undefined;
      try {
        full = AsnConvert.parse(bytes, Certificate);
      } catch {
        full = undefined;
      }
      if (full !== undefined) {
        const ours = (parsed.asn.tbsCertificate.extensions ?? []).map((e) => [
          e.extnID,
          e.critical,
          Buffer.from(e.extnValue.buffer).toString('hex'),
        ]);
        const theirs = (full.tbsCertificate.extensions ?? []).map((e) => [
          e.extnID,
          e.critical,
          Buffer.from(e.extnValue.buffer).toString('hex'),
        ]);
        assert.deepEqual(ours, theirs);
      }
    }),
    fuzzParameters(300, 1),
  );
});

test('D-23: no flipped, cut or spliced certificate of a genuine device chain makes it verify', () => {
  const authority = createAndroidTestAuthority();
  const signingCertSha256 = 'ab'.repeat(32);
  const device = createSoftwareAndroidDevice({
    authority,
    packageName: 'com.example.shop',
    signingCertSha256,
  });
  const challenge = 'fuzz-challenge-0123456789abcdef';
  const chain = device.attest(challenge).map((b64) => new Uint8Array(Buffer.from(b64, 'base64')));
  const anchors = {
    roots: loadAndroidRoots(GOOGLE_ATTESTATION_ROOTS_PEM),
    testRoots: [authority.root],
    revocation: { entries: new Map() },
  };
  const policy = strictAndroidPolicy({
    packageName: 'com.example.shop',
    signingCertSha256: [signingCertSha256],
  });
  const at = new Date();
  assert.equal(
    verifyAndroidKeyAttestation({ chain, challenge }, policy, anchors, at).ok,
    true,
    'the genuine chain verifies',
  );
  // Every certificate but the root: trust is pinned to the root's key, not to its other bytes.
  const signed = chain.slice(0, -1);
  fc.assert(
    fc.property(mutated(signed), ({ which, bytes }) => {
      const changed = chain.map((der, i) => (i === which ? bytes : der));
      const result = verifyAndroidKeyAttestation({ chain: changed, challenge }, policy, anchors, at);
      assert.equal(result.ok, false, 'a changed certificate was accepted');
    }),
    fuzzParameters(100, 2),
  );
});

/** `der` with the hour of its first UTCTime (notBefore) set to 26. */
function withHour26(der: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(der);
  for (let i = 0; i + 15 <= copy.length; i++) {
    if (copy[i] === 0x17 && copy[i + 1] === 0x0d) {
      copy[i + 8] = 0x32; // '2'
      copy[i + 9] = 0x36; // '6'
      return copy;
    }
  }
  throw new Error('no UTCTime in the certificate');
}

test('D-08, D-22: a certificate whose time is not a time is refused, not read as another date (found by fuzzing)', () => {
  for (const der of REAL.filter((d) => parseCertificate(d) !== undefined)) {
    const broken = withHour26(der);
    assert.equal(new X509Certificate(broken).validFrom, 'Bad time value', 'OpenSSL reads no time there');
    assert.equal(parseCertificate(broken), undefined);
  }
  const authority = createAndroidTestAuthority();
  const signingCertSha256 = 'cd'.repeat(32);
  const device = createSoftwareAndroidDevice({
    authority,
    packageName: 'com.example.shop',
    signingCertSha256,
  });
  const chain: Uint8Array[] = device
    .attest('time-challenge')
    .map((b64) => new Uint8Array(Buffer.from(b64, 'base64')));
  chain[1] = withHour26(chain[1]!);
  const anchors = { roots: [], testRoots: [authority.root], revocation: { entries: new Map() } };
  const policy = strictAndroidPolicy({
    packageName: 'com.example.shop',
    signingCertSha256: [signingCertSha256],
  });
  const result = verifyAndroidKeyAttestation(
    { chain, challenge: 'time-challenge' },
    policy,
    anchors,
    new Date(),
  );
  assert.equal(result.ok, false);
  assert.equal(result.ok ? '' : result.code, 'android_chain_malformed');
});
