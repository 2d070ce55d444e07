import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AsnConvert } from '@peculiar/asn1-schema';
import { BasicConstraints, Certificate, id_ce_basicConstraints } from '@peculiar/asn1-x509';
import { createTestCertificate, createTestKeyPair, type TestKeyAlgorithm, toPem } from './test-pki.js';

const NOT_BEFORE = new Date('2024-01-01T00:00:00Z');
const NOT_AFTER = new Date('2034-01-01T00:00:00Z');

function extensionsOf(der: Uint8Array) {
  return AsnConvert.parse(der, Certificate).tbsCertificate.extensions ?? [];
}

describe('test PKI', () => {
  for (const algorithm of ['ec-p256', 'ec-p384', 'rsa-2048'] as TestKeyAlgorithm[]) {
    test(`root → intermediate → leaf chain with ${algorithm} CA keys verifies with node:crypto`, () => {
      const root = createTestCertificate({
        subject: [
          ['CN', `Portcullis TEST ${algorithm} root`],
          ['O', 'Portcullis TEST'],
          ['C', 'DE'],
        ],
        keys: createTestKeyPair(algorithm),
        ca: true,
        notBefore: NOT_BEFORE,
        notAfter: new Date('2060-01-01T00:00:00Z'), // after 2049: GeneralizedTime
      });
      const intermediate = createTestCertificate({
        subject: [['CN', `Portcullis TEST ${algorithm} intermediate`]],
        keys: createTestKeyPair(algorithm),
        issuer: root,
        ca: true,
        pathLength: 0,
        notBefore: NOT_BEFORE,
        notAfter: NOT_AFTER,
      });
      const leaf = createTestCertificate({
        subject: [
          ['CN', 'leaf'],
          ['serialNumber', '42'],
        ],
        keys: createTestKeyPair('ec-p256'),
        issuer: intermediate,
        notBefore: NOT_BEFORE,
        notAfter: NOT_AFTER,
      });
      assert.equal(root.certificate.subject, `CN=Portcullis TEST ${algorithm} root\nO=Portcullis TEST\nC=DE`);
      assert.ok(root.certificate.verify(root.certificate.publicKey));
      assert.ok(intermediate.certificate.checkIssued(root.certificate));
      assert.ok(intermediate.certificate.verify(root.certificate.publicKey));
      assert.ok(leaf.certificate.checkIssued(intermediate.certificate));
      assert.ok(leaf.certificate.verify(intermediate.certificate.publicKey));
      assert.equal(root.certificate.ca, true);
      assert.equal(leaf.certificate.ca, false);
      assert.equal(new Date(root.certificate.validTo).toISOString(), '2060-01-01T00:00:00.000Z');
      assert.equal(leaf.pem, toPem(leaf.der));
      const constraints = extensionsOf(intermediate.der).find((e) => e.extnID === id_ce_basicConstraints)!;
      assert.equal(constraints.critical, true);
      assert.equal(AsnConvert.parse(constraints.extnValue, BasicConstraints).pathLenConstraint, 0);
    });
  }

  test('a leaf carries arbitrary extra extensions in order, with their criticality', () => {
    const root = createTestCertificate({
      subject: [['CN', 'Portcullis TEST root']],
      keys: createTestKeyPair(),
      ca: true,
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
    });
    const leaf = createTestCertificate({
      subject: [['CN', 'leaf']],
      keys: createTestKeyPair(),
      issuer: root,
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
      keyIdentifiers: false,
      extensions: [
        { oid: '1.3.6.1.4.1.11129.2.1.17', value: Uint8Array.from([0x30, 0x00]) },
        { oid: '1.2.3.4.5', critical: true, value: Uint8Array.from([0x05, 0x00]) },
      ],
    });
    const extensions = Array.from(extensionsOf(leaf.der)).map((e) => [
      e.extnID,
      e.critical,
      Buffer.from(e.extnValue.buffer).toString('hex'),
    ]);
    assert.deepEqual(extensions.slice(-2), [
      ['1.3.6.1.4.1.11129.2.1.17', false, '3000'],
      ['1.2.3.4.5', true, '0500'],
    ]);
    assert.ok(leaf.certificate.verify(root.certificate.publicKey));
  });

  test('a certificate for a foreign public key (no private key) can be issued but cannot issue', () => {
    const root = createTestCertificate({
      subject: [['CN', 'Portcullis TEST root']],
      keys: createTestKeyPair(),
      ca: true,
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
    });
    const foreign = createTestKeyPair().publicKey;
    const leaf = createTestCertificate({
      subject: [['CN', 'x']],
      keys: { publicKey: foreign },
      issuer: root,
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
    });
    assert.ok(leaf.certificate.publicKey.equals(foreign));
    assert.throws(
      () =>
        createTestCertificate({
          subject: [['CN', 'y']],
          keys: createTestKeyPair(),
          issuer: leaf,
          notBefore: NOT_BEFORE,
          notAfter: NOT_AFTER,
        }),
      TypeError,
    );
    assert.throws(
      () =>
        createTestCertificate({
          subject: [['CN', 'z']],
          keys: { publicKey: foreign },
          notBefore: NOT_BEFORE,
          notAfter: NOT_AFTER,
        }),
      TypeError,
    );
  });

  test('unknown name attributes are refused; dotted OIDs are accepted', () => {
    const keys = createTestKeyPair();
    assert.throws(
      () =>
        createTestCertificate({ subject: [['XX', 'y']], keys, notBefore: NOT_BEFORE, notAfter: NOT_AFTER }),
      TypeError,
    );
    const ok = createTestCertificate({
      subject: [['2.5.4.3', 'by oid']],
      keys,
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
    });
    assert.equal(ok.certificate.subject, 'CN=by oid');
  });
});
