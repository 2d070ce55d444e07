import type { ErrorCode } from '@portcullis/protocol';
import { ShieldError } from '../errors.js';
import { ADMIN_REASONS, type AdminReason } from './admin-reasons.js';

const CLIENT_CODES = new Map<string, ErrorCode>(ADMIN_REASONS.map((row) => [row.code, row.clientCode]));

/**
 * The `ShieldError` for an admin refusal: the client code comes from `ADMIN_REASONS`, the
 * sub-code goes to the audit log. `message` becomes the problem's `detail` for `bad_request`, so
 * it names the offending parameter and never echoes its value.
 *
 * @example
 * ```ts
 * throw adminError('admin_query_parameter_invalid', { message: 'limit must be an integer from 1 to 1000' });
 * ```
 */
export function adminError(
  reason: AdminReason,
  options: { message?: string; retryAfter?: number } = {},
): ShieldError {
  const code = CLIENT_CODES.get(reason);
  if (code === undefined) throw new TypeError(`${reason} is not an admin reason`);
  return new ShieldError(code, reason, {
    ...(options.message !== undefined ? { message: options.message } : {}),
    ...(options.retryAfter !== undefined ? { retryAfter: options.retryAfter } : {}),
  });
}
