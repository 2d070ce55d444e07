import { X509Certificate } from 'node:crypto';

/**
 * Apple App Attestation Root CA (P-384, valid 2020-03-18 to 2045-03-15), the only trust anchor of
 * App Attest. SHA-256 fingerprint
 * 1C:B9:82:3B:A2:8B:A6:AD:2D:33:A0:06:94:1D:E2:AE:4F:51:3E:F1:D4:E8:31:B9:F7:E0:FA:7B:62:42:C9:32.
 * Source: https://www.apple.com/certificateauthority/Apple_App_Attestation_Root_CA.pem
 */
export const APPLE_APP_ATTESTATION_ROOT_CA_PEM = `-----BEGIN CERTIFICATE-----
MIICITCCAaegAwIBAgIQC/O+DvHN0uD7jG5yH2IXmDAKBggqhkjOPQQDAzBSMSYw
JAYDVQQDDB1BcHBsZSBBcHAgQXR0ZXN0YXRpb24gUm9vdCBDQTETMBEGA1UECgwK
QXBwbGUgSW5jLjETMBEGA1UECAwKQ2FsaWZvcm5pYTAeFw0yMDAzMTgxODMyNTNa
Fw00NTAzMTUwMDAwMDBaMFIxJjAkBgNVBAMMHUFwcGxlIEFwcCBBdHRlc3RhdGlv
biBSb290IENBMRMwEQYDVQQKDApBcHBsZSBJbmMuMRMwEQYDVQQIDApDYWxpZm9y
bmlhMHYwEAYHKoZIzj0CAQYFK4EEACIDYgAERTHhmLW07ATaFQIEVwTtT4dyctdh
NbJhFs/Ii2FdCgAHGbpphY3+d8qjuDngIN3WVhQUBHAoMeQ/cLiP1sOUtgjqK9au
Yen1mMEvRq9Sk3Jm5X8U62H+xTD3FE9TgS41o0IwQDAPBgNVHRMBAf8EBTADAQH/
MB0GA1UdDgQWBBSskRBTM72+aEH/pwyp5frq5eWKoTAOBgNVHQ8BAf8EBAMCAQYw
CgYIKoZIzj0EAwMDaAAwZQIwQgFGnByvsiVbpTKwSga0kP0e8EeDS4+sQmTvb7vn
53O5+FRXgeLhpJ06ysC5PrOyAjEAp5U4xDgEgllF7En3VcE3iexZZtKeYnpqtijV
oyFraWVIyd/dganmrduC1bmTBGwD
-----END CERTIFICATE-----
`;

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/**
 * Parses trust anchors from PEM text (each string may hold several certificates). Every
 * certificate must be a CA certificate. Throws a TypeError naming the bad entry: roots are
 * configuration, checked once at start-up, never per request.
 *
 * @example
 * ```ts
 * const anchors = { roots: loadAppleRoots([APPLE_APP_ATTESTATION_ROOT_CA_PEM]), testRoots: [] };
 * ```
 */
export function loadAppleRoots(pems: readonly string[]): X509Certificate[] {
  const roots: X509Certificate[] = [];
  pems.forEach((pem, index) => {
    const blocks = pem.match(PEM_BLOCK);
    if (blocks === null) throw new TypeError(`roots[${index}] holds no PEM certificate`);
    for (const block of blocks) {
      let certificate: X509Certificate;
      try {
        certificate = new X509Certificate(block);
      } catch (cause) {
        throw new TypeError(`roots[${index}] holds a certificate that does not parse`, { cause });
      }
      if (!certificate.ca)
        throw new TypeError(`roots[${index}] holds a certificate that is not a CA certificate`);
      roots.push(certificate);
    }
  });
  return roots;
}
