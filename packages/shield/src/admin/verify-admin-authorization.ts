import { timingSafeEqual } from 'node:crypto';
import { sha256 } from '../encoding.js';

/** Longest admin token accepted (characters); longer ones are refused before hashing. */
export const MAX_ADMIN_TOKEN_LENGTH = 1024;

// RFC 9110 §11.2: auth-scheme is a token, credentials follow after 1*SP.
const AUTHORIZATION = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+)(?: +(.*))?$/;
// RFC 9110 §11.2 token68, the form RFC 6750 §2.1 gives a bearer token.
const TOKEN68 = /^[A-Za-z0-9._~+/-]+=*$/;

/** The outcome of checking a request's Authorization header(s) against the admin token's hash. */
export type AdminAuthorizationResult =
  | { ok: true }
  | {
      ok: false;
      reason:
        | 'admin_token_missing'
        | 'admin_auth_scheme_unsupported'
        | 'admin_token_malformed'
        | 'admin_token_mismatch'
        | 'admin_authorization_repeated';
    };

/**
 * Checks `Authorization: Bearer <token>` against the SHA-256 of the admin token (threat C-33):
 * the presented token is hashed and the two 32-byte digests are compared with
 * `crypto.timingSafeEqual`, so the comparison takes the same time wherever they differ and the
 * token itself is never compared, stored or returned. `values` are every Authorization value
 * the request carried (from `rawHeaders`: Node keeps only the first otherwise); more than one is
 * refused.
 *
 * @example
 * ```ts
 * const values = headerValues(req.rawHeaders, 'authorization');
 * const result = verifyAdminAuthorization(values, Buffer.from(config.admin.tokenSha256, 'hex'));
 * ```
 */
export function verifyAdminAuthorization(
  values: readonly string[],
  expectedSha256: Uint8Array,
): AdminAuthorizationResult {
  if (expectedSha256.byteLength !== 32) throw new TypeError('expectedSha256 must be 32 bytes');
  if (values.length > 1) return { ok: false, reason: 'admin_authorization_repeated' };
  const value = values[0]?.trim() ?? '';
  if (value === '') return { ok: false, reason: 'admin_token_missing' };
  const match = AUTHORIZATION.exec(value);
  if (match === null || match[1]!.toLowerCase() !== 'bearer') {
    return { ok: false, reason: 'admin_auth_scheme_unsupported' };
  }
  const token = match[2] ?? '';
  if (token.length === 0 || token.length > MAX_ADMIN_TOKEN_LENGTH || !TOKEN68.test(token)) {
    return { ok: false, reason: 'admin_token_malformed' };
  }
  const presented = sha256(token);
  return timingSafeEqual(presented, expectedSha256)
    ? { ok: true }
    : { ok: false, reason: 'admin_token_mismatch' };
}
