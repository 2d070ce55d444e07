/** RFC 9110 §5.6.2 token: the characters an auth scheme is made of. */
const SCHEME_AND_CREDENTIALS = /^([!#$%&'*+\-.^_`|~0-9A-Za-z]+)[ \t]+(.*)$/s;

/**
 * The identity a per-user limit counts by when it is keyed on the `Authorization` header. The
 * auth scheme is case-insensitive and is followed by one or more spaces (RFC 9110 §11.1, §11.4),
 * so a backend reads `Bearer abc`, `bearer abc` and `BEARER   abc` as one credential; counted by
 * their exact bytes they were three users, each with a full budget. The scheme is lower-cased
 * and the whitespace after it (and around the value) collapsed; the credentials are kept byte
 * for byte (tokens are case-sensitive). Merging spellings only makes the limit stricter. Pure.
 *
 * @example
 * ```ts
 * limitKeyForAuthorization('BEARER   user-a'); // 'bearer user-a'
 * ```
 */
export function limitKeyForAuthorization(authorization: string): string {
  const trimmed = authorization.trim();
  const match = SCHEME_AND_CREDENTIALS.exec(trimmed);
  return match === null ? trimmed : `${match[1]!.toLowerCase()} ${match[2]!.trim()}`;
}
