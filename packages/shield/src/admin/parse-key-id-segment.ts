import { MAX_KEY_LENGTH } from '../stores/index.js';
import { adminError } from './admin-error.js';

// Before decoding: unreserved characters, the sub-delimiters key ids use, and percent-encoded
// octets. A raw `/` cannot occur (the caller splits the path on it) and `%` only as an escape.
const RAW_SEGMENT = /^(?:[A-Za-z0-9\-._~+=:@]|%[0-9A-Fa-f]{2})+$/;
// After decoding: what App Attest (standard base64), Android (base64url) and test key ids are
// made of. No `%` (a second encoding layer), no space, control character or backslash.
const KEY_ID = /^[A-Za-z0-9+/=_.:@~-]+$/;

/**
 * True when `text` (already decoded) can be a device key id: 1 to 1024 characters of base64,
 * base64url and `.:@~`, and none of its `/`-separated parts is `.` or `..`.
 */
export function isKeyId(text: string): boolean {
  return (
    text.length > 0 &&
    text.length <= MAX_KEY_LENGTH &&
    KEY_ID.test(text) &&
    !text.split('/').some((part) => part === '.' || part === '..')
  );
}

/**
 * Decodes the key id path segment of `/devices/{keyId}`: percent-decoded exactly once (App
 * Attest key ids are standard base64, so `/`, `+` and `=` arrive as %2F, %2B, %3D, or `+` and
 * `=` raw), then refused unless it is a plausible key id. An empty segment, a dot segment (raw
 * or encoded), a malformed escape or a second encoding layer (`%252F`) is refused with
 * `admin_key_id_invalid`; the value is never echoed.
 *
 * @example
 * ```ts
 * parseKeyIdSegment('ab%2Fcd%2B%3D'); // 'ab/cd+='
 * parseKeyIdSegment('%2E%2E');        // throws: dot segment
 * ```
 */
export function parseKeyIdSegment(raw: string): string {
  const refuse = () =>
    adminError('admin_key_id_invalid', {
      message: 'the key id path segment must be one percent-encoded device key id',
    });
  if (raw.length > 3 * MAX_KEY_LENGTH || !RAW_SEGMENT.test(raw)) throw refuse();
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw refuse();
  }
  if (!isKeyId(decoded)) throw refuse();
  return decoded;
}
