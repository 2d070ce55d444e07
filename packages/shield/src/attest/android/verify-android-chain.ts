import { createHash, type KeyObject, X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, type Name } from '@peculiar/asn1-x509';
import type { StepVerdict, VerificationFailure } from '../contract.js';
import { validityMatchesOpenssl } from '../validity-matches-openssl.js';
import type { AndroidKeyAttestationStep } from './android-steps.js';
import type { AndroidSecurityLevel } from './key-description.js';
import { KEY_DESCRIPTION_OID } from './parse-key-description.js';
import { findRevocationEntry, type RevocationStatus } from './parse-revocation-status.js';
import type { StepLog } from './step-log.js';

/** A trust anchor: a root's public key, or a root certificate (trust is by its key). */
export type AndroidTrustRoot = KeyObject | X509Certificate;

/** Trust material for verifyAndroidKeyAttestation. */
export interface AndroidTrustAnchors {
  /** Production roots (loadAndroidRoots(GOOGLE_ATTESTATION_ROOTS_PEM)). */
  roots: readonly AndroidTrustRoot[];
  /** Test-kit roots: chains ending here succeed with `testRoot: true` (development mode only). */
  testRoots?: readonly AndroidTrustRoot[];
  /** The current status list, or the stale verdict of a revocation source. */
  revocation: RevocationStatus | 'stale-allow' | 'stale-refuse';
}

/** How the chain's attestation key was provisioned (decides whether intermediate expiry counts). */
export type ProvisioningMethod = 'factory' | 'remote' | 'unknown';

/** More than any real chain (five with remote key provisioning). */
export const MAX_CHAIN_LENGTH = 10;
/** Far above a real certificate (an ML-DSA-87 leaf is under 8 KiB). */
export const MAX_CERTIFICATE_BYTES = 32 * 1024;

/** OID of the provisioning info extension that remotely provisioned attestation certificates carry. */
const PROVISIONING_INFO_OID = '1.3.6.1.4.1.11129.2.1.30';
const OID_SERIAL_NUMBER = '2.5.4.5';
const OID_ORGANIZATION = '2.5.4.10';
const OID_TITLE = '2.5.4.12';

export interface CheckedChain {
  leaf: X509Certificate;
  leafAsn: Certificate;
  extension: Uint8Array;
  testRoot: boolean;
  provisioning: ProvisioningMethod;
  revocationChecked: boolean;
  /** Security level the attestation certificate's subject names (O= or title= TEE/StrongBox), if any. */
  namedLevel: AndroidSecurityLevel | undefined;
}

type Failure = VerificationFailure & { steps: StepVerdict[] };

/**
 * Chain checks of an Android key attestation, from decoding to revocation. Verdicts go to `log`;
 * the first failure is returned.
 */
