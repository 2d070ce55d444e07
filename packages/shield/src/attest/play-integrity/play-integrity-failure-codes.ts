import type { VerificationFailure } from '../contract.js';

/**
 * Audit-only sub-codes of the Play Integrity verifier, each with the failure kind it always
 * carries, a one-line meaning and a fix. Clients only ever see `evidence_invalid` (kinds
 * `invalid` and `policy`) or `attestation_unavailable` (kind `unavailable`, HTTP 503).
 * docs/providers/play-integrity.md lists the same codes; a test keeps the two in step.
 *
 * @example
 * const entry = PLAY_INTEGRITY_FAILURE_CODES.find((c) => c.code === 'play_timestamp_stale');
 */
export const PLAY_INTEGRITY_FAILURE_CODES = [
  {
    code: 'play_token_malformed',
    kind: 'invalid',
    meaning:
      'The token is not a compact JWE (5 segments) wrapping a compact JWS (3 segments) in canonical base64url, or is too large.',
    fix: 'Send the integrity token string exactly as the Play Integrity API returned it, unmodified.',
  },
  {
    code: 'play_alg_not_allowed',
    kind: 'invalid',
    meaning: 'The JWE is not A256KW/A256GCM or the inner JWS is not ES256.',
    fix: 'Only genuine Play Integrity tokens use these algorithms; a different token type was sent.',
  },
  {
    code: 'play_decrypt_failed',
    kind: 'invalid',
    meaning:
      'The token does not decrypt with the configured decryption key (wrong key, tampered or truncated).',
    fix: "Check that the app's decryption key is the one from Play Console for this package; otherwise the token was altered.",
  },
  {
    code: 'play_signature_invalid',
    kind: 'invalid',
    meaning: 'The inner JWS signature does not verify with the configured verification key.',
    fix: "Check that the app's verification key is the one from Play Console for this package; otherwise the token was forged.",
  },
  {
    code: 'play_keys_invalid',
    kind: 'unavailable',
    meaning:
      'The configured keys are unusable: the decryption key is not 32 bytes or the verification key is not an EC P-256 public key.',
    fix: 'Paste the base64 decryption key and the base64 SPKI verification key from Play Console > App integrity.',
  },
  {
    code: 'play_payload_malformed',
    kind: 'invalid',
    meaning:
      'The verdict payload is not a JSON object in the documented shape (a required section or field is missing or has the wrong type).',
    fix: 'Nothing to configure: the token was not issued by the Play Integrity API, or Google changed the format (report it).',
  },
  {
    code: 'play_decode_unavailable',
    kind: 'unavailable',
    meaning:
      "Google's decodeIntegrityToken or OAuth endpoint timed out, failed, or answered something that is not the documented JSON.",
    fix: 'Transient: clients retry after Retry-After. If it persists, check outbound HTTPS to googleapis.com and the timeout.',
  },
  {
    code: 'play_credentials_rejected',
    kind: 'unavailable',
    meaning:
      'Google refused the service account: the OAuth token request failed or decodeIntegrityToken answered 401/403.',
    fix: 'Use a key of the Cloud project linked to the app in Play Console, with the Play Integrity API on; check the host clock.',
  },
  {
    code: 'play_token_rejected',
    kind: 'invalid',
    meaning: 'Google answered 400 INVALID_ARGUMENT: it cannot decode this token for this package.',
    fix: "The token is forged, truncated, expired at Google, or was requested by another app; check the app's packageName in the config.",
  },
  {
    code: 'play_request_package_mismatch',
    kind: 'invalid',
    meaning: 'requestDetails.requestPackageName is not the package name configured for the app.',
    fix: "Set the app's android packageName to the application id the token was requested from.",
  },
  {
    code: 'play_request_mismatch',
    kind: 'invalid',
    meaning:
      'The verdict is not bound to this challenge: nonce (classic) differs from the challenge, requestHash (standard) from b64url(SHA-256(challenge)), or neither is present.',
    fix: 'In the app, pass the challenge itself as nonce (classic) or b64url(SHA-256(challenge)) as requestHash (standard).',
  },
  {
    code: 'play_timestamp_stale',
    kind: 'invalid',
    meaning: 'requestDetails.timestampMillis is older than the policy maxAgeSeconds.',
    fix: 'Request the token right before calling /v1/attest; raise maxAgeSeconds only if clients are slow.',
  },
  {
    code: 'play_timestamp_future',
    kind: 'invalid',
    meaning: 'requestDetails.timestampMillis lies further in the future than maxFutureSkewSeconds.',
    fix: "Check the shield host's clock (NTP); raise maxFutureSkewSeconds only if the clock cannot be fixed.",
  },
  {
    code: 'play_app_unrecognized',
    kind: 'policy',
    meaning:
      'appIntegrity.appRecognitionVerdict is not PLAY_RECOGNIZED (a repackaged, sideloaded or unevaluated app).',
    fix: "Install the app from Google Play; for off-Play builds set appRecognition: 'any' (the package and certificate are still checked).",
  },
  {
    code: 'play_package_mismatch',
    kind: 'policy',
    meaning: 'appIntegrity.packageName is missing or is not the configured package name.',
    fix: "Set the app's packageName to the application id published on Play.",
  },
  {
    code: 'play_certificate_mismatch',
    kind: 'policy',
    meaning:
      'appIntegrity.certificateSha256Digest is missing or holds a digest that is not in the allow-list.',
    fix: 'Add the SHA-256 of the app signing certificate (Play Console > App signing; hex or base64url) to certificateSha256.',
  },
  {
    code: 'play_device_integrity_insufficient',
    kind: 'policy',
    meaning: 'deviceIntegrity.deviceRecognitionVerdict is empty or below the policy minDeviceRecognition.',
    fix: 'The device is rooted, modified or an emulator; lower minDeviceRecognition only if the app accepts that risk.',
  },
  {
    code: 'play_sdk_version_low',
    kind: 'policy',
    meaning: 'deviceIntegrity.deviceAttributes.sdkVersion is missing or below the policy minSdkVersion.',
    fix: 'Turn on device attributes in Play Console, or lower minSdkVersion; the user must update Android otherwise.',
  },
  {
    code: 'play_unlicensed',
    kind: 'policy',
    meaning: 'requireLicensed is set and accountDetails.appLicensingVerdict is not LICENSED.',
    fix: 'The user must install or buy the app from Google Play with this account; or set requireLicensed: false.',
  },
  {
    code: 'play_app_access_risk',
    kind: 'policy',
    meaning:
      'environmentDetails.appAccessRiskVerdict reports an app kind listed in refuseAppAccessRisk, or carries no verdict.',
    fix: 'The user must close the capturing or controlling app; turn on app access risk in Play Console if the verdict is missing.',
  },
  {
    code: 'play_protect_off',
    kind: 'policy',
    meaning:
      'requirePlayProtect is set and environmentDetails.playProtectVerdict says Play Protect is off or was not evaluated.',
    fix: 'The user must turn on Google Play Protect; turn on the Play Protect verdict in Play Console if it is missing.',
  },
  {
    code: 'play_protect_risk',
    kind: 'policy',
    meaning:
      'requirePlayProtect is set and Play Protect found potentially harmful or dangerous apps on the device.',
    fix: 'The user must remove the apps Play Protect flags.',
  },
] as const satisfies readonly {
  code: string;
  kind: VerificationFailure['kind'];
  meaning: string;
  fix: string;
}[];

/** A stable Play Integrity sub-code. */
export type PlayIntegrityFailureCode = (typeof PLAY_INTEGRITY_FAILURE_CODES)[number]['code'];
