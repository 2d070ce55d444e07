import type { ErrorCode } from '@portcullis/protocol';

/**
 * Audit-only sub-codes of the gateway (`AuditRecord.reason`), with the client-facing code each one
 * is answered with (null: no response was sent, the client had gone), a one-line meaning and a
 * fix. Stable: a sub-code is never reused for another meaning. docs/gateway.md lists them all.
 * Reasons thrown by `verifyToken` or by checks (`token_expired`, ...) are theirs, not listed here.
 */
export const GATEWAY_REASONS = [
  // Request target and header count, before anything else.
  {
    reason: 'target_too_long',
    code: 'uri_too_long',
    meaning: 'The request target is longer than limits.maxUrlBytes.',
    fix: 'Shorten the URL or raise limits.maxUrlBytes.',
  },
  {
    reason: 'too_many_headers',
    code: 'headers_too_large',
    meaning: 'More header fields than limits.maxHeaders.',
    fix: 'Send fewer headers or raise limits.maxHeaders.',
  },
  {
    reason: 'connect_method',
    code: 'method_not_allowed',
    meaning: 'CONNECT (authority-form target) is never proxied.',
    fix: 'Do not tunnel through the gateway.',
  },
  {
    reason: 'http_version_unsupported',
    code: 'bad_request',
    meaning:
      'The request line has no HTTP version (HTTP/0.9 style, GET /path) or one other than HTTP/1.0 and HTTP/1.1 (refused by createHttpServer).',
    fix: 'Send HTTP/1.1 requests (the request line ends with HTTP/1.1).',
  },
  {
    reason: 'host_missing',
    code: 'bad_request',
    meaning: 'The request has no Host header, in HTTP/1.1 or in HTTP/1.0 (refused by createHttpServer).',
    fix: 'Send a Host header; every HTTP client library does.',
  },
  {
    reason: 'upgrade_refused',
    code: 'upgrade_not_allowed',
    meaning:
      'A protocol upgrade attempt (an Upgrade or HTTP2-Settings header, or upgrade named in Connection: WebSocket, h2c); no route can opt in yet.',
    fix: 'Send plain HTTP/1.1 requests; WebSocket and h2c are not tunnelled.',
  },
  {
    reason: 'absolute_form',
    code: 'path_rejected',
    meaning: 'Absolute-form target (http://host/...) sent to the gateway.',
    fix: 'Send origin-form targets (/path?query); the gateway is not a forward proxy.',
  },
  {
    reason: 'asterisk_form',
    code: 'path_rejected',
    meaning: 'Target * with a method other than OPTIONS.',
    fix: 'Use * only with OPTIONS.',
  },
  {
    reason: 'not_origin_form',
    code: 'path_rejected',
    meaning: 'The target does not start with /.',
    fix: 'Send an origin-form target.',
  },
  // Path canonicalisation (canonicalizePath).
  {
    reason: 'fragment',
    code: 'path_rejected',
    meaning: 'The target contains #.',
    fix: 'Clients never send fragments; strip them.',
  },
  {
    reason: 'invalid_char',
    code: 'path_rejected',
    meaning: 'A character outside RFC 3986 pchar is sent raw in the path.',
    fix: 'Percent-encode it.',
  },
  {
    reason: 'backslash',
    code: 'path_rejected',
    meaning: 'The path contains \\ or %5C.',
    fix: 'Use / as the only separator; never send backslashes.',
  },
  {
    reason: 'semicolon',
    code: 'path_rejected',
    meaning: 'The path contains ; or %3B (path parameters are ambiguous across servers).',
    fix: 'Move parameters to the query string.',
  },
  {
    reason: 'encoded_slash',
    code: 'path_rejected',
    meaning: 'The path contains %2F.',
    fix: 'Do not encode slashes inside segments.',
  },
  {
    reason: 'dot_segment',
    code: 'path_rejected',
    meaning: 'A segment made only of dots (., .., %2e%2e, ...).',
    fix: 'Send the resolved path.',
  },
  {
    reason: 'empty_segment',
    code: 'path_rejected',
    meaning: 'Duplicate slashes (//).',
    fix: 'Send single slashes.',
  },
  {
    reason: 'trailing_slash',
    code: 'path_rejected',
    meaning: 'The path ends with / (other than the root /).',
    fix: 'Drop the trailing slash; routes are declared without it.',
  },
  {
    reason: 'control_char',
    code: 'path_rejected',
    meaning: 'A percent-encoded control character (%00-%1F, %7F).',
    fix: 'Never put control characters in paths.',
  },
  {
    reason: 'double_encoding',
    code: 'path_rejected',
    meaning: 'The path contains %25 (an encoded %).',
    fix: 'Encode once.',
  },
  {
    reason: 'invalid_percent_encoding',
    code: 'path_rejected',
    meaning: 'A % not followed by two hex digits.',
    fix: 'Encode bytes as %XX with two hex digits; a literal % cannot be sent in a path.',
  },
  {
    reason: 'invalid_utf8',
    code: 'path_rejected',
    meaning: 'Percent-encoded bytes that are not UTF-8 (overlong forms, surrogates, truncation).',
    fix: 'Encode paths as UTF-8.',
  },
  {
    reason: 'confusable_char',
    code: 'path_rejected',
    meaning:
      'A non-ASCII character whose compatibility form is a path delimiter, dot or control (full-width solidus, ...).',
    fix: 'Use ASCII delimiters.',
  },
  // Routing.
  {
    reason: 'no_route',
    code: 'route_not_found',
    meaning: 'No route has this path (default deny).',
    fix: 'Add a route, or fix the path (matching is case-sensitive).',
  },
  {
    reason: 'method_not_listed',
    code: 'method_not_allowed',
    meaning: 'A route has this path but not this method.',
    fix: 'Use a method from the Allow header, or add it to the route.',
  },
  // Protocol headers and credentials.
  {
    reason: 'duplicate_token',
    code: 'duplicate_header',
    meaning: 'Portcullis-Token sent more than once.',
    fix: 'Send one token.',
  },
  {
    reason: 'duplicate_proof',
    code: 'duplicate_header',
    meaning: 'Portcullis-Proof sent more than once.',
    fix: 'Send one proof.',
  },
  {
    reason: 'duplicate_authorization',
    code: 'duplicate_header',
    meaning: 'Authorization sent more than once.',
    fix: 'Send one Authorization header.',
  },
  {
    reason: 'duplicate_host',
    code: 'duplicate_header',
    meaning: 'Host sent more than once (RFC 9112 §3.2).',
    fix: 'Send one Host header.',
  },
  {
    reason: 'duplicate_content_type',
    code: 'duplicate_header',
    meaning: 'Content-Type sent more than once.',
    fix: 'Send one Content-Type header.',
  },
  {
    reason: 'token_in_query_and_header',
    code: 'duplicate_header',
    meaning: 'A token is in the header and also in the query string.',
    fix: 'Send the token only in Portcullis-Token.',
  },
  {
    reason: 'token_in_cookie_and_header',
    code: 'duplicate_header',
    meaning: 'A token is in the header and also in a cookie.',
    fix: 'Send the token only in Portcullis-Token.',
  },
  {
    reason: 'token_not_in_header',
    code: 'token_missing',
    meaning: 'A token was sent in the query string or a cookie only; only the header is read.',
    fix: 'Send the token in Portcullis-Token.',
  },
  {
    reason: 'token_in_query_unverified',
    code: 'bad_request',
    meaning:
      'The query string holds an app token (a token parameter name, or a value that is an app token) on a route that would forward it unverified (public, or tokenMode: monitor).',
    fix: 'Send app tokens only in Portcullis-Token, and only to routes that require one.',
  },
  {
    reason: 'method_override',
    code: 'bad_request',
    meaning: 'A _method parameter in the query string or form body.',
    fix: 'Send the real method; overrides are never honoured.',
  },
  {
    reason: 'token_missing',
    code: 'token_missing',
    meaning: 'The route needs an app token and none was sent.',
    fix: 'Send Portcullis-Token.',
  },
  {
    reason: 'token_too_long',
    code: 'token_invalid',
    meaning: 'The token is longer than limits.maxTokenBytes; it was not decoded.',
    fix: 'Send a token minted by this shield.',
  },
  {
    reason: 'level_below_minimum',
    code: 'level_insufficient',
    meaning: 'The token assurance level is below the route minimum.',
    fix: 'Attest with stronger evidence, or lower require.level.',
  },
  {
    reason: 'app_not_allowed',
    code: 'app_forbidden',
    meaning: "The token's app is not in require.apps.",
    fix: 'Use the right app, or add it to require.apps.',
  },
  {
    reason: 'audience_not_accepted',
    code: 'audience_forbidden',
    meaning: "The token's aud holds none of the route's require.audiences.",
    fix: "Use a token minted for one of the route's audiences, or add its audience to require.audiences.",
  },
  {
    reason: 'audience_scope_narrowed',
    code: 'audience_forbidden',
    meaning:
      "A debug token narrowed by its credential's scope (its aud lacks one of its app's audiences) on a route that names no audiences.",
    fix: 'Name the audience in the route’s require.audiences, or widen the debug credential’s scope.',
  },
  {
    reason: 'token_monitor_forwarded',
    code: null,
    meaning:
      'tokenMode monitor: the token requirement would have refused this request (details.wouldRefuse, details.wouldRefuseReason); it was forwarded without identity headers.',
    fix: 'Find the app versions that send no valid token; switch the route to tokenMode enforce once they are gone.',
  },
  {
    reason: 'verifier_failed',
    code: 'internal_error',
    meaning: 'verifyToken threw something other than a ShieldError.',
    fix: 'Fix the token verifier; see the server log.',
  },
  {
    reason: 'check_failed',
    code: 'internal_error',
    meaning: 'A check threw something other than a ShieldError (details.check names it).',
    fix: 'Fix the check; see the server log.',
  },
  {
    reason: 'store_unavailable',
    code: 'store_unavailable',
    meaning: 'A check could not reach its store (fail closed).',
    fix: 'Restore the store.',
  },
  // Body.
  {
    reason: 'content_encoding',
    code: 'unsupported_media_type',
    meaning: 'The request has Content-Encoding; compressed request bodies are refused.',
    fix: 'Send the body uncompressed.',
  },
  {
    reason: 'content_length_over_limit',
    code: 'payload_too_large',
    meaning: "Content-Length is above the route's maxBodyBytes; nothing was read.",
    fix: 'Send a smaller body, or raise maxBodyBytes.',
  },
  {
    reason: 'body_over_limit',
    code: 'payload_too_large',
    meaning: "The chunked body crossed the route's maxBodyBytes; the connection is closed.",
    fix: 'Send a smaller body, or raise maxBodyBytes.',
  },
  {
    reason: 'body_incomplete',
    code: null,
    meaning: 'The client went away (or timed out) before its body was complete.',
    fix: 'None on the server; check client connectivity.',
  },
  // Forwarding.
  {
    reason: 'secret_unavailable',
    code: 'internal_error',
    meaning: 'An injected secret could not be resolved or is not a valid header value.',
    fix: 'Configure the secret.',
  },
  {
    reason: 'claims_not_header_safe',
    code: 'internal_error',
    meaning: 'A verified claim cannot be put in an identity header.',
    fix: 'Fix the app id or key id in the token issuer.',
  },
  {
    reason: 'upstream_connect_failed',
    code: 'upstream_unavailable',
    meaning: 'The upstream refused or reset the connection.',
    fix: 'Start the upstream, or fix the route upstream URL.',
  },
  {
    reason: 'upstream_connect_timeout',
    code: 'upstream_timeout',
    meaning: 'No TCP/TLS connection within timeouts.connectMs.',
    fix: 'Check the upstream host, or raise connectMs.',
  },
  {
    reason: 'upstream_headers_timeout',
    code: 'upstream_timeout',
    meaning: 'No complete response headers within timeouts.headersMs.',
    fix: 'Make the upstream faster, or raise headersMs.',
  },
  {
    reason: 'upstream_body_timeout',
    code: 'upstream_timeout',
    meaning: 'The response body stalled longer than timeouts.bodyMs; the client connection was cut.',
    fix: 'Make the upstream stream steadily, or raise bodyMs.',
  },
  {
    reason: 'upstream_protocol_error',
    code: 'upstream_unavailable',
    meaning: 'The upstream response is malformed (CL with TE, duplicate CL, bad header bytes, short body).',
    fix: 'Fix the upstream; the connection was discarded.',
  },
  {
    reason: 'upstream_tls_error',
    code: 'upstream_unavailable',
    meaning: 'The upstream TLS certificate did not verify.',
    fix: 'Give the upstream a valid certificate, or pin its CA in upstreamPool.ca.',
  },
  {
    reason: 'upstream_response_invalid',
    code: 'upstream_unavailable',
    meaning: 'The upstream response headers cannot be relayed.',
    fix: 'Fix the upstream response headers.',
  },
  {
    reason: 'upstream_echoed_secret',
    code: 'upstream_unavailable',
    meaning:
      'The upstream response body holds a form of a secret injected into the request (raw, other case, base64, percent- or JSON-escaped, ...): a 502 when nothing was sent yet, else the client connection was cut.',
    fix: 'Find which upstream endpoint echoes request headers (routeId, path) and make it stop; never relax the scan.',
  },
  {
    reason: 'upstream_encoding_unscannable',
    code: 'upstream_unavailable',
    meaning:
      'On a route that injects a secret, the upstream sent a compressed body (Content-Encoding) although the gateway asked for identity; it cannot be scanned, so it is refused.',
    fix: 'Make the upstream honour Accept-Encoding: identity.',
  },
  {
    reason: 'client_aborted',
    code: null,
    meaning:
      'The client closed the connection before the response was complete; the upstream request was aborted.',
    fix: 'None on the server; check client timeouts.',
  },
  {
    reason: 'internal_failure',
    code: 'internal_error',
    meaning: 'An unexpected failure inside the gateway.',
    fix: 'See the server log.',
  },
] as const satisfies readonly { reason: string; code: ErrorCode | null; meaning: string; fix: string }[];

/** An audit-only sub-code of the gateway. */
export type GatewayReason = (typeof GATEWAY_REASONS)[number]['reason'];
