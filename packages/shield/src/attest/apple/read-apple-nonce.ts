import { AsnConvert, AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';
import type { CertificateFields } from './parse-certificate.js';

/** OID of the App Attest nonce extension in the credential certificate. */
export const APPLE_NONCE_EXTENSION_OID = '1.2.840.113635.100.8.2';

/** `SEQUENCE { [1] EXPLICIT OCTET STRING nonce }`, the value of the nonce extension. */
export class AppleNonceExtension {
  @AsnProp({ type: AsnPropTypes.OctetString, context: 1 })
  nonce: ArrayBuffer = new ArrayBuffer(0);
}

export type ReadAppleNonceResult =
  | { ok: true; nonce: Uint8Array }
  | { ok: false; code: 'apple_nonce_missing' | 'apple_nonce_malformed'; message: string };

/**
 * Reads the 32-byte nonce from the credential certificate's extension 1.2.840.113635.100.8.2
 * (Apple step 4: "a DER-encoded ASN.1 sequence. Decode the sequence and extract the single octet
 * string that it contains"). A missing, duplicated, non-DER or wrong-length value is refused.
 */
export function readAppleNonce(certificate: CertificateFields): ReadAppleNonceResult {
  const matches = (certificate.tbsCertificate.extensions ?? []).filter(
    (e) => e.extnID === APPLE_NONCE_EXTENSION_OID,
  );
  if (matches.length === 0) {
    return {
      ok: false,
      code: 'apple_nonce_missing',
      message: 'the credential certificate has no nonce extension',
    };
  }
  const malformed = (message: string): ReadAppleNonceResult => ({
    ok: false,
    code: 'apple_nonce_malformed',
    message,
  });
  if (matches.length > 1) return malformed('the credential certificate has more than one nonce extension');
  const value = new Uint8Array(matches[0]!.extnValue.buffer);
  try {
    const parsed = AsnConvert.parse(value, AppleNonceExtension);
    const nonce = new Uint8Array(parsed.nonce);
    // Re-encoding must give back the same bytes: refuses trailing data and non-DER encodings.
    const again = new Uint8Array(AsnConvert.serialize(parsed));
    if (again.byteLength !== value.byteLength || !again.every((b, i) => b === value[i])) {
      return malformed('the nonce extension is not DER');
    }
    if (nonce.byteLength !== 32) return malformed('the nonce is not 32 bytes');
    return { ok: true, nonce };
  } catch {
    return malformed('the nonce extension is not SEQUENCE { [1] OCTET STRING }');
  }
}
