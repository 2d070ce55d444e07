import type { ErrorCode } from '@portcullis/protocol';

/**
 * Every decision code of the limits module: the audit sub-code of a refusal (`ShieldError.reason`)
 * and the `reason` of each `LimitEvent`. `answer` is the client-facing code a refusal carries, or
 * null when the request is let through (monitor mode, fail-open). Stable: a code is never reused
 * for another meaning. docs/limits.md lists the same table and a test keeps the two equal.
 *
 * @example
 * ```ts
 * const row = LIMIT_FAILURE_REASONS.find((r) => r.code === error.reason);
 * ```
 */
export const LIMIT_FAILURE_REASONS = [
  {
    code: 'limit_exceeded',
    answer: 'rate_limited',
    meaning:
      'A request-count limit of the route (per device, user, ip, app, route, global or body field) is used up.',
    fix: 'The client waits Retry-After seconds; raise max or window only if genuine use needs it.',
  },
  {
    code: 'budget_exceeded',
    answer: 'budget_exhausted',
    meaning: 'A budget has fewer units left in its window than this request costs (for example recipients).',
    fix: 'The client waits Retry-After seconds or sends a smaller request; raise the budget only for genuine use.',
  },
  {
    code: 'budget_cost_over_capacity',
    answer: 'budget_exhausted',
    meaning: 'The request costs more units than the whole budget holds, so it can never pass as sent.',
    fix: 'The client splits the request into smaller ones; Retry-After is the whole window.',
  },
  {
    code: 'budget_cost_unreadable',
    answer: 'bad_request',
    meaning:
      'The cost could not be read: the body is not a JSON object, a cost path is missing, or it holds a value that is not a count.',
    fix: 'Send the JSON the route expects, or set the budget’s cost.whenUnreadable to a number of units to charge.',
  },
  {
    code: 'limit_key_missing',
    answer: 'bad_request',
    meaning: 'The request lacks what a limit counts by: a user (claim or Authorization) or the body field.',
    fix: 'Send the Authorization header (or the user claim) or the body field, or change the limit’s per.',
  },
  {
    code: 'limit_device_key_missing',
    answer: 'device_key_required',
    meaning:
      'A limit counts per device and the app token carries no device key (a debug token, or Play Integrity alone).',
    fix: 'Attest with App Attest or Android key attestation; or raise the route’s require.level above debug, or count per ip or user.',
  },
  {
    code: 'limit_skipped_token_monitor',
    answer: null,
    meaning:
      'On a tokenMode: monitor route a request forwarded without an accepted token is not counted by limits per device, app or user claim (there is nothing to count).',
    fix: 'Add a limit per ip or route for such requests; switch the route to tokenMode enforce once old app versions are gone.',
  },
  {
    code: 'limit_store_unavailable',
    answer: 'store_unavailable',
    meaning: 'The limit store did not answer in time or is down, and the route fails closed (the default).',
    fix: 'Restore the store (the limiter reconnects by itself), or set onStoreFailure: open for non-sensitive routes.',
  },
  {
    code: 'insurance_limit_exceeded',
    answer: 'rate_limited',
    meaning:
      'The store is down on a fail-open route and the local insurance limiter (max divided by insuranceDivisor) is used up.',
    fix: 'Restore the store; the insurance cap is deliberately conservative and resets once the store answers.',
  },
  {
    code: 'limit_store_failed_open',
    answer: null,
    meaning:
      'The store is down on a fail-open route and the request passed the local insurance limiter (metric limiter_failure_allowed).',
    fix: 'Restore the store; alert on this counter, it means limits are held per instance only.',
  },
  {
    code: 'monitor_would_limit',
    answer: null,
    meaning: 'A limit in monitor mode would have refused this request; it was let through.',
    fix: 'Check that the limit fits genuine traffic, then switch it to enforce.',
  },
  {
    code: 'endpoint_ip_limit_exceeded',
    answer: 'rate_limited',
    meaning: 'Too many challenge, attest or assert calls from one client address (IPv6: one prefix).',
    fix: 'The client waits Retry-After seconds; raise the per-IP endpoint limit for carrier-grade NAT.',
  },
  {
    code: 'endpoint_key_limit_exceeded',
    answer: 'rate_limited',
    meaning: 'Too many attest or assert calls for one device key id (token farming, D-34).',
    fix: 'The client refreshes its token only when it nears expiry and waits Retry-After seconds.',
  },
  {
    code: 'endpoint_locked_out',
    answer: 'rate_limited',
    meaning: 'Too many failed attestations or assertions from this address or for this key id (A2-03).',
    fix: 'Wait Retry-After seconds; find the failing check of the earlier attempts in the audit log.',
  },
] as const satisfies readonly { code: string; answer: ErrorCode | null; meaning: string; fix: string }[];

/** One of the stable limit decision codes. */
export type LimitFailureReason = (typeof LIMIT_FAILURE_REASONS)[number]['code'];
