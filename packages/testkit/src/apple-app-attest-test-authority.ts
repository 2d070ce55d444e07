import type { KeyObject, X509Certificate } from 'node:crypto';
import { createTestCertificate, createTestKeyPair, type TestName } from './test-pki.js';

/** OID of the App Attest nonce extension in the credential certificate. */
export const APP_ATTEST_NONCE_OID = '1.2.840.113635.100.8.2';

/** A test stand-in for Apple's App Attestation Root CA and its intermediate. Never trusted in production. */
export interface AppAttestTestAuthority {
  /** The test root, PEM: a development-mode shield passes it as a test root. */
  rootPem: string;
  /** The intermediate, PEM (devices put it in x5c[1]). */
  intermediatePem: string;
  root: X509Certificate;
  intermediate: X509Certificate;
  /** DER of the intermediate, as x5c[1] carries it. */
  intermediateDer: Uint8Array;
  /**
   * Issues a credential certificate shaped like Apple's: EC P-256 `publicKey`, CN = hex of
   * SHA-256 of the key, `nonce` (32 bytes) in extension 1.2.840.113635.100.8.2 as
   * SEQUENCE { [1] OCTET STRING }, signed with ECDSA-SHA256 by the intermediate. Returns DER.
   */
  issueCredentialCertificate(options: {
    publicKey: KeyObject;
    commonName: string;
    nonce: Uint8Array;
    notBefore: Date;
    notAfter: Date;
    /** Extra extensions after the nonce (format-evolution tests). */
    extensions?: readonly { oid: string; critical?: boolean; value: Uint8Array }[];
  }): Uint8Array;
}

export interface CreateAppAttestTestAuthorityOptions {
  /** Validity start of the root and intermediate; default 2020-01-01. */
  notBefore?: Date;
  /** Validity end of the root and intermediate; default 2049-12-31. */
  notAfter?: Date;
}

const TEST_ORGANIZATION: TestName = [
  ['O', 'Portcullis TEST - not Apple'],
  ['ST', 'Nowhere'],
];

/**
 * DER of the nonce extension value, `SEQUENCE { [1] EXPLICIT OCTET STRING nonce }`, for a 32-byte
 * nonce (all lengths are fixed, so the bytes are written directly).
 */
export function encodeAppAttestNonceExtension(nonce: Uint8Array): Uint8Array {
  if (nonce.byteLength !== 32) throw new TypeError('the App Attest nonce is 32 bytes');
  return Buffer.concat([Buffer.from([0x30, 0x24, 0xa1, 0x22, 0x04, 0x20]), nonce]);
}

/**
 * Creates a fresh test root and intermediate for software App Attest devices. Their names say
 * TEST and "not Apple"; a shield trusts them only when given as test roots (development mode), and
 * then marks the evidence `testRoot: true`.
 *
 * @example
 * ```ts
 * const authority = createAppAttestTestAuthority();
 * const anchors = { roots: appleRoots, testRoots: [authority.root] };
 * ```
 */
export function createAppAttestTestAuthority(
  options: CreateAppAttestTestAuthorityOptions = {},
): AppAttestTestAuthority {
  const notBefore = options.notBefore ?? new Date('2020-01-01T00:00:00Z');
  const notAfter = options.notAfter ?? new Date('2049-12-31T23:59:59Z');
  const root = createTestCertificate({
    subject: [['CN', 'Portcullis TEST App Attestation Root - not Apple'], ...TEST_ORGANIZATION],
    keys: createTestKeyPair('ec-p384'),
    ca: true,
    notBefore,
    notAfter,
  });
  const intermediate = createTestCertificate({
    subject: [['CN', 'Portcullis TEST App Attestation CA 1 - not Apple'], ...TEST_ORGANIZATION],
    keys: createTestKeyPair('ec-p384'),
    issuer: root,
    ca: true,
    pathLength: 0,
    notBefore,
    notAfter,
  });
  return {
    rootPem: root.pem,
    intermediatePem: intermediate.pem,
    root: root.certificate,
    intermediate: intermediate.certificate,
    intermediateDer: intermediate.der,
    issueCredentialCertificate(credential) {
      return createTestCertificate({
        subject: [['CN', credential.commonName], ['OU', 'AAA Certification TEST'], ...TEST_ORGANIZATION],
        keys: { publicKey: credential.publicKey },
        issuer: intermediate,
        notBefore: credential.notBefore,
        notAfter: credential.notAfter,
        // Apple's credential certificates: ECDSA-SHA256 by a P-384 CA, these key usages, no key ids.
        hash: 'sha256',
        keyUsage: ['digitalSignature', 'nonRepudiation', 'keyEncipherment', 'dataEncipherment'],
        keyIdentifiers: false,
        extensions: [
          { oid: APP_ATTEST_NONCE_OID, value: encodeAppAttestNonceExtension(credential.nonce) },
          ...(credential.extensions ?? []),
        ],
      }).der;
    },
  };
}
