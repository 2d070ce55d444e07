import { adminError } from './admin-error.js';
import { revokeRequestSchema } from './admin-schemas.js';
import { readBodyWithSchema } from './read-with-schema.js';

/** Most characters (code points) of a revocation reason. */
export const MAX_REVOKE_REASON_LENGTH = 200;

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
  // The shape is right, so whatever the schema refuses is the reason itself.
  return readBodyWithSchema(body, revokeRequestSchema, 'admin_revoke_reason_invalid');
}