export function checkAndroidChain(
  chain: readonly Uint8Array[],
  anchors: AndroidTrustAnchors,
  at: Date,
  log: StepLog<AndroidKeyAttestationStep>,
): CheckedChain | Failure {
  // Decode. Count and size are bounded before any parsing work.
  if (!Array.isArray(chain) || chain.length < 2) {
    return log.fail(
      'chain_decode',
      'android_chain_malformed',
      'the chain needs the leaf and at least a root',
    );
  }
  if (chain.length > MAX_CHAIN_LENGTH) {
    return log.fail(
      'chain_decode',
      'android_chain_too_long',
      `the chain has more than ${MAX_CHAIN_LENGTH} certificates`,
    );
  }
  const certs: X509Certificate[] = [];
  const asn: Certificate[] = [];
  for (const [i, der] of chain.entries()) {
    if (!(der instanceof Uint8Array) || der.length === 0 || der.length > MAX_CERTIFICATE_BYTES) {
      return log.fail('chain_decode', 'android_chain_malformed', `certificate ${i} is empty or too large`);
    }
    try {
      certs.push(new X509Certificate(der));
      asn.push(AsnConvert.parse(der, Certificate));
    } catch {
      return log.fail(
        'chain_decode',
        'android_chain_malformed',
        `certificate ${i} is not a DER X.509 certificate`,
      );
    }
    const { notBefore, notAfter } = (asn[i] as Certificate).tbsCertificate.validity;
    if (!validityMatchesOpenssl(certs[i] as X509Certificate, notBefore.getTime(), notAfter.getTime())) {
      return log.fail(
        'chain_decode',
        'android_chain_malformed',
        `certificate ${i} has a validity that is not a time`,
      );
    }
  }
  log.pass('chain_decode');

  // Android step 6: "Only the first occurrence of the extension in the chain can be trusted. Any
  // further instances ... might have been issued by an attacker extending the chain." Like
  // Google's verifier (ADDITIONAL_ATTESTATION_EXTENSION) we go further: the key description must
  // be on the leaf and nowhere else, so a certificate signed by the attested key never passes.
  const extensionCounts = asn.map((c) => extensionsWith(c, KEY_DESCRIPTION_OID).length);
  if (extensionCounts.some((n, i) => i > 0 && n > 0)) {
    return log.fail(
      'chain_shape',
      'android_chain_extended',
      'a certificate other than the leaf carries the key description',
    );
  }
  const leafExtensions = extensionsWith(asn[0] as Certificate, KEY_DESCRIPTION_OID);
  const extension = leafExtensions[0];
  if (extension === undefined) {
    return log.fail('chain_shape', 'android_extension_missing', 'the leaf has no key description extension');
  }
  if (leafExtensions.length > 1) {
    return log.fail(
      'chain_shape',
      'android_key_description_malformed',
      'the leaf carries the key description twice',
    );
  }
  log.pass('chain_shape');

  // Android step 3: "Verify that the root public certificate is trustworthy and that each
  // certificate signs the next certificate in the chain."
  // Root: trust is pinned to the top certificate's public key; its own dates and signature are
  // not used (Google re-issued the RSA root several times for one key, and old devices still
  // end in an expired copy).
  const top = asn[asn.length - 1] as Certificate;
  const topSpki = Buffer.from(AsnConvert.serialize(top.tbsCertificate.subjectPublicKeyInfo));
  let testRoot: boolean;
  if (anchors.roots.some((r) => sameKey(r, topSpki))) testRoot = false;
  else if ((anchors.testRoots ?? []).some((r) => sameKey(r, topSpki))) testRoot = true;
  else
    return log.fail(
      'chain_root',
      'android_root_untrusted',
      'the chain does not end in a configured root key',
      {
        topSubject: subjectText(certs[certs.length - 1] as X509Certificate),
        topKeySha256: createHash('sha256').update(topSpki).digest('hex'),
      },
    );
  log.pass('chain_root');

  for (let i = 0; i + 1 < asn.length; i++) {
    const issuer = nameDer((asn[i] as Certificate).tbsCertificate.issuer);
    const subject = nameDer((asn[i + 1] as Certificate).tbsCertificate.subject);
    if (!issuer.equals(subject)) {
      return log.fail(
        'chain_names',
        'android_chain_name_mismatch',
        `certificate ${i} is not issued by the subject of certificate ${i + 1}`,
      );
    }
  }
  log.pass('chain_names');

  for (let i = 0; i + 1 < certs.length; i++) {
    if (!signedBy(certs[i] as X509Certificate, certs[i + 1] as X509Certificate)) {
      return log.fail(
        'chain_signatures',
        'android_chain_signature_invalid',
        `certificate ${i} is not signed by the key of certificate ${i + 1}`,
      );
    }
  }
  log.pass('chain_signatures');

  // Validity. The leaf's dates are written by the device itself (often 1970 to 2048) and are not
  // used. Factory-provisioned intermediates are burned in at manufacture and cannot be rotated,
  // so, like Google's reference verifier, their expiry is ignored; remotely provisioned and
  // unrecognised chains must be within their dates. notBefore is checked for every intermediate.
  const provisioning = provisioningOf(asn);
  const time = at.getTime();
  for (let i = 1; i + 1 < asn.length; i++) {
    const validity = (asn[i] as Certificate).tbsCertificate.validity;
    const notBefore = validity.notBefore.getTime();
    const notAfter = validity.notAfter.getTime();
    const compared = {
      certificate: i,
      subject: subjectText(certs[i] as X509Certificate),
      notBefore: notBefore.toISOString(),
      notAfter: notAfter.toISOString(),
      at: at.toISOString(),
    };
    if (time < notBefore.getTime()) {
      return log.fail(
        'chain_validity',
        'android_certificate_not_yet_valid',
        `certificate ${i} is not yet valid`,
        compared,
      );
    }
    if (provisioning !== 'factory' && time > notAfter.getTime()) {
      return log.fail(
        'chain_validity',
        'android_certificate_expired',
        `certificate ${i} has expired`,
        compared,
      );
    }
  }
  log.pass('chain_validity');

  // Android step 4: "Check each certificate's revocation status to ensure that none of the
  // certificates have been revoked." Every certificate of the chain, by serial number.
  let revocationChecked = false;
  if (anchors.revocation === 'stale-refuse') {
    return log.fail('revocation', 'android_revocation_unavailable', 'the revocation status list is stale');
  }
  if (anchors.revocation === 'stale-allow') {
    log.skip('revocation');
  } else {
    for (const [i, cert] of certs.entries()) {
      const entry = findRevocationEntry(anchors.revocation, cert.serialNumber);
      if (entry === undefined) continue;
      const compared = {
        certificate: i,
        serialNumber: cert.serialNumber.toLowerCase(),
        status: entry.status,
      };
      return entry.status === 'REVOKED'
        ? log.fail('revocation', 'android_certificate_revoked', `certificate ${i} is revoked`, compared)
        : log.fail(
            'revocation',
            'android_certificate_suspended',
            `certificate ${i} is ${entry.status.toLowerCase()}`,
            compared,
          );
    }
    revocationChecked = true;
    log.pass('revocation');
  }

  return {
    leaf: certs[0] as X509Certificate,
    leafAsn: asn[0] as Certificate,
    extension: new Uint8Array(extension),
    testRoot,
    provisioning,
    revocationChecked,
    namedLevel: namedLevel((asn[1] as Certificate).tbsCertificate.subject),
  };
}

