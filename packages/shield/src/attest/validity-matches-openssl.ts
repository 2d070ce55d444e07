import type { X509Certificate } from 'node:crypto';

/**
 * True when the validity the verifiers read from the DER (`notBefore`, `notAfter`, decoded by
 * asn1-schema) is the validity OpenSSL reads from the same certificate, to the second. OpenSSL
 * parses a certificate without judging its times; asn1-schema turns a time that is not one (an
 * hour 26, a month 00, a stray byte) into some date, such as 1899-11-30 or the next day. Such a
 * certificate is refused rather than read two ways (found by the X.509 fuzz tests).
 */
export function validityMatchesOpenssl(x509: X509Certificate, notBefore: Date, notAfter: Date): boolean {
  const from = Date.parse(x509.validFrom);
  const to = Date.parse(x509.validTo);
  return (
    Number.isFinite(from) &&
    Number.isFinite(to) &&
    from === Math.floor(notBefore.getTime() / 1000) * 1000 &&
    to === Math.floor(notAfter.getTime() / 1000) * 1000
  );
}
