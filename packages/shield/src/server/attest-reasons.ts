/**
 * Audit reasons of the attestation endpoints themselves (the verifiers' sub-codes live with each
 * verifier). docs/errors.md lists them; a test keeps the two in step.
 */
export const ATTEST_REASONS = [
  {
    code: 'app_unknown',
    meaning: 'The appId is not configured.',
    fix: 'Add the app under `apps` or fix the client.',
  },
  {
    code: 'challenge_unknown_or_expired',
    meaning: 'The challenge was never issued, was already used, or expired.',
    fix: 'Request a fresh challenge for each attest or assert call.',
  },
  {
    code: 'challenge_other_app',
    meaning: 'The challenge was issued for another appId.',
    fix: 'Request the challenge with the same appId as the attest or assert call.',
  },
  {
    code: 'evidence_type_not_allowed',
    meaning: "The evidence kind is not in the app's `evidence` list.",
    fix: 'Add the kind to apps.<app>.evidence or send another kind.',
  },
  {
    code: 'evidence_type_not_supported',
    meaning: 'This shield has no verifier for the evidence kind (for example Play Integrity without keys).',
    fix: 'Configure the platform section of the app (ios, android, android.playIntegrity).',
  },
  {
    code: 'test_root_in_production',
    meaning: 'Evidence or a device chains to a test-kit root while the shield runs in production mode.',
    fix: 'Test-kit devices work only with `mode: development`.',
  },
  {
    code: 'client_signals_alone',
    meaning: 'Only self-reported client signals were sent; they never suffice alone.',
    fix: 'Send platform evidence (App Attest, key attestation, Play Integrity) or a debug credential.',
  },
  {
    code: 'debug_scope_empty',
    meaning: "The debug credential's scope shares no audience with the app.",
    fix: 'Fix apps.<app>.debugTokens[].scope.audiences.',
  },
  {
    code: 'several_device_keys',
    meaning: 'More than one piece of evidence attests a device key.',
    fix: 'Attest one device key per call.',
  },
  {
    code: 'key_already_registered',
    meaning: 'The device key was attested before; a key is attested once.',
    fix: 'Refresh with /v1/assert, or generate a new key and attest it.',
  },
  {
    code: 'device_unknown',
    meaning: 'No device key with this keyId is registered.',
    fix: 'Attest the key first (the client does so when the shield lost or never saw the key).',
  },
  {
    code: 'device_other_app',
    meaning: 'The device key was registered for another app.',
    fix: 'Use the appId the key was attested for.',
  },
  {
    code: 'device_platform_unsupported',
    meaning: 'The registered key belongs to a platform without assertions.',
    fix: 'Attest again to get a new token.',
  },
  {
    code: 'device_revoked',
    meaning: 'The device key was revoked.',
    fix: 'Investigate the device; revoked keys stay refused.',
  },
  {
    code: 'request_shape_invalid',
    meaning: 'The JSON body does not have the shape of protocol §2.',
    fix: 'Send exactly the members the protocol lists.',
  },
  {
    code: 'evidence_base64_invalid',
    meaning: 'An attestation, assertion or certificate is not canonical base64.',
    fix: 'Send standard padded base64 (protocol §2), with no whitespace.',
  },
  {
    code: 'play_token_replayed',
    meaning: 'This Play Integrity token was presented before.',
    fix: 'Request a new integrity token for every attestation.',
  },
  { code: 'json_malformed', meaning: 'The body is not valid JSON.', fix: 'Send one JSON value.' },
  {
    code: 'content_type_not_json',
    meaning: 'The Content-Type is not JSON.',
    fix: 'Send Content-Type: application/json.',
  },
  {
    code: 'request_content_encoding',
    meaning: 'The request body is compressed.',
    fix: 'Send the body uncompressed (the shield never inflates request bodies).',
  },
  {
    code: 'content_length_over_limit',
    meaning: 'The declared Content-Length exceeds the limit.',
    fix: 'Send a smaller body.',
  },
  { code: 'body_over_limit', meaning: 'The streamed body crossed the limit.', fix: 'Send a smaller body.' },
  {
    code: 'unexpected_error',
    meaning: 'An unexpected failure inside the shield; the log has it under the request id.',
    fix: 'Report it with the request id.',
  },
] as const satisfies ReadonlyArray<{ code: string; meaning: string; fix: string }>;
