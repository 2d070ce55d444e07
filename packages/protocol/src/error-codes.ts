/**
 * The stable error codes a client can receive in a problem+json body (`code`), with the HTTP
 * status each one always carries. A code is never reused for another meaning; docs/errors.md
 * lists them all and a test keeps the two in step.
 */
export const ERROR_CODES = {
  token_missing: {
    status: 401,
    title: 'App token missing',
    fix: 'Attest (or assert) to get an app token and send it in the Portcullis-Token header.',
  },
  token_invalid: {
    status: 401,
    title: 'App token invalid',
    fix: 'Get a fresh token from /v1/attest or /v1/assert; never build or edit tokens by hand.',
  },
  token_expired: {
    status: 401,
    title: 'App token expired',
    fix: 'Refresh the token with /v1/assert (or attest again) and retry once.',
  },
  binding_mismatch: {
    status: 401,
    title: 'App token bound to another Authorization',
    fix: 'Send the Authorization header the token was bound to, or refresh the token for this user.',
  },
  proof_missing: {
    status: 401,
    title: 'Request proof missing',
    fix: 'This route needs a Portcullis-Proof header signed by the device key.',
  },
  proof_invalid: {
    status: 401,
    title: 'Request proof invalid',
    fix: 'Sign the exact method, path, query, body and token of this request with the device key.',
  },
  proof_replayed: {
    status: 401,
    title: 'Request proof already used',
    fix: 'Sign every request anew; a proof is good for one request.',
  },
  proof_stale: {
    status: 401,
    title: 'Request proof outside the time window',
    fix: 'Sign the request just before sending it, and check the device clock.',
  },
  challenge_invalid: {
    status: 400,
    title: 'Challenge unknown, expired or already used',
    fix: 'Request a fresh challenge from /v1/challenge for this app and use it once, within its lifetime.',
  },
  evidence_invalid: {
    status: 401,
    title: 'Attestation evidence refused',
    fix: 'Attest again with a new key; the operator finds the failing check in the audit log.',
  },
  level_insufficient: {
    status: 403,
    title: 'Assurance level too low for this route',
    fix: 'This route needs a stronger attestation (for example hardware-backed, not debug).',
  },
  app_unknown: { status: 403, title: 'Unknown app', fix: 'Use an appId configured in the shield.' },
  app_forbidden: {
    status: 403,
    title: 'App not allowed on this route',
    fix: "The route does not admit this app's tokens; check the route's require.apps.",
  },
  audience_forbidden: {
    status: 403,
    title: "Token not valid for this route's audience",
    fix: "The token's aud does not include an audience the route accepts (require.audiences); a debug credential's scope narrows its tokens to the audiences it names.",
  },
  device_key_required: {
    status: 403,
    title: 'Route needs a device-bound token',
    fix: 'This route counts requests per device: attest with App Attest or Android key attestation; a debug or Play Integrity token carries no device key.',
  },
  device_revoked: {
    status: 403,
    title: 'Device revoked',
    fix: 'The device key was revoked by the operator; contact support.',
  },
  rate_limited: { status: 429, title: 'Too many requests', fix: 'Wait Retry-After seconds before retrying.' },
  budget_exhausted: {
    status: 429,
    title: 'Budget exhausted',
    fix: 'The budget for this flow is used up; wait Retry-After seconds.',
  },
  forbidden: {
    status: 403,
    title: 'Not allowed',
    fix: 'The configuration does not allow this action here, or the request did not come from the page that may send it.',
  },
  bad_request: { status: 400, title: 'Malformed request', fix: 'Fix the request as the detail says.' },
  duplicate_header: {
    status: 400,
    title: 'Header sent more than once',
    fix: 'Send the header once, and the token only in the Portcullis-Token header.',
  },
  path_rejected: {
    status: 400,
    title: 'Path not in canonical form',
    fix: 'Send the path in canonical form: no dot segments, encoded slashes, backslashes, semicolons or double slashes.',
  },
  route_not_found: {
    status: 404,
    title: 'No such route',
    fix: 'No route is configured for this path; every other path is denied by default.',
  },
  method_not_allowed: {
    status: 405,
    title: 'Method not allowed on this route',
    fix: 'Use one of the methods in the Allow header.',
  },
  upgrade_not_allowed: {
    status: 400,
    title: 'Protocol upgrade not allowed',
    fix: 'Send a plain HTTP/1.1 request without Upgrade, HTTP2-Settings or Connection: upgrade; the shield tunnels no WebSocket or h2c connection.',
  },
  payload_too_large: {
    status: 413,
    title: 'Request body too large',
    fix: 'Send a smaller body; the limit is set per route.',
  },
  unsupported_media_type: {
    status: 415,
    title: 'Unsupported request body encoding',
    fix: 'Send the body uncompressed, with the content type the endpoint expects.',
  },
  uri_too_long: { status: 414, title: 'Request target too long', fix: 'Shorten the path and query.' },
  headers_too_large: {
    status: 431,
    title: 'Request headers too large',
    fix: 'Send fewer or smaller headers.',
  },
  request_timeout: {
    status: 408,
    title: 'Request not received in time',
    fix: 'Send the whole request promptly.',
  },
  upstream_unavailable: {
    status: 502,
    title: 'Upstream unavailable',
    fix: 'The backend could not be reached or answered malformed; retry later.',
  },
  upstream_timeout: {
    status: 504,
    title: 'Upstream timed out',
    fix: 'The backend did not answer in time; retry later.',
  },
  store_unavailable: {
    status: 503,
    title: 'State store unavailable',
    fix: "The shield's state store is unreachable; retry after Retry-After.",
  },
  attestation_unavailable: {
    status: 503,
    title: 'Attestation service unavailable',
    fix: "Apple's or Google's attestation service is unreachable; retry after Retry-After.",
  },
  internal_error: {
    status: 500,
    title: 'Internal error',
    fix: 'An unexpected error; the operator finds it in the log by request id.',
  },
} as const satisfies Record<string, { status: number; title: string; fix: string }>;

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
