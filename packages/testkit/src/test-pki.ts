import {
  createHash,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  sign,
  X509Certificate,
} from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  Extension,
  Extensions,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_keyUsage,
  id_ce_subjectKeyIdentifier,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectKeyIdentifier,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';

/**
 * Test X.509 PKI: key pairs and certificates built synchronously with @peculiar/asn1-x509 and
 * node:crypto signing, for fixtures and software devices. Certificates made here are for tests
 * only; name them so that nobody can mistake them for a vendor's ("... TEST ... - not Apple").
 */

/** Key types a test certificate can carry or be signed with. */
export type TestKeyAlgorithm = 'ec-p256' | 'ec-p384' | 'rsa-2048';

export interface TestKeyPair {
  algorithm: TestKeyAlgorithm;
  publicKey: KeyObject;
  privateKey: KeyObject;
}

/**
 * A fresh key pair (EC P-256 by default).
 *
 * @example
 * ```ts
 * const { publicKey, privateKey } = createTestKeyPair('ec-p384');
 * ```
 */
export function createTestKeyPair(algorithm: TestKeyAlgorithm = 'ec-p256'): TestKeyPair {
  const pair =
    algorithm === 'rsa-2048'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: algorithm === 'ec-p384' ? 'P-384' : 'P-256' });
  return { algorithm, ...pair };
}

/**
 * A distinguished name as ordered [attribute, value] pairs, one attribute per RDN, e.g.
 * `[['CN', 'Portcullis TEST Root'], ['O', 'Portcullis'], ['ST', 'California']]`. Attributes are
 * CN, O, OU, L, ST, C, serialNumber or a dotted OID. Values are UTF8String (C and serialNumber:
 * PrintableString), as Apple and Google encode them.
 */
export type TestName = readonly (readonly [attribute: string, value: string])[];

const NAME_OIDS: Readonly<Record<string, string>> = {
  CN: '2.5.4.3',
  O: '2.5.4.10',
  OU: '2.5.4.11',
  L: '2.5.4.7',
  ST: '2.5.4.8',
  C: '2.5.4.6',
  serialNumber: '2.5.4.5',
};
const PRINTABLE = new Set(['2.5.4.6', '2.5.4.5']);

function toName(name: TestName): Name {
  return new Name(
    name.map(([attribute, value]) => {
      const type = NAME_OIDS[attribute] ?? attribute;
      if (!/^\d+(\.\d+)+$/.test(type)) throw new TypeError(`unknown name attribute ${attribute}`);
      const attributeValue = new AttributeValue(
        PRINTABLE.has(type) ? { printableString: value } : { utf8String: value },
      );
      return new RelativeDistinguishedName([new AttributeTypeAndValue({ type, value: attributeValue })]);
    }),
  );
}

/** An extension given as its DER value (the contents of extnValue). */
export interface TestCertificateExtension {
  oid: string;
  critical?: boolean;
  value: Uint8Array;
}

/** Key usage bits by their RFC 5280 names. */
export type TestKeyUsage = keyof typeof KeyUsageFlags;

/** The issuing side of a certificate: its name and key pair (private key required to sign). */
export interface TestIssuer {
  name: TestName;
  publicKey: KeyObject;
  privateKey?: KeyObject | undefined;
}

export interface CreateTestCertificateOptions {
  subject: TestName;
  /** The certified public key; with its private key when the certificate is self-signed or will issue others. */
  keys: { publicKey: KeyObject; privateKey?: KeyObject | undefined };
  /** The issuer; omitted: self-signed with `keys.privateKey`. */
  issuer?: TestIssuer;
  notBefore: Date;
  notAfter: Date;
  /** Positive serial number bytes; default 16 random bytes. */
  serialNumber?: Uint8Array;
  /** A CA certificate (basicConstraints cA); default false. */
  ca?: boolean;
  /** basicConstraints pathLenConstraint of a CA certificate. */
  pathLength?: number;
  /** Key usage; default keyCertSign + cRLSign for a CA, digitalSignature otherwise. Empty array: no extension. */
  keyUsage?: readonly TestKeyUsage[];
  /** Signature hash; default sha384 for a P-384 issuer key, sha256 otherwise. */
  hash?: 'sha256' | 'sha384' | 'sha512';
  /** Add subject and authority key identifiers (RFC 5280 method 1); default true. */
  keyIdentifiers?: boolean;
  /** Extra extensions, appended after the standard ones in the given order. */
  extensions?: readonly TestCertificateExtension[];
}

/** A test certificate with everything needed to use it as an issuer or a trust anchor. */
export interface TestCertificate extends TestIssuer {
  der: Uint8Array;
  pem: string;
  certificate: X509Certificate;
}

const SIGNATURE_OIDS = {
  ec: { sha256: '1.2.840.10045.4.3.2', sha384: '1.2.840.10045.4.3.3', sha512: '1.2.840.10045.4.3.4' },
  rsa: { sha256: '1.2.840.113549.1.1.11', sha384: '1.2.840.113549.1.1.12', sha512: '1.2.840.113549.1.1.13' },
} as const;