/** A certificate's subject on one line, for an operator reading a refusal. */
function subjectText(cert: X509Certificate): string {
  return cert.subject.split('\n').join(', ');
}

function extensionsWith(cert: Certificate, oid: string): ArrayBuffer[] {
  return (cert.tbsCertificate.extensions ?? [])
    .filter((e) => e.extnID === oid)
    .map((e) => e.extnValue.buffer);
}

function sameKey(root: AndroidTrustRoot, spki: Buffer): boolean {
  try {
    const key = root instanceof X509Certificate ? root.publicKey : root;
    return key.export({ type: 'spki', format: 'der' }).equals(spki);
  } catch {
    return false;
  }
}

function nameDer(name: Name): Buffer {
  return Buffer.from(AsnConvert.serialize(name));
}

function signedBy(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.verify(issuer.publicKey);
  } catch {
    // An issuer key Node cannot import cannot vouch for anything.
    return false;
  }
}

function attributes(name: Name, oid: string): string[] {
  return name.flatMap((rdn) => rdn.filter((a) => a.type === oid).map((a) => a.value.toString()));
}

/**
 * Remote key provisioning puts the provisioning info extension on the attestation certificate.
 * Factory batch certificates name their batch with a serialNumber attribute. Anything else is
 * unknown and gets the full validity check.
 */
function provisioningOf(asn: readonly Certificate[]): ProvisioningMethod {
  if (asn.some((c) => extensionsWith(c, PROVISIONING_INFO_OID).length > 0)) return 'remote';
  const intermediates = asn.slice(1, -1);
  if (
    intermediates.length > 0 &&
    intermediates.every((c) => attributes(c.tbsCertificate.subject, OID_SERIAL_NUMBER).length > 0)
  ) {
    return 'factory';
  }
  return 'unknown';
}

function namedLevel(subject: Name): AndroidSecurityLevel | undefined {
  const names = [...attributes(subject, OID_ORGANIZATION), ...attributes(subject, OID_TITLE)];
  if (names.includes('StrongBox')) return 'strongbox';
  if (names.includes('TEE')) return 'tee';
  return undefined;
}
