import type { X509Certificate } from 'node:crypto';
import { createTestCertificate, createTestKeyPair, type TestCertificate, type TestName } from './test-pki.js';

/**
 * A test stand-in for Google's attestation PKI: a root and an intermediate whose names say TEST
 * and "not Google". A shield trusts it only when given as a test root (development mode) and
 * then marks the evidence `testRoot: true`.
 */
export interface AndroidTestAuthority {
  /** The test root, PEM: pass it (or `root`) as a test root. */
  rootPem: string;
  root: X509Certificate;
  intermediate: X509Certificate;
  /** The intermediate as an issuer (with its private key): devices chain through it. */
  intermediateIssuer: TestCertificate;
  /** DER of the root, the last certificate of every device chain. */
  rootDer: Uint8Array;
  notBefore: Date;
  notAfter: Date;
}

export interface CreateAndroidTestAuthorityOptions {
  /** Validity start of the root, the intermediate and device attestation certificates; default 2020-01-01. */
  notBefore?: Date;
  /** Validity end of the same certificates; default 2049-12-31 (set it earlier to test expiry). */
  notAfter?: Date;
}

const TEST_ORGANIZATION: TestName = [
  ['O', 'Portcullis TEST - not Google'],
  ['ST', 'Nowhere'],
];

/**
 * Creates a fresh test root (EC P-384) and intermediate (EC P-256) for software Android devices.
 *
 * @example
 * ```ts
 * const authority = createAndroidTestAuthority();
 * const anchors = { roots: googleRoots, testRoots: [authority.root], revocation };
 * ```
 */
export function createAndroidTestAuthority(
  options: CreateAndroidTestAuthorityOptions = {},
): AndroidTestAuthority {
  const notBefore = options.notBefore ?? new Date('2020-01-01T00:00:00Z');
  const notAfter = options.notAfter ?? new Date('2049-12-31T23:59:59Z');
  const root = createTestCertificate({
    subject: [['CN', 'Portcullis TEST Android Attestation Root - not Google'], ...TEST_ORGANIZATION],
    keys: createTestKeyPair('ec-p384'),
    ca: true,
    notBefore,
    notAfter,
  });
  const intermediate = createTestCertificate({
    subject: [['CN', 'Portcullis TEST Android Attestation CA - not Google'], ...TEST_ORGANIZATION],
    keys: createTestKeyPair('ec-p256'),
    issuer: root,
    ca: true,
    notBefore,
    notAfter,
  });
  return {
    rootPem: root.pem,
    root: root.certificate,
    intermediate: intermediate.certificate,
    intermediateIssuer: intermediate,
    rootDer: root.der,
    notBefore,
    notAfter,
  };
}
