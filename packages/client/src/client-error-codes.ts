/** One error code the SDK raises itself (never sent by the shield), with its meaning and fix. */
export interface ClientErrorCodeInfo {
  code: string;
  meaning: string;
  fix: string;
}

/**
 * The codes a `PortcullisError` carries when the failure happened on the device rather than at
 * the shield. They sit beside the shield's own codes (`ERROR_CODES` of @portcullis/protocol) and
 * never reuse one of them. Stable: a code is never renamed or given another meaning; docs/client.md
 * lists the same table and a test keeps the two in step.
 *
 * @example
 * ```ts
 * const info = CLIENT_ERROR_CODES.find((c) => c.code === 'network_error');
 * ```
 */
export const CLIENT_ERROR_CODES = [
  {
    code: 'network_error',
    meaning:
      'The shield could not be reached: offline, DNS failure, connection refused or reset, TLS failure.',
    fix: 'Check connectivity and baseUrl; the next call tries again (a held token is still used while valid).',
  },
  {
    code: 'timeout',
    meaning: 'A shield endpoint (/v1/challenge, /v1/attest, /v1/assert) did not answer within timeoutMs.',
    fix: 'Retry later; raise timeoutMs for very slow networks.',
  },
  {
    code: 'aborted',
    meaning: "The caller's AbortSignal aborted the request.",
    fix: 'Nothing to fix: the request was cancelled on purpose.',
  },
  {
    code: 'response_invalid',
    meaning:
      'A shield endpoint answered outside the protocol (not JSON, wrong shape, unknown error code): often a captive portal, a proxy or a wrong baseUrl.',
    fix: 'Check that baseUrl points at the shield itself; the requestId (when present) finds the call in its log.',
  },
  {
    code: 'request_invalid',
    meaning:
      'The request cannot be sent as given: a URL outside baseUrl (the app token would leak to another host), a backslash, control character or dot segment in the path, or a method that is not an HTTP token.',
    fix: 'Pass a path relative to baseUrl ("/payments/session?cart=42"), or an absolute URL that starts with baseUrl.',
  },
  {
    code: 'body_unsupported',
    meaning:
      'The request must be signed or may need a retry, but its body cannot be read twice (a ReadableStream or FormData).',
    fix: 'Send a string, ArrayBuffer, typed array, Blob or URLSearchParams body on routes that need proofs.',
  },
  {
    code: 'proof_unsupported',
    meaning:
      'The shield requires a proof on this route, but the provider has no device key that can sign (debug provider, Play Integrity only, or an Android bridge without signing).',
    fix: 'Use a provider whose device key signs (App Attest, or Android key attestation with a signing bridge) for this route.',
  },
  {
    code: 'attestation_unsupported',
    meaning:
      'This device or build cannot attest: App Attest unsupported (simulator, old iOS), no hardware keystore, no Google Play services, or the bridge is not linked.',
    fix: 'Use the debug provider on simulators, emulators and CI; on real devices decide what the app does without attestation.',
  },
  {
    code: 'attestation_throttled',
    meaning:
      "Apple's or Google's attestation service throttled or could not be reached from the device; the SDK backed off and retried.",
    fix: 'Wait retryAfter seconds. Refreshes use the cheap assertion path, so this should be rare: check that key storage persists between launches.',
  },
  {
    code: 'key_invalid',
    meaning:
      'The device key is gone or unusable (app reinstalled, restored from a backup, keystore reset); the SDK attests a new key once.',
    fix: 'Nothing if the next call succeeds; if it repeats, check that the storage object persists between launches.',
  },
  {
    code: 'bridge_error',
    meaning:
      "The native bridge failed in a way the SDK does not recognise; `detail` carries the bridge's own code.",
    fix: "Look the code up in the bridge's documentation, and update the bridge.",
  },
  {
    code: 'storage_error',
    meaning: 'The storage object failed to read, write or delete the device key record.',
    fix: 'Check the storage adapter (keychain / keystore availability); reset() clears the record.',
  },
] as const satisfies readonly ClientErrorCodeInfo[];

/** A code the SDK raises itself. */
export type ClientErrorCode = (typeof CLIENT_ERROR_CODES)[number]['code'];
