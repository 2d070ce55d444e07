import { utf8ToBytes } from '@noble/hashes/utils.js';
import { PortcullisError } from './portcullis-error.js';

/** Where a request goes, in the exact form it is sent (and signed). */
export interface ResolvedTarget {
  /** The absolute URL handed to fetch. */
  url: string;
  /** Path and query exactly as sent: what a proof signs (protocol §4). */
  target: string;
  /** The path alone, for route matching and events (the query may hold personal data). */
  path: string;
}

const BASE_URL = /^(https?):\/\/([^/?#\s@]+)(\/[^?#\s]*)?$/i;
const HEX = /^[0-9A-Fa-f]{2}$/;
/** Characters a WHATWG URL serialiser leaves alone in a path (RFC 3986 pchar and `/`). */
const PATH_SAFE = /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/;
/** In a query `'` is escaped by WHATWG for http(s), and `?` and `/` are allowed. */
const QUERY_SAFE = /[A-Za-z0-9\-._~!$&()*+,;=:@/?]/;

const DOT_SEGMENTS: ReadonlySet<string> = new Set(['.', '..', '%2e', '.%2e', '%2e.', '%2e%2e']);

/** A URL parser removes `.` and `..` segments (also spelled `%2e`): what it sends is not what was written. */
function hasDotSegment(path: string): boolean {
  return path.split('/').some((segment) => DOT_SEGMENTS.has(segment.toLowerCase()));
}

function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

function percentEncode(char: string): string {
  let out = '';
  for (const byte of utf8ToBytes(char)) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/**
 * Spells `part` the way every fetch implementation sends it: characters a URL parser would
 * percent-encode (space, quotes, `<>`, `{}`, `^`, backtick, `|`, non-ASCII, a `%` not followed by
 * two hex digits) are encoded here first, so the bytes on the wire are the bytes signed.
 */
function canonical(part: string, safe: RegExp): string {
  let out = '';
  const chars = Array.from(part);
  for (let i = 0; i < chars.length; i++) {
    const char = chars[i]!;
    if (char === '%' && HEX.test((chars[i + 1] ?? '') + (chars[i + 2] ?? ''))) out += char;
    else out += safe.test(char) ? char : percentEncode(char);
  }
  return out;
}

/**
 * Checks `baseUrl` once and returns the resolver for request inputs: a path relative to it
 * (`/payments/session?cart=42`), or an absolute URL on the same origin. Anything else is refused
 * with `request_invalid`, so the app token is never sent to another host.
 *
 * @example
 * ```ts
 * const resolve = createTargetResolver('https://shield.example.com');
 * resolve('/payments/session?x=a b').target; // '/payments/session?x=a%20b'
 * ```
 */
export function createTargetResolver(baseUrl: string): {
  baseUrl: string;
  resolve(input: string | URL): ResolvedTarget;
} {
  const match = typeof baseUrl === 'string' ? BASE_URL.exec(baseUrl) : null;
  if (match === null) {
    throw new TypeError(
      'baseUrl must be an http(s) URL without query, fragment or credentials, e.g. https://shield.example.com',
    );
  }
  const origin = `${match[1]!.toLowerCase()}://${match[2]!.toLowerCase()}`;
  const basePath = (match[3] ?? '').replace(/\/+$/, '');

  function resolve(input: string | URL): ResolvedTarget {
    const text = typeof input === 'string' ? input : String(input);
    let rest: string;
    if (text.startsWith('/') && !text.startsWith('//')) {
      rest = basePath + text;
    } else {
      const head = text.slice(0, origin.length).toLowerCase();
      const next = text.charAt(origin.length);
      if (head !== origin || (next !== '' && next !== '/' && next !== '?' && next !== '#')) {
        throw new PortcullisError('request_invalid', { detail: 'url_outside_base' });
      }
      rest = text.slice(origin.length);
    }
    const hash = rest.indexOf('#');
    if (hash >= 0) rest = rest.slice(0, hash);
    // A URL parser turns `\` into `/`, drops control characters and resolves dot segments: the
    // gateway would never see what was signed, and refuses such paths anyway.
    if (rest.includes('\\') || hasControlCharacter(rest)) {
      throw new PortcullisError('request_invalid', { detail: 'target_not_sendable' });
    }
    const question = rest.indexOf('?');
    const rawPath = question < 0 ? rest : rest.slice(0, question);
    if (hasDotSegment(rawPath)) throw new PortcullisError('request_invalid', { detail: 'dot_segment' });
    const path = canonical(rawPath === '' ? '/' : rawPath, PATH_SAFE);
    const target = question < 0 ? path : `${path}?${canonical(rest.slice(question + 1), QUERY_SAFE)}`;
    return { url: origin + target, target, path };
  }

  return { baseUrl: origin + basePath, resolve };
}
