import { type ComparedValues, fail, type VerificationFailure } from '../contract.js';

/** One audit sub-code of the App Attest verifiers, with what it means and how to fix it. */
export interface AppleFailureCodeInfo {
  readonly code: string;
  /** `invalid`: the evidence is wrong or forged; `policy`: valid evidence the app's policy does not admit. */
  readonly kind: VerificationFailure['kind'];
  readonly meaning: string;
  readonly fix: string;
}

/**
 * Every sub-code `verifyAppleAttestation` and `verifyAppleAssertion` emit, in verification order.
 * `docs/providers/apple-app-attest.md` and `docs/errors.md` are checked against this list.
 *
 * @example
 * ```ts
 * const info = APPLE_FAILURE_CODES.find((c) => c.code === result.code);
 * ```
 */
export const APPLE_FAILURE_CODES = [
  {
    code: 'apple_attestation_too_large',
    kind: 'invalid',
    meaning: 'The attestation object is larger than any real App Attest attestation (64 KiB).',
    fix: 'Send the attestation object from DCAppAttestService.attestKey unchanged.',
  },
  {
    code: 'apple_cbor_malformed',
    kind: 'invalid',
    meaning:
      'The attestation or assertion is not one well-formed CBOR item (truncated, trailing bytes, indefinite lengths, unsupported values).',
    fix: 'Send the bytes Apple returned, base64-encoded once; do not re-encode or truncate them.',
  },
  {
    code: 'apple_attestation_malformed',
    kind: 'invalid',
    meaning:
      'The attestation object is valid CBOR but not shaped like one: fmt, attStmt, authData or x5c missing or of the wrong type.',
    fix: 'Send the attestation object from attestKey, not the key id, an assertion or a re-encoded copy.',
  },
  {
    code: 'apple_receipt_missing',
    kind: 'invalid',
    meaning: 'attStmt.receipt is missing or empty; Apple includes a receipt in every attestation.',
    fix: 'Send the complete attestation object.',
  },
  {
    code: 'apple_format_unsupported',
    kind: 'invalid',
    meaning: 'fmt is not "apple-appattest".',
    fix: 'Only App Attest attestations (DCAppAttestService) are accepted as apple-app-attest evidence.',
  },
  {
    code: 'apple_auth_data_malformed',
    kind: 'invalid',
    meaning:
      'The authenticator data is too short, lacks the attested credential, or has a malformed credential key or extensions map.',
    fix: 'Send the attestation or assertion bytes unchanged.',
  },
  {
    code: 'apple_x5c_invalid',
    kind: 'invalid',
    meaning: 'attStmt.x5c is not exactly [credential certificate, intermediate] as Apple sends it.',
    fix: 'Send the attestation object unchanged; certificates must not be added, removed or reordered.',
  },
  {
    code: 'apple_certificate_malformed',
    kind: 'invalid',
    meaning: 'A certificate in x5c is not one exact DER X.509 certificate.',
    fix: 'Send the attestation object unchanged.',
  },
  {
    code: 'apple_chain_untrusted',
    kind: 'invalid',
    meaning:
      'The certificates do not chain (issuer names, signatures, CA constraints, critical extensions) to a configured App Attest root.',
    fix: 'Only attestations made by Apple verify in production; in development, pass the test-kit root as a test root.',
  },
  {
    code: 'apple_certificate_expired',
    kind: 'invalid',
    meaning: 'A certificate of the chain had expired at the verification time.',
    fix: 'Attest a fresh key (credential certificates live a short time); check the server clock.',
  },
  {
    code: 'apple_certificate_not_yet_valid',
    kind: 'invalid',
    meaning: 'A certificate of the chain was not yet valid at the verification time.',
    fix: 'Check the server clock (NTP); the verification time is taken from it.',
  },
  {
    code: 'apple_nonce_missing',
    kind: 'invalid',
    meaning: 'The credential certificate has no nonce extension (1.2.840.113635.100.8.2).',
    fix: 'Only App Attest credential certificates are accepted.',
  },
  {
    code: 'apple_nonce_malformed',
    kind: 'invalid',
    meaning: 'The nonce extension is duplicated or not a SEQUENCE holding one 32-byte [1] OCTET STRING.',
    fix: 'Only App Attest credential certificates are accepted.',
  },
  {
    code: 'apple_nonce_mismatch',
    kind: 'invalid',
    meaning:
      'The certified nonce differs from SHA-256(authData ‖ clientDataHash): another challenge, or altered authenticator data.',
    fix: 'Attest with clientDataHash = SHA-256(UTF-8 bytes of the challenge just issued), and send that challenge.',
  },
  {
    code: 'apple_public_key_unsupported',
    kind: 'invalid',
    meaning: 'The credential certificate key is not an EC P-256 key.',
    fix: 'Only App Attest keys (P-256 in the Secure Enclave) are accepted.',
  },
  {
    code: 'apple_key_id_malformed',
    kind: 'invalid',
    meaning: 'keyId is not padded standard base64 of 32 bytes.',
    fix: 'Send the key identifier exactly as generateKey returned it.',
  },
  {
    code: 'apple_key_id_mismatch',
    kind: 'invalid',
    meaning: 'keyId is not SHA-256 of the certified public key: the key id of another key was sent.',
    fix: 'Send the key id of the key that was attested.',
  },
  {
    code: 'apple_rp_id_mismatch',
    kind: 'policy',
    meaning:
      "The authenticator data's RP ID hash is not SHA-256 of any configured App ID (TEAMID.bundle.id).",
    fix: 'Configure the team id and bundle id the app is signed with; another app cannot use this app id.',
  },
  {
    code: 'apple_counter_not_zero',
    kind: 'invalid',
    meaning: 'The attestation counter is not 0: the key has already been used.',
    fix: 'Attest a newly generated key.',
  },
  {
    code: 'apple_aaguid_unknown',
    kind: 'invalid',
    meaning: 'The aaguid is neither "appattestdevelop" nor "appattest" followed by seven 0x00 bytes.',
    fix: 'Only App Attest attestations are accepted.',
  },
  {
    code: 'apple_environment_not_allowed',
    kind: 'policy',
    meaning:
      "The attestation's App Attest environment (development or production) is not allowed by the app's policy.",
    fix: 'Set the com.apple.developer.devicecheck.appattest-environment entitlement to match, or allow the environment in the config.',
  },
  {
    code: 'apple_credential_id_mismatch',
    kind: 'invalid',
    meaning: 'The credential id in the authenticator data is not the key id.',
    fix: 'Send the attestation object unchanged.',
  },
  {
    code: 'apple_credential_key_mismatch',
    kind: 'invalid',
    meaning:
      'The COSE credential public key in the authenticator data is not the EC P-256 key of the credential certificate.',
    fix: 'Send the attestation object unchanged.',
  },
  {
    code: 'apple_assertion_too_large',
    kind: 'invalid',
    meaning: 'The assertion is larger than any real App Attest assertion (4 KiB).',
    fix: 'Send the assertion from generateAssertion unchanged.',
  },
  {
    code: 'apple_assertion_malformed',
    kind: 'invalid',
    meaning: 'The assertion is valid CBOR but not a map with byte strings signature and authenticatorData.',
    fix: 'Send the assertion object from generateAssertion, base64-encoded once.',
  },
  {
    code: 'apple_stored_key_invalid',
    kind: 'invalid',
    meaning:
      'The stored device public key is not an EC P-256 JWK (store corruption or a record of another kind).',
    fix: 'Re-attest the device; check the device store.',
  },
  {
    code: 'apple_signature_invalid',
    kind: 'invalid',
    meaning:
      'The assertion signature is not a canonical DER ECDSA P-256 signature over SHA-256(authenticatorData ‖ clientDataHash) by the stored key.',
    fix: 'Sign with the attested key over clientDataHash = SHA-256 of the exact message (challenge or proof message).',
  },
  {
    code: 'apple_counter_not_increasing',
    kind: 'invalid',
    meaning: 'The assertion counter is not greater than the stored counter: a replayed or cloned assertion.',
    fix: 'Generate a fresh assertion for every request; never reuse one.',
  },
] as const satisfies readonly AppleFailureCodeInfo[];

/** A sub-code emitted by the App Attest verifiers. */
export type AppleFailureCode = (typeof APPLE_FAILURE_CODES)[number]['code'];

const BY_CODE: ReadonlyMap<string, AppleFailureCodeInfo> = new Map(
  APPLE_FAILURE_CODES.map((c) => [c.code, c]),
);

/** The failure record for `code`, with its kind taken from the table. */
export function appleFailure(
  code: AppleFailureCode,
  message: string,
  compared?: ComparedValues,
): VerificationFailure {
  const info = BY_CODE.get(code);
  // The type system already restricts `code`; this keeps the table the single source of kinds.
  return fail(code, info?.kind ?? 'invalid', message, compared);
}
