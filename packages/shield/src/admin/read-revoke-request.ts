import { adminError } from './admin-error.js';

/** Most characters (code points) of a revocation reason. */
export const MAX_REVOKE_REASON_LENGTH = 200;

// Control, format (bidi overrides, zero-width), surrogate, private-use, unassigned and
// line/paragraph separator characters: none of them belongs in a reason shown in a terminal or log.
const NOT_PRINTABLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]/u;

/**
 * Reads the JSON body of `POST /devices/{keyId}/revoke`: exactly `{ "reason": string }`, the
 * reason 1-200 printable characters with at least one that is not a space. Anything else is
 * refused with a `bad_request`; the reason is never echoed in the refusal.
 *
 * @example
 * ```ts
 * readRevokeRequest({ reason: 'stolen phone' }); // { reason: 'stolen phone' }
 * ```
 */
export function readRevokeRequest(body: unknown): { reason: string } {
  if (
    typeof body !== 'object' ||
    body === null ||
    Array.isArray(body) ||
    Object.keys(body).length !== 1 ||
    !Object.hasOwn(body, 'reason')
  ) {
    throw adminError('admin_revoke_body_invalid', { message: 'the body must be {"reason": "..."}' });
  }
  const reason: unknown = (body as { reason: unknown }).reason;
  if (
    typeof reason !== 'string' ||
    reason.trim() === '' ||
    [...reason].length > MAX_REVOKE_REASON_LENGTH ||
    NOT_PRINTABLE.test(reason)
  ) {
    throw adminError('admin_revoke_reason_invalid', {
      message: `reason must be 1-${MAX_REVOKE_REASON_LENGTH} printable characters`,
    });
  }
  return { reason };
}
