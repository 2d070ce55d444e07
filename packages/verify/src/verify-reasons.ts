import type { ErrorCode } from '@portcullis/protocol';

/**
 * The refusal reasons of `@portcullis/verify` beyond the shared token and proof reasons
 * (`TOKEN_FAILURE_REASONS`, `PROOF_FAILURE_REASONS` of `@portcullis/protocol`): the request-level
 * checks a backend makes, each with the client code it is answered with. The route's level, app
 * and audience refusals are those of the shield's gateway (`ROUTE_TOKEN_REFUSALS`), with the same
 * codes. Stable: a reason is never reused for another meaning. docs/verify.md lists the same table
 * and a test keeps the two in step.
 *
 * @example
 * ```ts
 * const row = VERIFY_REASONS.find((r) => r.code === error.reason);
 * ```
 */
export const VERIFY_REASONS = [
  {
    code: 'token_missing',
    clientCode: 'token_missing',
    meaning: 'The route needs an app token and the request has no Portcullis-Token header.',
    fix: 'Send the token in Portcullis-Token (the client SDK does it).',
  },
  {
    code: 'duplicate_token',
    clientCode: 'duplicate_header',
    meaning: 'Portcullis-Token was sent more than once (or as a comma-joined list).',
    fix: 'Send one token, once.',
  },
  {
    code: 'duplicate_proof',
    clientCode: 'duplicate_header',
    meaning: 'Portcullis-Proof was sent more than once (or as a comma-joined list).',
    fix: 'Send one proof, once.',
  },
  {
    code: 'duplicate_authorization',
    clientCode: 'duplicate_header',
    meaning: 'Authorization was sent more than once (seen by the Node adapters, which read the raw headers).',
    fix: 'Send one Authorization header.',
  },
  {
    code: 'level_below_minimum',
    clientCode: 'level_insufficient',
    meaning:
      "The token's assurance level is below the route's minimum: its `level`, or when it names none the verifier `mode`'s default (`basic` in production, so debug tokens are refused).",
    fix: "Attest with stronger evidence, or write the route requirement `level` (`level: 'debug'` admits debug tokens).",
  },
  {
    code: 'app_not_allowed',
    clientCode: 'app_forbidden',
    meaning: "The token's app (sub) is not in the route requirement `apps`.",
    fix: 'Use the right app, or add it to `apps`.',
  },
  {
    code: 'audience_not_accepted',
    clientCode: 'audience_forbidden',
    meaning: "The token's aud holds none of the route requirement `audiences`.",
    fix: "Use a token minted for one of the route's audiences, or add its audience to `audiences`.",
  },
  {
    code: 'audience_scope_narrowed',
    clientCode: 'audience_forbidden',
    meaning:
      "A debug token narrowed by its credential's scope (its aud lacks one of its app's audiences: the verifier's `appAudiences`, by default all of `audiences`) on a route that names no `audiences`.",
    fix: "Name the audience in the route's `audiences`, list the app's audiences in `appAudiences`, or widen the debug credential's scope.",
  },
  {
    code: 'jwks_unavailable',
    clientCode: 'store_unavailable',
    meaning:
      "The shield's signing keys are not available: the JWKS was never fetched, or the last successful fetch is older than maxAgeSeconds and the shield cannot be reached.",
    fix: "Check that the backend reaches the shield's /.well-known/jwks.json; the client retries after Retry-After.",
  },
  {
    code: 'body_too_large',
    clientCode: 'payload_too_large',
    meaning:
      'On a proof route, the body is larger than the route requirement `maxBodyBytes`; it was not read to the end.',
    fix: 'Send a smaller body, or raise `maxBodyBytes` for the route.',
  },
  {
    code: 'verifier_failed',
    clientCode: 'internal_error',
    meaning:
      'Something unexpected failed inside the verifier (a crypto call or a replay store threw something unknown).',
    fix: "Log refusals with the verifier's onRefused option: error.cause holds what failed.",
  },
] as const satisfies readonly { code: string; clientCode: ErrorCode; meaning: string; fix: string }[];

/** A reason of {@link VERIFY_REASONS}. */
export type VerifyReason = (typeof VERIFY_REASONS)[number]['code'];
