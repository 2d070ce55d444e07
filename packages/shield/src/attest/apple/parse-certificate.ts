import { timingSafeEqual, X509Certificate } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';

/** One certificate seen two ways: node's X509Certificate for checks, the ASN.1 tree for fields. */
export interface ParsedCertificate {
  x509: X509Certificate;
  asn: Certificate;
}

/**
 * Parses exactly one DER certificate filling all of `der`, or returns undefined. (node's
 * X509Certificate ignores bytes after the certificate; those are refused here.)
 */
export function parseCertificate(der: Uint8Array): ParsedCertificate | undefined {
  try {
    const x509 = new X509Certificate(der);
    const raw = x509.raw;
    if (raw.byteLength !== der.byteLength || !timingSafeEqual(raw, der)) return undefined;
    const asn = AsnConvert.parse(der, Certificate);
    return { x509, asn };
  } catch {
    return undefined;
  }
}

/** Parses a trust anchor given as an X509Certificate. */
export function parseAnchor(certificate: X509Certificate): ParsedCertificate | undefined {
  try {
    return { x509: certificate, asn: AsnConvert.parse(certificate.raw, Certificate) };
  } catch {
    return undefined;
  }
}
