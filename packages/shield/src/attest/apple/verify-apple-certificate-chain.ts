import type { X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import {
  BasicConstraints,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
} from '@peculiar/asn1-x509';
import type { ComparedValues } from '../contract.js';
import { type ParsedCertificate, parseAnchor, parseCertificate } from './parse-certificate.js';

/**
 * Trust anchors for App Attest, passed to every call (never global). `roots` are Apple's
 * (`loadAppleRoots([APPLE_APP_ATTESTATION_ROOT_CA_PEM])`); `testRoots` are test-kit roots that only
 * a development-mode shield passes, and a chain ending at one is reported with `testRoot: true`.
 */
export interface AppleTrustAnchors {
  roots: readonly X509Certificate[];
  testRoots: readonly X509Certificate[];
}

export type AppleChainResult =
  | {
      ok: true;
      leaf: ParsedCertificate;
      intermediate: ParsedCertificate;
      anchor: ParsedCertificate;
      testRoot: boolean;
    }
  | {
      ok: false;
      code: 'apple_x5c_invalid' | 'apple_certificate_malformed' | 'apple_chain_untrusted';
      message: string;
      /** For an untrusted chain: the top certificate's subject and issuer. */
      compared?: ComparedValues;
    };

/** Critical extensions this verifier understands; any other critical extension fails closed (RFC 5280 §4.2). */
const UNDERSTOOD_CRITICAL = new Set([id_ce_basicConstraints, id_ce_keyUsage, id_ce_extKeyUsage]);

function hasUnknownCriticalExtension(certificate: ParsedCertificate): boolean {
  return (certificate.asn.tbsCertificate.extensions ?? []).some(
    (e) => e.critical && !UNDERSTOOD_CRITICAL.has(e.extnID),
  );
}

/** The basicConstraints pathLenConstraint, `undefined` when absent, `null` when unreadable. */
function pathLength(certificate: ParsedCertificate): number | undefined | null {
  const extension = (certificate.asn.tbsCertificate.extensions ?? []).find(
    (e) => e.extnID === id_ce_basicConstraints,
  );
  if (extension === undefined) return undefined;
  try {
    return AsnConvert.parse(extension.extnValue, BasicConstraints).pathLenConstraint;
  } catch {
    return null;
  }
}

function oneLine(name: string): string {
  return name.split('\n').join(', ');
}

/** `child` names `issuer` as its issuer and carries a valid signature by `issuer`'s key. */
function issuedBy(child: ParsedCertificate, issuer: ParsedCertificate): boolean {
  try {
    return child.x509.checkIssued(issuer.x509) && child.x509.verify(issuer.x509.publicKey);
  } catch {
    return false;
  }
}

/** An issuer may sign `below` more CA certificates under it. */
function mayIssue(issuer: ParsedCertificate, below: number): boolean {
  if (!issuer.x509.ca) return false;
  const limit = pathLength(issuer);
  return limit !== null && (limit === undefined || limit >= below);
}

/**
 * Apple step 1, signatures and structure: x5c must be exactly [credential certificate,
 * intermediate]; the intermediate must be a CA that issued and signed the credential certificate,
 * and must itself be issued and signed by one of the anchors (Apple roots first, then test roots).
 * The anchor is always taken from `anchors`, never from x5c, so a self-made root copying Apple's
 * name, an appended certificate or a reordered chain never gains trust. Validity times are checked
 * separately (`verifyCertificateValidity`).
 */
export function verifyAppleCertificateChain(
  x5c: readonly Uint8Array[],
  anchors: AppleTrustAnchors,
): AppleChainResult {
  if (x5c.length !== 2) {
    return {
      ok: false,
      code: 'apple_x5c_invalid',
      message: `x5c holds ${x5c.length} certificates, expected 2`,
    };
  }
  const leaf = parseCertificate(x5c[0]!);
  const intermediate = parseCertificate(x5c[1]!);
  if (leaf === undefined || intermediate === undefined) {
    return {
      ok: false,
      code: 'apple_certificate_malformed',
      message: `x5c[${leaf === undefined ? 0 : 1}] is not one DER certificate`,
    };
  }
  const untrusted = (message: string): AppleChainResult => ({
    ok: false,
    code: 'apple_chain_untrusted',
    message,
    compared: {
      topSubject: oneLine(intermediate.x509.subject),
      topIssuer: oneLine(intermediate.x509.issuer),
    },
  });
  if (leaf.x509.ca) return untrusted('the credential certificate is a CA certificate');
  if (hasUnknownCriticalExtension(leaf) || hasUnknownCriticalExtension(intermediate)) {
    return untrusted('a certificate carries a critical extension this verifier does not understand');
  }
  if (!mayIssue(intermediate, 0) || !issuedBy(leaf, intermediate)) {
    return untrusted('the credential certificate was not issued by the intermediate in x5c');
  }
  const candidates = [
    ...anchors.roots.map((certificate) => ({ certificate, testRoot: false })),
    ...anchors.testRoots.map((certificate) => ({ certificate, testRoot: true })),
  ];
  for (const candidate of candidates) {
    // Names first (cheap); an anchor is parsed only when it could be the issuer.
    if (!intermediate.x509.checkIssued(candidate.certificate)) continue;
    const anchor = parseAnchor(candidate.certificate);
    if (anchor === undefined || !mayIssue(anchor, 1)) continue;
    if (issuedBy(intermediate, anchor)) {
      return { ok: true, leaf, intermediate, anchor, testRoot: candidate.testRoot };
    }
  }
  return untrusted('the intermediate does not chain to a configured App Attest root');
}
