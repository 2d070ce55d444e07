import { timingSafeEqual, X509Certificate } from 'node:crypto';
import { AsnConvert, AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';
import { Extensions, Validity } from '@peculiar/asn1-x509';
import { validityMatchesOpenssl } from '../validity-matches-openssl.js';

/**
 * The TBSCertificate fields the App Attest verifier reads (RFC 5280 §4.1), with every other field
 * kept as raw DER. node's X509Certificate has already parsed the whole certificate strictly; this
 * lighter schema only extracts validity and extensions, about three times faster than the full
 * asn1-x509 `Certificate` (whose names and nested strings dominate the cost).
 */
export class TbsCertificateFields {
  @AsnProp({ type: AsnPropTypes.Any, context: 0, optional: true })
  version?: ArrayBuffer;
  @AsnProp({ type: AsnPropTypes.Any })
  serialNumber: ArrayBuffer = new ArrayBuffer(0);
  @AsnProp({ type: AsnPropTypes.Any })
  signature: ArrayBuffer = new ArrayBuffer(0);
  @AsnProp({ type: AsnPropTypes.Any })
  issuer: ArrayBuffer = new ArrayBuffer(0);
  @AsnProp({ type: Validity })
  validity: Validity = new Validity();
  @AsnProp({ type: AsnPropTypes.Any })
  subject: ArrayBuffer = new ArrayBuffer(0);
  @AsnProp({ type: AsnPropTypes.Any })
  subjectPublicKeyInfo: ArrayBuffer = new ArrayBuffer(0);
  @AsnProp({ type: Extensions, context: 3, optional: true })
  extensions?: Extensions;
}

/** `Certificate ::= SEQUENCE { tbsCertificate, signatureAlgorithm, signatureValue }`. */
export class CertificateFields {
  @AsnProp({ type: TbsCertificateFields })
  tbsCertificate: TbsCertificateFields = new TbsCertificateFields();
  @AsnProp({ type: AsnPropTypes.Any })
  signatureAlgorithm: ArrayBuffer = new ArrayBuffer(0);
  @AsnProp({ type: AsnPropTypes.BitString })
  signatureValue: ArrayBuffer = new ArrayBuffer(0);
}

/** One certificate seen two ways: node's X509Certificate for checks, the ASN.1 fields for extensions and validity. */
export interface ParsedCertificate {
  x509: X509Certificate;
  asn: CertificateFields;
}

/**
 * Parses exactly one DER certificate filling all of `der`, or returns undefined. (node's
 * X509Certificate ignores bytes after the certificate; those are refused here, and so is a
 * certificate whose validity the two parsers read differently.)
 */
export function parseCertificate(der: Uint8Array): ParsedCertificate | undefined {
  try {
    const x509 = new X509Certificate(der);
    const raw = x509.raw;
    if (raw.byteLength !== der.byteLength || !timingSafeEqual(raw, der)) return undefined;
    const asn = AsnConvert.parse(der, CertificateFields);
    const { notBefore, notAfter } = asn.tbsCertificate.validity;
    if (!validityMatchesOpenssl(x509, notBefore.getTime(), notAfter.getTime())) return undefined;
    return { x509, asn };
  } catch {
    return undefined;
  }
}

/** Parses a trust anchor given as an X509Certificate. */
export function parseAnchor(certificate: X509Certificate): ParsedCertificate | undefined {
  try {
    return { x509: certificate, asn: AsnConvert.parse(certificate.raw, CertificateFields) };
  } catch {
    return undefined;
  }
}
