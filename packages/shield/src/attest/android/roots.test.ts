import assert from 'node:assert/strict';
import { createHash, X509Certificate } from 'node:crypto';
import { describe, test } from 'node:test';
import {
  GOOGLE_ATTESTATION_ROOTS_PEM,
  GOOGLE_HARDWARE_ATTESTATION_ROOT_1_PEM,
  GOOGLE_HARDWARE_ATTESTATION_ROOT_2_PEM,
  GOOGLE_HARDWARE_ATTESTATION_ROOT_3_PEM,
  GOOGLE_HARDWARE_ATTESTATION_ROOT_4_PEM,
  GOOGLE_KEY_ATTESTATION_CA1_EC_ROOT_PEM,
  loadAndroidRoots,
} from './roots.js';

const fingerprint = (pem: string) => new X509Certificate(pem).fingerprint256;
const spkiSha256 = (der: Buffer) => createHash('sha256').update(der).digest('hex');

describe('D-21: Google attestation roots as data', () => {
  test('each constant is the published certificate (SHA-256 fingerprints)', () => {
    assert.equal(
      fingerprint(GOOGLE_HARDWARE_ATTESTATION_ROOT_1_PEM),
      'C1:98:4A:3E:F4:5C:1E:2A:91:85:51:DE:10:60:3C:86:F7:05:1B:22:49:C4:89:1C:AE:32:30:EA:BD:0C:97:D5',
    );
    assert.equal(
      fingerprint(GOOGLE_HARDWARE_ATTESTATION_ROOT_2_PEM),
      '1E:F1:A0:4B:8B:A5:8A:B9:45:89:AC:49:8C:89:82:A7:83:F2:4E:A7:30:7E:01:59:A0:C3:A7:3B:37:7D:87:CC',
    );
    assert.equal(
      fingerprint(GOOGLE_HARDWARE_ATTESTATION_ROOT_3_PEM),
      'AB:66:41:17:8A:36:E1:79:AA:0C:1C:DD:DF:9A:16:EB:45:FA:20:94:3E:2B:8C:D7:C7:C0:5C:26:CF:8B:48:7A',
    );
    assert.equal(
      fingerprint(GOOGLE_HARDWARE_ATTESTATION_ROOT_4_PEM),
      'CE:DB:1C:B6:DC:89:6A:E5:EC:79:73:48:BC:E9:28:67:53:C2:B3:8E:E7:1C:E0:FB:E3:4A:9A:12:48:80:0D:FC',
    );
    assert.equal(
      fingerprint(GOOGLE_KEY_ATTESTATION_CA1_EC_ROOT_PEM),
      '6D:9D:B4:CE:6C:5C:0B:29:31:66:D0:89:86:E0:57:74:A8:77:6C:EB:52:5D:9E:43:29:52:0D:E1:2B:A4:BC:C0',
    );
  });

  test('the four RSA certificates share one key (the published SPKI) and the EC root has its own', () => {
    const keys = loadAndroidRoots(GOOGLE_ATTESTATION_ROOTS_PEM);
    assert.equal(keys.length, 2);
    const [rsa, ec] = keys;
    assert.equal(rsa?.asymmetricKeyType, 'rsa');
    assert.equal(rsa?.asymmetricKeyDetails?.modulusLength, 4096);
    assert.equal(
      spkiSha256(rsa?.export({ type: 'spki', format: 'der' }) ?? Buffer.alloc(0)),
      'feb2ea7551ee316ed4bb443c8293b884dbfdea40b603ee3e4f4a897e4580fbae',
    );
    assert.equal(ec?.asymmetricKeyType, 'ec');
    assert.equal(ec?.asymmetricKeyDetails?.namedCurve, 'secp384r1');
  });

  test('expiry watch: root 1 expired 2026-05-24, and each key has a certificate valid past 2034', () => {
    // Trust is by key, so an expired certificate does not break verification; this test records
    // the dates so that a rotation is noticed when the constants are updated.
    assert.equal(
      new Date(new X509Certificate(GOOGLE_HARDWARE_ATTESTATION_ROOT_1_PEM).validTo).toISOString(),
      '2026-05-24T16:28:52.000Z',
    );
    const lastExpiry = new Map<string, number>();
    for (const pem of GOOGLE_ATTESTATION_ROOTS_PEM) {
      const cert = new X509Certificate(pem);
      const key = spkiSha256(cert.publicKey.export({ type: 'spki', format: 'der' }));
      lastExpiry.set(key, Math.max(lastExpiry.get(key) ?? 0, Date.parse(cert.validTo)));
    }
    assert.equal(lastExpiry.size, 2);
    for (const expiry of lastExpiry.values()) assert.ok(expiry > Date.parse('2034-01-01T00:00:00Z'));
  });
});

describe('loadAndroidRoots', () => {
  test('reads certificates and public keys from one text, deduplicated by key', () => {
    const rsaKey = new X509Certificate(GOOGLE_HARDWARE_ATTESTATION_ROOT_4_PEM).publicKey.export({
      type: 'spki',
      format: 'pem',
    });
    const bundle = `# roots file\n${GOOGLE_HARDWARE_ATTESTATION_ROOT_1_PEM}\n${rsaKey}\n${GOOGLE_KEY_ATTESTATION_CA1_EC_ROOT_PEM}`;
    assert.equal(loadAndroidRoots(bundle).length, 2);
    assert.equal(loadAndroidRoots([rsaKey.toString()]).length, 1);
  });

  test('refuses an unreadable block or a text without blocks, naming the block', () => {
    assert.throws(() => loadAndroidRoots('no pem here'), TypeError);
    assert.throws(() => loadAndroidRoots([]), TypeError);
    assert.throws(
      () => loadAndroidRoots('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----'),
      /block 1 \(CERTIFICATE\)/,
    );
    assert.throws(
      () => loadAndroidRoots('-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----'),
      /PRIVATE KEY/,
    );
  });
});
