import { createHash, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import {
  AttestationApplicationId,
  AttestationPackageInfo,
  AuthorizationList,
  IntegerSet,
  KeyMintKeyDescription,
  RootOfTrust,
  SecurityLevel,
  VerifiedBootState,
} from '@peculiar/asn1-android';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import type { JsonWebKeyLike } from '@portcullis/protocol';
import type { AndroidTestAuthority } from './android-test-authority.js';
import { createTestCertificate, type TestCertificateExtension, type TestName } from './test-pki.js';

/** OID of the Android key description extension. */
export const ANDROID_KEY_DESCRIPTION_OID = '1.3.6.1.4.1.11129.2.1.17';

/** A software stand-in for an Android Keystore EC P-256 key with key attestation, for tests and demos. */
export interface SoftwareAndroidDevice {
  /** Protocol key id: b64url(SHA-256(SubjectPublicKeyInfo DER of the leaf)). */
  keyId: string;
  /** The device public key as a JWK (EC P-256). */
  publicKeyJwk: JsonWebKeyLike;
  /**
   * Like KeyStore.getCertificateChain after generating the key with
   * setAttestationChallenge(UTF-8 bytes of `challenge`): base64 DER, leaf first, then the
   * device's attestation certificate, the authority's intermediate and root. The leaf carries a
   * real KeyDescription extension encoded with @peculiar/asn1-android.
   */
  attest(challenge: string): string[];
  /** Like Signature("SHA256withECDSA") with the attested key: a DER ECDSA signature of `message`. */
  sign(message: Uint8Array): Uint8Array;
  /**
   * Issues a certificate signed by the attested key, as anyone holding the device can: for
   * chain-extension tests. Returns DER.
   */
  signCertificate(options: {
    subject: TestName;
    publicKey: KeyObject;
    extensions?: readonly TestCertificateExtension[];
  }): Uint8Array;
}

export interface CreateSoftwareAndroidDeviceOptions {
  authority: AndroidTestAuthority;
  packageName: string;
  /** SHA-256 digests (hex, colons allowed) of the app signing certificates the key description lists. */
  signingCertSha256: string | readonly string[];
  /** App versionCode in the attestation application id; default 1. */
  appVersion?: number;
  /** Where the key lives; default `tee`. */
  securityLevel?: 'software' | 'tee' | 'strongbox';
  /** verifiedBootState Verified (true) or Unverified (false); default true. */
  verifiedBoot?: boolean;
  /** deviceLocked; default true. */
  locked?: boolean;
  /** YYYYMM; default 202601. */
  osPatchLevel?: number;
  /** attestationVersion and keyMintVersion; default 300 (KeyMint 3). */
  attestationVersion?: number;
  /** Key creation time written in the key description (ms); default the authority's notBefore. */
  creationTime?: number;
  /** Edits the key description before it is encoded (mutation tests: origin, levels, packages, ...). */
  keyDescription?: (description: KeyMintKeyDescription) => void;
  /** Replaces the encoded extension value (mutation tests that need bytes asn1-schema cannot produce). */
  extensionValue?: (der: Uint8Array) => Uint8Array;
}

const LEAF_SUBJECT: TestName = [['CN', 'Android Keystore Key']];
const LEVEL = {
  software: SecurityLevel.software,
  tee: SecurityLevel.trustedEnvironment,
  strongbox: SecurityLevel.strongBox,
} as const;
const LEVEL_NAME = { software: 'Software', tee: 'TEE', strongbox: 'StrongBox' } as const;
// KeyMint values: KeyPurpose SIGN 2, VERIFY 3; Algorithm EC 3; Digest SHA_2_256 4; EcCurve P_256 1;
// KeyOrigin GENERATED 0.
const PURPOSE_SIGN_VERIFY = [2, 3];
const ALGORITHM_EC = 3;
const DIGEST_SHA256 = 4;
const CURVE_P256 = 1;
const ORIGIN_GENERATED = 0;

function buffer(bytes: Uint8Array): ArrayBuffer {
  return new Uint8Array(bytes).buffer;
}

function digestBytes(hex: string): Uint8Array {
  const clean = hex.replaceAll(':', '').toLowerCase();
  if (!/^[0-9a-f]{64}$/.test(clean)) throw new TypeError('signingCertSha256 must be SHA-256 digests in hex');
  return Buffer.from(clean, 'hex');
}

/**
 * Creates a software Android device: an EC P-256 key whose attestation chain ends in the test
 * authority's root, with the key description an Android Keystore would write.
 *
 * @example
 * ```ts
 * const device = createSoftwareAndroidDevice({ authority, packageName: 'com.example.shop', signingCertSha256: digest });
 * const chain = device.attest(challenge); // base64 DER, leaf first
 * const assertion = device.sign(new TextEncoder().encode(nextChallenge));
 * ```
 */
export function createSoftwareAndroidDevice(
  options: CreateSoftwareAndroidDeviceOptions,
): SoftwareAndroidDevice {
  const { authority } = options;
  const level = options.securityLevel ?? 'tee';
  const digests = (
    typeof options.signingCertSha256 === 'string' ? [options.signingCertSha256] : options.signingCertSha256
  ).map(digestBytes);
  const version = options.attestationVersion ?? 300;
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const spki = keys.publicKey.export({ type: 'spki', format: 'der' });
  const { x, y } = keys.publicKey.export({ format: 'jwk' });
  if (x === undefined || y === undefined) throw new Error('P-256 key without coordinates');

  // The per-device attestation key certificate, named after its security level like Google's
  // (O=TEE / O=StrongBox), under the authority's intermediate.
  const attestationKey = createTestCertificate({
    subject: [
      ['O', LEVEL_NAME[level]],
      [
        'CN',
        `Portcullis TEST attestation key ${createHash('sha256').update(spki).digest('hex').slice(0, 16)}`,
      ],
    ],
    keys: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    issuer: authority.intermediateIssuer,
    ca: true,
    notBefore: authority.notBefore,
    notAfter: authority.notAfter,
  });

  function keyDescription(challenge: Uint8Array): Uint8Array {
    const applicationId = new AttestationApplicationId({
      packageInfos: [
        new AttestationPackageInfo({
          // The schema types package_name as a bare OCTET STRING (ArrayBuffer), not OctetString.
          packageName: buffer(new TextEncoder().encode(options.packageName)) as unknown as OctetString,
          version: options.appVersion ?? 1,
        }),
      ],
      signatureDigests: digests.map((d) => buffer(d) as unknown as OctetString),
    });
    const rootOfTrust = new RootOfTrust({
      verifiedBootKey: new OctetString(createHash('sha256').update('Portcullis TEST boot key').digest()),
      deviceLocked: options.locked ?? true,
      verifiedBootState:
        (options.verifiedBoot ?? true) ? VerifiedBootState.verified : VerifiedBootState.unverified,
      verifiedBootHash: new OctetString(createHash('sha256').update('Portcullis TEST boot hash').digest()),
    });
    const patchLevel = options.osPatchLevel ?? 202601;
    const keyProperties: Partial<AuthorizationList> = {
      purpose: new IntegerSet(PURPOSE_SIGN_VERIFY),
      algorithm: ALGORITHM_EC,
      keySize: 256,
      digest: new IntegerSet([DIGEST_SHA256]),
      ecCurve: CURVE_P256,
      noAuthRequired: null,
      origin: ORIGIN_GENERATED,
      rootOfTrust,
      osVersion: 160000,
      osPatchLevel: patchLevel,
      vendorPatchLevel: patchLevel * 100 + 1,
      bootPatchLevel: patchLevel * 100 + 1,
    };
    const appProperties: Partial<AuthorizationList> = {
      creationDateTime: options.creationTime ?? authority.notBefore.getTime(),
      attestationApplicationId: new OctetString(AsnConvert.serialize(applicationId)),
    };
    // A software keystore enforces everything in software; a TEE or StrongBox one enforces the
    // key properties in hardware and leaves the application id and creation time to Android.
    const description = new KeyMintKeyDescription({
      attestationVersion: version,
      attestationSecurityLevel: LEVEL[level],
      keyMintVersion: version,
      keyMintSecurityLevel: LEVEL[level],
      attestationChallenge: new OctetString(challenge),
      uniqueId: new OctetString(0),
      softwareEnforced: new AuthorizationList(
        level === 'software' ? { ...keyProperties, ...appProperties } : appProperties,
      ),
      hardwareEnforced: new AuthorizationList(level === 'software' ? {} : keyProperties),
    });
    options.keyDescription?.(description);
    const der = new Uint8Array(AsnConvert.serialize(description));
    return options.extensionValue ? options.extensionValue(der) : der;
  }

  return {
    keyId: Buffer.from(createHash('sha256').update(spki).digest()).toString('base64url'),
    publicKeyJwk: { kty: 'EC', crv: 'P-256', x, y },
    attest(challenge) {
      const leaf = createTestCertificate({
        subject: LEAF_SUBJECT,
        keys: { publicKey: keys.publicKey },
        issuer: attestationKey,
        // Keystore leaves carry serial 1 and these fixed dates unless the app sets others.
        serialNumber: new Uint8Array([1]),
        notBefore: new Date('1970-01-01T00:00:00Z'),
        notAfter: new Date('2048-01-01T00:00:00Z'),
        keyIdentifiers: false,
        extensions: [
          { oid: ANDROID_KEY_DESCRIPTION_OID, value: keyDescription(new TextEncoder().encode(challenge)) },
        ],
      });
      return [leaf.der, attestationKey.der, authority.intermediateIssuer.der, authority.rootDer].map((der) =>
        Buffer.from(der).toString('base64'),
      );
    },
    sign(message) {
      return new Uint8Array(sign('sha256', message, { key: keys.privateKey, dsaEncoding: 'der' }));
    },
    signCertificate(certificate) {
      return createTestCertificate({
        subject: certificate.subject,
        keys: { publicKey: certificate.publicKey },
        issuer: { name: LEAF_SUBJECT, publicKey: keys.publicKey, privateKey: keys.privateKey },
        notBefore: authority.notBefore,
        notAfter: authority.notAfter,
        keyIdentifiers: false,
        extensions: certificate.extensions ?? [],
      }).der;
    },
  };
}
