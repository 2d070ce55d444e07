import type { ErrorCode } from '@portcullis/protocol';

/**
 * Why the admin listener refused a request: the audit-only sub-code (`ShieldError.reason`), the
 * client-facing code it is answered with, a one-line meaning and a fix. Stable: a code is never
 * reused for another meaning. docs/admin.md lists the same table and a test keeps the two in
 * step. (Body-reading refusals keep the attestation endpoints' reasons: `content_type_not_json`,
 * `body_over_limit`, `json_malformed`, ...; store outages keep the store's reason.)
 *
 * @example
 * ```ts
 * const row = ADMIN_REASONS.find((r) => r.code === error.reason);
 * ```
 */
export const ADMIN_REASONS = [
  {
    code: 'admin_token_missing',
    clientCode: 'token_missing',
    meaning: 'The request carries no Authorization header (or an empty one).',
    fix: 'Send `Authorization: Bearer <admin token>`.',
  },
  {
    code: 'admin_auth_scheme_unsupported',
    clientCode: 'token_invalid',
    meaning: 'The Authorization header is not of the form `Bearer <token>`.',
    fix: 'Use the Bearer scheme with one space before the token; Basic and other schemes are refused.',
  },
  {
    code: 'admin_token_malformed',
    clientCode: 'token_invalid',
    meaning: 'The bearer token is longer than 1024 characters or holds characters outside token68.',
    fix: 'Use a token of letters, digits and - . _ ~ + / (trailing = allowed), e.g. `openssl rand -hex 32`.',
  },
  {
    code: 'admin_token_mismatch',
    clientCode: 'token_invalid',
    meaning: 'The SHA-256 of the bearer token is not the configured admin.tokenSha256.',
    fix: 'Send the token whose hash is configured: `printf %s "$TOKEN"` piped to `sha256sum` must print admin.tokenSha256.',
  },
  {
    code: 'admin_authorization_repeated',
    clientCode: 'duplicate_header',
    meaning: 'The request carries more than one Authorization header.',
    fix: 'Send the Authorization header once.',
  },
  {
    code: 'admin_auth_throttled',
    clientCode: 'rate_limited',
    meaning: 'Too many wrong admin tokens came from this address; it is refused until the window ends.',
    fix: 'Wait Retry-After seconds and check which token the client sends; look for a guessing process.',
  },
  {
    code: 'admin_route_unknown',
    clientCode: 'route_not_found',
    meaning: 'No admin endpoint has this path (paths are matched exactly, without normalisation).',
    fix: 'Use one of the endpoints in docs/admin.md, spelled exactly.',
  },
  {
    code: 'admin_method_not_allowed',
    clientCode: 'method_not_allowed',
    meaning: 'The admin endpoint exists but not with this method.',
    fix: 'Use a method from the Allow header.',
  },
  {
    code: 'admin_query_parameter_unknown',
    clientCode: 'bad_request',
    meaning: 'The query string names a parameter this endpoint does not take.',
    fix: 'Send only the parameters listed for the endpoint in docs/admin.md.',
  },
  {
    code: 'admin_query_parameter_repeated',
    clientCode: 'bad_request',
    meaning: 'A query parameter is given more than once.',
    fix: 'Give each parameter at most once.',
  },
  {
    code: 'admin_query_parameter_invalid',
    clientCode: 'bad_request',
    meaning: 'A query parameter is empty, badly percent-encoded or outside its allowed values.',
    fix: 'Fix the parameter named in the detail; its allowed values are in docs/admin.md.',
  },
  {
    code: 'admin_key_id_invalid',
    clientCode: 'bad_request',
    meaning:
      'The key id path segment is empty, a dot segment, badly percent-encoded, or holds characters no key id has.',
    fix: 'Percent-encode the key id once (`/` as %2F, `+` as %2B, `=` as %3D), e.g. with encodeURIComponent.',
  },
  {
    code: 'admin_device_unknown',
    clientCode: 'route_not_found',
    meaning: 'No device key with this key id is registered.',
    fix: 'Check the key id (GET /devices lists them); a key id is case-sensitive.',
  },
  {
    code: 'admin_revoke_body_invalid',
    clientCode: 'bad_request',
    meaning: 'The revoke body is not a JSON object with exactly one member, `reason`.',
    fix: 'Send `{"reason":"..."}` with Content-Type application/json.',
  },
  {
    code: 'admin_revoke_reason_invalid',
    clientCode: 'bad_request',
    meaning:
      'The revoke reason is not 1-200 printable characters (no control or format characters, not only spaces).',
    fix: 'Write a short reason such as "stolen phone, ticket 4711".',
  },
  {
    code: 'admin_session_missing',
    clientCode: 'token_missing',
    meaning:
      'The console request carries no live session cookie (never signed in, signed out, idle too long or past its maximum age).',
    fix: 'Sign in again on the console page.',
  },
  {
    code: 'admin_origin_mismatch',
    clientCode: 'forbidden',
    meaning:
      'A state-changing console request (or the sign-in) has no Origin header or one other than the admin listener itself.',
    fix: 'Use the console page served by the admin listener; other sites cannot act with its session.',
  },
  {
    code: 'admin_csrf_invalid',
    clientCode: 'forbidden',
    meaning:
      "A state-changing console request lacks the session's X-CSRF-Token header or sends another value.",
    fix: 'Reload the console page; it sends the token of its session.',
  },
  {
    code: 'admin_login_body_invalid',
    clientCode: 'bad_request',
    meaning: 'The sign-in body is not `{"token": "..."}` with a token of 1-1024 characters.',
    fix: 'Send the admin token as `{"token": "..."}` with Content-Type application/json.',
  },
  {
    code: 'admin_debug_credentials_disabled',
    clientCode: 'forbidden',
    meaning: 'Issuing debug credentials at run time is off (the default in production mode).',
    fix: 'Set `admin.debugCredentials: true` in the config if this deployment may issue them, then restart.',
  },
  {
    code: 'admin_debug_credential_invalid',
    clientCode: 'bad_request',
    meaning:
      'The debug credential request is not an app that accepts debug evidence, a printable name, a future expiry within 90 days and a non-empty list of the app audiences.',
    fix: 'Fix the member named in the detail.',
  },
  {
    code: 'admin_debug_credential_unknown',
    clientCode: 'route_not_found',
    meaning:
      'No debug credential issued from the console has this id (credentials of the config are changed in the config).',
    fix: 'Check the id (GET /debug-credentials lists them).',
  },
  {
    code: 'admin_key_rotate_invalid',
    clientCode: 'bad_request',
    meaning: 'The key rotation body is not an empty JSON object.',
    fix: 'Send `{}` with Content-Type application/json.',
  },
  {
    code: 'admin_key_rotation_unavailable',
    clientCode: 'forbidden',
    meaning: 'This admin listener was built without a key rotation hook.',
    fix: 'Rotate with `portcullis keys rotate`, or start the shield with `portcullis start`.',
  },
  {
    code: 'admin_console_not_built',
    clientCode: 'route_not_found',
    meaning: 'The console files are missing: the package was used from source without building them.',
    fix: 'Run `npm run build:console -w @portcullis/shield` (packages built for publishing include them).',
  },
  {
    code: 'admin_stat_name_invalid',
    clientCode: 'internal_error',
    meaning:
      'The stats() wired into the admin handler returned a name that is not lower_snake_case or clashes with a built-in metric.',
    fix: 'Name each stat in lower_snake_case (counters end in _total), without the process_ and event_loop_ prefixes and not signing_keys.',
  },
  {
    code: 'admin_unexpected_error',
    clientCode: 'internal_error',
    meaning: 'An admin request failed for a reason the handler did not expect.',
    fix: 'Find the request id in the log; report it if it repeats.',
  },
] as const satisfies ReadonlyArray<{ code: string; clientCode: ErrorCode; meaning: string; fix: string }>;

/** A sub-code of the admin listener. */
export type AdminReason = (typeof ADMIN_REASONS)[number]['code'];
