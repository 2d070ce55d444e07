import { MAX_PAGE_SIZE } from '../stores/index.js';
import { adminError } from './admin-error.js';

/** Page size when a list request names none. */
export const DEFAULT_PAGE_LIMIT = 100;

/**
 * The `limit` query parameter: a plain decimal integer from 1 to 1000 (no sign, exponent or
 * leading zero), `DEFAULT_PAGE_LIMIT` when absent.
 *
 * @example
 * ```ts
 * readPageLimit(parameters.get('limit')); // 100 when absent
 * ```
 */
export function readPageLimit(value: string | undefined): number {
  if (value === undefined) return DEFAULT_PAGE_LIMIT;
  const limit = /^[1-9][0-9]{0,3}$/.test(value) ? Number(value) : Number.NaN;
  if (!(limit <= MAX_PAGE_SIZE)) {
    throw adminError('admin_query_parameter_invalid', {
      message: `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`,
    });
  }
  return limit;
}
