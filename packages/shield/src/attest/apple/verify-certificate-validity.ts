import type { ComparedValues } from '../contract.js';
import type { ParsedCertificate } from './parse-certificate.js';

export type CertificateValidityResult =
  | { ok: true }
  | {
      ok: false;
      code: 'apple_certificate_expired' | 'apple_certificate_not_yet_valid';
      message: string;
      compared: ComparedValues;
    };

/**
 * Every certificate must be valid at `at` (RFC 5280 §4.1.2.5: notBefore ≤ at ≤ notAfter), read
 * from the DER validity field itself. `names` label the certificates in messages.
 */
export function verifyCertificateValidity(
  certificates: readonly { certificate: ParsedCertificate; name: string }[],
  at: Date,
): CertificateValidityResult {
  const now = at.getTime();
  for (const { certificate, name } of certificates) {
    const { notBefore, notAfter } = certificate.asn.tbsCertificate.validity;
    const from = notBefore.getTime().getTime();
    const to = notAfter.getTime().getTime();
    const compared = {
      certificate: name,
      notBefore: new Date(from).toISOString(),
      notAfter: new Date(to).toISOString(),
      at: at.toISOString(),
    };
    if (!(now >= from)) {
      return {
        ok: false,
        code: 'apple_certificate_not_yet_valid',
        message: `the ${name} certificate is valid from ${new Date(from).toISOString()}, after the verification time ${at.toISOString()}`,
        compared,
      };
    }
    if (!(now <= to)) {
      return {
        ok: false,
        code: 'apple_certificate_expired',
        message: `the ${name} certificate expired at ${new Date(to).toISOString()}, before the verification time ${at.toISOString()}`,
        compared,
      };
    }
  }
  return { ok: true };
}
