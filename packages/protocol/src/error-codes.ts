/**
 * The stable error codes a client can receive in a problem+json body (`code`), with the HTTP
 * status each one always carries. A code is never reused for another meaning; docs/errors.md
 * lists them all and a test keeps the two in step.
 */
export const ERROR_CODES = {
  token_missing: { status: 401, title: 'App token missing' },
  token_invalid: { status: 401, title: 'App token invalid' },
  token_expired: { status: 401, title: 'App token expired' },
  binding_mismatch: { status: 401, title: 'App token bound to another Authorization' },
  proof_missing: { status: 401, title: 'Request proof missing' },
  proof_invalid: { status: 401, title: 'Request proof invalid' },
  proof_replayed: { status: 401, title: 'Request proof already used' },
  proof_stale: { status: 401, title: 'Request proof outside the time window' },
  challenge_invalid: { status: 400, title: 'Challenge unknown, expired or already used' },
  evidence_invalid: { status: 401, title: 'Attestation evidence refused' },
  level_insufficient: { status: 403, title: 'Assurance level too low for this route' },
  app_unknown: { status: 403, title: 'Unknown app' },
  app_forbidden: { status: 403, title: 'App not allowed on this route' },
  device_revoked: { status: 403, title: 'Device revoked' },
  device_unknown: { status: 401, title: 'Device key not registered' },
  device_exists: { status: 409, title: 'Device key already registered' },
  rate_limited: { status: 429, title: 'Too many requests' },
  budget_exhausted: { status: 429, title: 'Budget exhausted' },
  bad_request: { status: 400, title: 'Malformed request' },
  duplicate_header: { status: 400, title: 'Header sent more than once' },
  path_rejected: { status: 400, title: 'Path not in canonical form' },
  route_not_found: { status: 404, title: 'No such route' },
  method_not_allowed: { status: 405, title: 'Method not allowed on this route' },
  payload_too_large: { status: 413, title: 'Request body too large' },
  unsupported_media_type: { status: 415, title: 'Unsupported request body encoding' },
  uri_too_long: { status: 414, title: 'Request target too long' },
  headers_too_large: { status: 431, title: 'Request headers too large' },
  request_timeout: { status: 408, title: 'Request not received in time' },
  upstream_unavailable: { status: 502, title: 'Upstream unavailable' },
  upstream_timeout: { status: 504, title: 'Upstream timed out' },
  store_unavailable: { status: 503, title: 'State store unavailable' },
  attestation_unavailable: { status: 503, title: 'Attestation service unavailable' },
  internal_error: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

/** A code that can appear in a problem+json body. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** True when `value` is one of the stable error codes. */
export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.hasOwn(ERROR_CODES, value);
}

/** The RFC 9457 problem document every error response carries. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail?: string;
  requestId?: string;
  retryAfter?: number;
}

/** The `type` URI of a problem: stable, documented in docs/errors.md. */
export function problemType(code: ErrorCode): string {
  return `https://portcullis.dev/errors#${code}`;
}
