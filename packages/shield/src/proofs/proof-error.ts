import type { ErrorCode } from '@portcullis/protocol';
import { ShieldError } from '../errors.js';
import { PROOF_FAILURE_REASONS, type ProofFailureCode } from './proof-failure-reasons.js';

const CLIENT_CODES = new Map<string, ErrorCode | null>(
  PROOF_FAILURE_REASONS.map((r) => [r.code, r.clientCode]),
);

/**
 * The `ShieldError` for a proof or binding refusal: the client code comes from
 * `PROOF_FAILURE_REASONS`, the sub-code goes to the audit log. Throws a TypeError for a degraded
 * event (those are reported, never refused).
 *
 * @example
 * ```ts
 * throw proofError('proof_too_old');
 * ```
 */
export function proofError(code: ProofFailureCode, options: { retryAfter?: number } = {}): ShieldError {
  const clientCode = CLIENT_CODES.get(code);
  if (clientCode === undefined || clientCode === null) throw new TypeError(`${code} is not a refusal`);
  return new ShieldError(
    clientCode,
    code,
    options.retryAfter === undefined ? {} : { retryAfter: options.retryAfter },
  );
}
