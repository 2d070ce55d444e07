import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import { createTestCertificate, createTestKeyPair } from '@portcullis/testkit';
import { readAppleRootFixture } from '../../../test/fixtures/apple/load-apple-vectors.js';
import { APPLE_APP_ATTESTATION_ROOT_CA_PEM, loadAppleRoots } from './roots.js';

describe('D-21: Apple App Attest roots', () => {
  test("the constant is Apple's App Attestation Root CA, byte for byte", () => {
    const constant = new X509Certificate(APPLE_APP_ATTESTATION_ROOT_CA_PEM);
    const fixture = new X509Certificate(readAppleRootFixture());
    assert.deepEqual(constant.raw, fixture.raw);
    assert.equal(
      constant.fingerprint256,
      '1C:B9:82:3B:A2:8B:A6:AD:2D:33:A0:06:94:1D:E2:AE:4F:51:3E:F1:D4:E8:31:B9:F7:E0:FA:7B:62:42:C9:32',
    );
    assert.equal(constant.subject, 'CN=Apple App Attestation Root CA\nO=Apple Inc.\nST=California');
    assert.equal(constant.ca, true);
  });

  test('the root stays valid until 2045-03-15 (expiry watch)', () => {
    const root = loadAppleRoots([APPLE_APP_ATTESTATION_ROOT_CA_PEM])[0]!;
    assert.equal(new Date(root.validTo).toISOString(), '2045-03-15T00:00:00.000Z');
  });

  test('loads every certificate of a PEM bundle', () => {
    const keys = createTestKeyPair('ec-p256');
    const other = createTestCertificate({
      subject: [['CN', 'Portcullis TEST bundle root - not Apple']],
      keys,
      ca: true,
      notBefore: new Date('2024-01-01T00:00:00Z'),
      notAfter: new Date('2034-01-01T00:00:00Z'),
    });
    const roots = loadAppleRoots([`${APPLE_APP_ATTESTATION_ROOT_CA_PEM}\n${other.pem}`]);
    assert.equal(roots.length, 2);
    assert.deepEqual(roots[1]!.raw, other.certificate.raw);
  });

  test('refuses text without a certificate, a broken certificate and a non-CA certificate', () => {
    assert.throws(() => loadAppleRoots(['not a pem']), TypeError);
    assert.throws(
      () => loadAppleRoots(['-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----']),
      /roots\[0\] holds a certificate that does not parse/,
    );
    const leaf = createTestCertificate({
      subject: [['CN', 'Portcullis TEST leaf - not Apple']],
      keys: createTestKeyPair(),
      notBefore: new Date('2024-01-01T00:00:00Z'),
      notAfter: new Date('2025-01-01T00:00:00Z'),
    });
    assert.throws(
      () => loadAppleRoots([APPLE_APP_ATTESTATION_ROOT_CA_PEM, leaf.pem]),
      /roots\[1\] .* not a CA/,
    );
  });
});
