import { adminError } from './admin-error.js';

// What a name or value may hold before decoding: RFC 3986 query characters except `&` (the
// separator), with `%` only as the start of a percent-encoded octet.
const RAW_PART = /^(?:[A-Za-z0-9\-._~!$'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*$/;

function decodeOnce(text: string): string | undefined {
  if (!RAW_PART.test(text)) return undefined;
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/**
 * Reads the query string of an admin request (the part after `?`, without it) into a map of
 * parameter to value, strictly: every parameter must be one of `allowed` and appear at most
 * once, and names and values are percent-decoded exactly once. `+` is a plus sign, not a space
 * (this is a URL, not a form body), so base64 key ids survive. Refusals name the parameter and
 * never echo a value.
 *
 * @example
 * ```ts
 * readQueryParameters('limit=10&after=abc%2B', ['limit', 'after']); // Map { limit → '10', after → 'abc+' }
 * ```
 */
export function readQueryParameters(query: string, allowed: readonly string[]): Map<string, string> {
  const parameters = new Map<string, string>();
  if (query === '') return parameters;
  for (const pair of query.split('&')) {
    const equals = pair.indexOf('=');
    const name = decodeOnce(equals === -1 ? pair : pair.slice(0, equals));
    if (name === undefined || !allowed.includes(name)) {
      throw adminError('admin_query_parameter_unknown', {
        message:
          allowed.length === 0
            ? 'this endpoint takes no query parameters'
            : `unknown query parameter; this endpoint takes ${allowed.join(', ')}`,
      });
    }
    if (parameters.has(name)) {
      throw adminError('admin_query_parameter_repeated', { message: `${name} is given more than once` });
    }
    const value = equals === -1 ? undefined : decodeOnce(pair.slice(equals + 1));
    if (value === undefined || value === '') {
      throw adminError('admin_query_parameter_invalid', {
        message: `${name} must have a non-empty, correctly percent-encoded value`,
      });
    }
    parameters.set(name, value);
  }
  return parameters;
}