function spkiOf(key: KeyObject): SubjectPublicKeyInfo {
  return AsnConvert.parse(key.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);
}

function keyIdentifier(key: KeyObject): ArrayBuffer {
  const digest = createHash('sha1')
    .update(new Uint8Array(spkiOf(key).subjectPublicKey))
    .digest();
  return new Uint8Array(digest).buffer;
}

function extension(oid: string, critical: boolean, value: object | Uint8Array): Extension {
  const der = value instanceof Uint8Array ? value : new Uint8Array(AsnConvert.serialize(value));
  return new Extension({ extnID: oid, critical, extnValue: new OctetString(der) });
}

function randomSerial(): Uint8Array {
  const serial = randomBytes(16);
  serial[0] = (serial[0]! & 0x7f) | 0x01;
  return serial;
}

/** PEM text of DER bytes with the given label. */
export function toPem(der: Uint8Array, label = 'CERTIFICATE'): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/**
 * Creates and signs one X.509 v3 certificate: a self-signed root, an intermediate or a leaf
 * with arbitrary extra extensions, for EC P-256/P-384 or RSA keys.
 *
 * @example
 * ```ts
 * const rootKeys = createTestKeyPair('ec-p384');
 * const root = createTestCertificate({
 *   subject: [['CN', 'Portcullis TEST Root - not a vendor']], keys: rootKeys, ca: true,
 *   notBefore: new Date('2020-01-01'), notAfter: new Date('2049-12-31'),
 * });
 * const leaf = createTestCertificate({
 *   subject: [['CN', 'leaf']], keys: createTestKeyPair(), issuer: root,
 *   notBefore: new Date('2024-01-01'), notAfter: new Date('2024-12-31'),
 *   extensions: [{ oid: '1.3.6.1.4.1.11129.2.1.17', value: keyDescriptionDer }],
 * });
 * ```
 */
export function createTestCertificate(options: CreateTestCertificateOptions): TestCertificate {
  const issuer: TestIssuer = options.issuer ?? { name: options.subject, ...options.keys };
  const signingKey = issuer.privateKey;
  if (signingKey === undefined)
    throw new TypeError('the issuer (or a self-signed subject) needs its private key');
  const keyType = signingKey.asymmetricKeyType;
  if (keyType !== 'ec' && keyType !== 'rsa') throw new TypeError(`unsupported signing key type ${keyType}`);
  const hash =
    options.hash ?? (signingKey.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'sha384' : 'sha256');
  const signatureAlgorithm = new AlgorithmIdentifier(
    keyType === 'ec'
      ? { algorithm: SIGNATURE_OIDS.ec[hash] }
      : { algorithm: SIGNATURE_OIDS.rsa[hash], parameters: null },
  );

  const ca = options.ca ?? false;
  const extensions: Extension[] = [
    extension(
      id_ce_basicConstraints,
      true,
      new BasicConstraints(
        ca && options.pathLength !== undefined
          ? { cA: true, pathLenConstraint: options.pathLength }
          : { cA: ca },
      ),
    ),
  ];
  const usage = options.keyUsage ?? (ca ? ['keyCertSign', 'cRLSign'] : ['digitalSignature']);
  if (usage.length > 0) {
    const bits = usage.reduce((sum, name) => sum | KeyUsageFlags[name], 0);
    extensions.push(extension(id_ce_keyUsage, true, new KeyUsage(bits)));
  }
  if (options.keyIdentifiers ?? true) {
    extensions.push(
      extension(
        id_ce_subjectKeyIdentifier,
        false,
        new SubjectKeyIdentifier(keyIdentifier(options.keys.publicKey)),
      ),
      extension(
        id_ce_authorityKeyIdentifier,
        false,
        new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(keyIdentifier(issuer.publicKey)) }),
      ),
    );
  }
  for (const extra of options.extensions ?? [])
    extensions.push(extension(extra.oid, extra.critical ?? false, extra.value));

  const serial = options.serialNumber ?? randomSerial();
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: new Uint8Array(serial).buffer,
    signature: signatureAlgorithm,
    issuer: toName(issuer.name),
    validity: new Validity({ notBefore: options.notBefore, notAfter: options.notAfter }),
    subject: toName(options.subject),
    subjectPublicKeyInfo: spkiOf(options.keys.publicKey),
    extensions: new Extensions(extensions),
  });
  const tbsDer = new Uint8Array(AsnConvert.serialize(tbs));
  const signature =
    keyType === 'ec'
      ? sign(hash, tbsDer, { key: signingKey, dsaEncoding: 'der' })
      : sign(hash, tbsDer, signingKey);
  const der = new Uint8Array(
    AsnConvert.serialize(
      new Certificate({
        tbsCertificate: tbs,
        signatureAlgorithm,
        signatureValue: new Uint8Array(signature).buffer,
      }),
    ),
  );
  return {
    name: options.subject,
    publicKey: options.keys.publicKey,
    privateKey: options.keys.privateKey,
    der,
    pem: toPem(der),
    certificate: new X509Certificate(der),
  };
}
