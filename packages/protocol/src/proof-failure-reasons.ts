import type { ErrorCode } from './error-codes.js';
import type { ProofHeaderRefusal } from './proof.js';

/**
 * Why a per-request proof or a token binding was refused (or let through degraded): the
 * audit-only sub-code (`ShieldError.reason`), the client-facing code it is answered with (`null`:
 * the request was let through and the event is reported as degraded), a one-line meaning and a
 * fix. Stable: a code is never reused for another meaning. docs/proofs.md lists the same table and
 * a test keeps the two in step.
 *
 * @example
 * ```ts
 * const row = PROOF_FAILURE_REASONS.find((r) => r.code === error.reason);
 * ```
 */
export const PROOF_FAILURE_REASONS = [
  // The header.
  {
    code: 'proof_missing',
    clientCode: 'proof_missing',
    meaning: 'The route requires a proof and the request carries no Portcullis-Proof header.',
    fix: 'Sign the request with the device key and send Portcullis-Proof (the SDK does it for proof routes).',
  },
  {
    code: 'proof_header_too_long',
    clientCode: 'proof_invalid',
    meaning: 'The Portcullis-Proof value is longer than 5482 characters; refused before decoding.',
    fix: 'Send the signature as it came from the device: an assertion or DER signature fits easily.',
  },
  {
    code: 'proof_header_malformed',
    clientCode: 'proof_invalid',
    meaning: 'The Portcullis-Proof value is not three dot-separated parts starting with a version tag.',
    fix: 'Write the header with formatProofHeader: v1, ts and sig joined by dots, no spaces or quotes.',
  },
  {
    code: 'proof_version_unsupported',
    clientCode: 'proof_invalid',
    meaning: 'The Portcullis-Proof version tag is not v1.',
    fix: 'Use a client SDK that speaks proof version v1.',
  },
  {
    code: 'proof_timestamp_malformed',
    clientCode: 'proof_invalid',
    meaning: 'ts is not a decimal safe integer without sign, spaces or leading zeros.',
    fix: 'Send the Unix time in milliseconds as plain digits, the same string the message signs.',
  },
  {
    code: 'proof_signature_not_base64url',
    clientCode: 'proof_invalid',
    meaning:
      'sig is empty, over 4096 bytes, or not canonical unpadded base64url (padding, + or /, stray bits).',
    fix: 'Encode the signature bytes with unpadded base64url (RFC 4648 §5) and nothing else.',
  },
  // Freshness.
  {
    code: 'proof_too_old',
    clientCode: 'proof_stale',
    meaning: 'ts is further in the past than the route allows (default 60 s before arrival).',
    fix: 'Sign just before sending, never ahead of time; check the device clock if it keeps happening.',
  },
  {
    code: 'proof_from_future',
    clientCode: 'proof_stale',
    meaning: 'ts is further in the future than the route allows (default 60 s after arrival).',
    fix: 'The device clock is ahead: sync it, or let the SDK correct for the offset it sees in Date headers.',
  },
  // The token and the device.
  {
    code: 'proof_no_device_key',
    clientCode: 'proof_invalid',
    meaning:
      'The token has no cnf (no device key, e.g. a debug token), so no proof can be checked against it.',
    fix: 'Attest with App Attest or Android key attestation to get a token bound to a device key.',
  },
  {
    code: 'proof_device_unknown',
    clientCode: 'proof_invalid',
    meaning: 'The key the token names (cnf.kid) is not registered.',
    fix: 'Attest again with a new key; if it persists, check that every instance uses the same device store.',
  },
  {
    code: 'proof_device_other_app',
    clientCode: 'proof_invalid',
    meaning: "The key the token names is registered for another app than the token's sub.",
    fix: 'Attest again for this app; a key belongs to the app that attested it.',
  },
  {
    code: 'proof_device_revoked',
    clientCode: 'device_revoked',
    meaning: 'The key the token names was revoked by the operator.',
    fix: 'The device must attest a new key, if the operator allows it; see the revocation reason.',
  },
  {
    code: 'proof_device_test_root',
    clientCode: 'proof_invalid',
    meaning: 'The key was registered from a test-kit root and this shield is not in development mode.',
    fix: 'Use a real device in production; test-kit devices are for development only.',
  },
  {
    code: 'proof_device_attestation_outdated',
    clientCode: 'token_invalid',
    meaning:
      "The key's attestation no longer stands under the app's current policy (older than registrationMaxAge, an evidence kind, App Attest environment or policy no longer accepted, or recorded before the shield kept it).",
    fix: 'None: the client refreshes, the refresh is refused with evidence_invalid, and the device attests again.',
  },
  {
    code: 'proof_device_key_mismatch',
    clientCode: 'proof_invalid',
    meaning: "The registered key or platform differs from the token's cnf.jwk or plt.",
    fix: 'Refresh the token with /v1/assert; if it persists, the device store and the tokens disagree: investigate.',
  },
  {
    code: 'proof_platform_unsupported',
    clientCode: 'proof_invalid',
    meaning: 'The device key belongs to a platform that cannot sign proofs (neither ios nor android).',
    fix: 'Use an App Attest or Android Keystore key for proof routes.',
  },
  {
    code: 'proof_app_not_configured',
    clientCode: 'proof_invalid',
    meaning:
      'An iOS proof arrived for an app with no App ID configured (apps.<id>.ios), so rpIdHash cannot be checked.',
    fix: 'Add the ios section (teamId, bundleIds) of the app to the config.',
  },
  // The signature.
  {
    code: 'proof_request_not_canonical',
    clientCode: 'proof_invalid',
    meaning:
      'The request cannot be put in a proof message: the method, target or token is not plain ASCII, or the Authorization value has outer whitespace, a tab or non-ASCII bytes.',
    fix: 'Send the request as signed: an ASCII origin-form target, and an Authorization value of printable ASCII.',
  },
  {
    code: 'proof_assertion_malformed',
    clientCode: 'proof_invalid',
    meaning:
      'The iOS proof is not an App Attest assertion: not CBOR {signature, authenticatorData}, or truncated.',
    fix: 'Send the bytes generateAssertion returned, base64url-encoded, unchanged.',
  },
  {
    code: 'proof_signature_malformed',
    clientCode: 'proof_invalid',
    meaning:
      'The Android proof is not one canonical DER ECDSA signature (raw r and s concatenated, BER lengths, trailing bytes).',
    fix: 'Send the bytes Signature("SHA256withECDSA").sign() returned, base64url-encoded, unchanged.',
  },
  {
    code: 'proof_device_key_invalid',
    clientCode: 'proof_invalid',
    meaning: 'The registered device key is not an EC P-256 public key, so nothing can verify with it.',
    fix: 'Revoke the key and let the device attest again; the device store holds a damaged record.',
  },
  {
    code: 'proof_app_id_mismatch',
    clientCode: 'proof_invalid',
    meaning: "The assertion's rpIdHash matches none of the app's App IDs (TEAMID.bundle.id).",
    fix: 'Check apps.<id>.ios.teamId and bundleIds against the app that signed.',
  },
  {
    code: 'proof_signature_invalid',
    clientCode: 'proof_invalid',
    meaning:
      'The signature does not verify over the message rebuilt from this request: another method, target, body, token, Authorization or ts, or another key.',
    fix: 'Sign the exact request that is sent (protocol §4.1), after the last change to its body or headers.',
  },
  // Replays.
  {
    code: 'proof_counter_not_increasing',
    clientCode: 'proof_replayed',
    meaning:
      "The App Attest counter is not above the stored one: a replayed assertion, or a concurrent request's won.",
    fix: 'Sign every request anew with generateAssertion; never reuse an assertion.',
  },
  {
    code: 'proof_replayed',
    clientCode: 'proof_replayed',
    meaning: 'The replay store has already seen this message from this key within the window.',
    fix: 'Sign every request anew; two identical requests in the same millisecond need distinct ts.',
  },
  // Store outages.
  {
    code: 'proof_device_store_unavailable',
    clientCode: 'store_unavailable',
    meaning: 'The device store could not be reached, so the key, its revocation and its counter are unknown.',
    fix: 'Restore the device store (see docs/stores.md); clients retry after Retry-After.',
  },
  {
    code: 'proof_replay_store_unavailable',
    clientCode: 'store_unavailable',
    meaning: 'The replay store could not be reached, so a replay could not be detected.',
    fix: 'Restore the replay store (see docs/stores.md); clients retry after Retry-After.',
  },
  {
    code: 'proof_degraded_device_unchecked',
    clientCode: null,
    meaning:
      "Degraded mode: the device store was down; the proof was verified with the token's cnf key, without revocation or counter checks.",
    fix: 'Restore the device store; meanwhile a revoked key stays usable until its tokens expire.',
  },
  {
    code: 'proof_degraded_replay_unchecked',
    clientCode: null,
    meaning:
      'Degraded mode: the replay store was down; signature and freshness were checked, replays were not.',
    fix: 'Restore the replay store; meanwhile a captured proof can be replayed within its skew window.',
  },
  // Token binding to the user's Authorization (ath).
  {
    code: 'binding_authorization_missing',
    clientCode: 'binding_mismatch',
    meaning:
      'The token is bound to an Authorization value (ath) and the request has no Authorization header.',
    fix: 'Send the Authorization header the token was bound to.',
  },
  {
    code: 'binding_authorization_mismatch',
    clientCode: 'binding_mismatch',
    meaning: "SHA-256 of the request's Authorization value is not the token's ath: another user or session.",
    fix: 'Refresh the token for the current user (bindAuthorization on /v1/assert) after a login or logout.',
  },
  {
    code: 'binding_authorization_not_canonical',
    clientCode: 'binding_mismatch',
    meaning:
      'The Authorization value has outer whitespace, a tab or non-ASCII bytes, so no token can be bound to it.',
    fix: 'Send Authorization as printable ASCII, exactly as it was when the token was bound.',
  },
  {
    code: 'binding_token_unbound',
    clientCode: 'binding_mismatch',
    meaning: 'The route requires tokens bound to the Authorization header and this token has no ath.',
    fix: "Refresh the token with bindAuthorization on /v1/assert, sending the user's Authorization.",
  },
] as const satisfies readonly { code: string; clientCode: ErrorCode | null; meaning: string; fix: string }[];

/** A sub-code of `PROOF_FAILURE_REASONS`. */
export type ProofFailureCode = (typeof PROOF_FAILURE_REASONS)[number]['code'];

/** The reason each `parseProofHeader` refusal is recorded under. */
export const PROOF_HEADER_REFUSAL_REASONS: Readonly<Record<ProofHeaderRefusal, ProofFailureCode>> =
  Object.freeze({
    too_long: 'proof_header_too_long',
    malformed: 'proof_header_malformed',
    version: 'proof_version_unsupported',
    timestamp: 'proof_timestamp_malformed',
    signature: 'proof_signature_not_base64url',
  });
