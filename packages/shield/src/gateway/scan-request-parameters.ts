import { APP_TOKEN_TYP } from '@portcullis/protocol';

/** Flags returned by `scanRequestParameters`. */
export const TOKEN_IN_QUERY = 1;
export const TOKEN_IN_COOKIE = 2;
export const METHOD_OVERRIDE = 4;

/** Parameter and cookie names under which clients (or attackers) put app tokens (A2-02, C-28). */
const TOKEN_NAMES = new Set([
  'portcullis-token',
  'portcullis_token',
  'portcullistoken',
  'app_token',
  'app-token',
  'apptoken',
]);
/** Method-override parameters some frameworks honour (E-28). */
const OVERRIDE_NAMES = new Set(['_method', 'x-http-method-override', 'x-http-method', 'x-method-override']);
/** Below this length a token is not searched for verbatim (it would match by accident). */
const MIN_VERBATIM_TOKEN = 16;
/** A compact JWS: three base64url segments, the first a JSON object (`{` encodes as `e`). */
const COMPACT_JWS = /e[A-Za-z0-9_-]{3,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}/g;

/**
 * True when `text` holds an app token under any name: a compact JWS whose protected header
 * says `typ: app+jwt`. The signature is not checked: a token of this shield or a forged one
 * has no business in a query string either way.
 */
function holdsAppToken(text: string): boolean {
  if (text.length < 20 || !text.includes('.')) return false;
  for (const match of text.matchAll(COMPACT_JWS)) {
    const header = match[0].slice(0, match[0].indexOf('.'));
    try {
      const parsed: unknown = JSON.parse(Buffer.from(header, 'base64url').toString('utf8'));
      const typ =
        typeof parsed === 'object' && parsed !== null ? (parsed as { typ?: unknown }).typ : undefined;
      if (typeof typ === 'string' && typ.toLowerCase().replace(/^application\//, '') === APP_TOKEN_TYP)
        return true;
    } catch {
      // Not JSON: not a token.
    }
  }
  return false;
}

/**
 * Looks for app tokens outside the Portcullis-Token header (a token-like parameter or cookie name,
 * the header's token itself anywhere in the query or cookies, or any app token — a compact JWS
 * typed `app+jwt` — as a query parameter name or value, decoded) and for method-override
 * parameters in the query. Returns a bit set of TOKEN_IN_QUERY, TOKEN_IN_COOKIE, METHOD_OVERRIDE.
 */
export function scanRequestParameters(
  query: string | null,
  cookie: string | null,
  headerToken: string | null,
): number {
  let flags = 0;
  const verbatim = headerToken !== null && headerToken.length >= MIN_VERBATIM_TOKEN ? headerToken : null;
  if (query !== null && query !== '') {
    if (verbatim !== null && query.includes(verbatim)) flags |= TOKEN_IN_QUERY;
    for (const [name, value] of new URLSearchParams(query)) {
      const lower = name.toLowerCase();
      if (TOKEN_NAMES.has(lower) || holdsAppToken(value) || holdsAppToken(name)) flags |= TOKEN_IN_QUERY;
      else if (OVERRIDE_NAMES.has(lower)) flags |= METHOD_OVERRIDE;
    }
  }
  if (cookie !== null) {
    if (verbatim !== null && cookie.includes(verbatim)) flags |= TOKEN_IN_COOKIE;
    for (const pair of cookie.split(';')) {
      const eq = pair.indexOf('=');
      const name = (eq === -1 ? pair : pair.slice(0, eq)).trim().toLowerCase();
      if (TOKEN_NAMES.has(name)) flags |= TOKEN_IN_COOKIE;
    }
  }
  return flags;
}

const FORM_TYPE = /^application\/x-www-form-urlencoded\s*(?:;|$)/i;

/** True when a form-urlencoded body carries a method-override field (`_method=DELETE`, E-28). */
export function formHasMethodOverride(contentType: string | null, body: Buffer): boolean {
  if (contentType === null || !FORM_TYPE.test(contentType)) return false;
  for (const name of new URLSearchParams(body.toString('utf8')).keys()) {
    if (OVERRIDE_NAMES.has(name.toLowerCase())) return true;
  }
  return false;
}

const JSON_TYPE = /^application\/(?:[a-z0-9.+-]+\+)?json\s*(?:;|$)/i;
const OVERRIDE_BYTES = Buffer.from('_method');
const ESCAPE_BYTES = Buffer.from('\\u');

/**
 * True when a JSON body's top-level object has a method-override member (`{"_method":"DELETE"}`):
 * frameworks that merge JSON input into their request parameters (Laravel's `_method`) honour it
 * like a form field (E-28). Bodies whose bytes hold neither `_method` nor a `\u` escape are
 * not parsed; a body that is not JSON has no members.
 */
export function jsonHasMethodOverride(contentType: string | null, body: Buffer): boolean {
  if (contentType === null || !JSON_TYPE.test(contentType)) return false;
  if (body.indexOf(OVERRIDE_BYTES) === -1 && body.indexOf(ESCAPE_BYTES) === -1) return false;
  let value: unknown;
  try {
    // JSON.parse, not a strict decoder: like the frameworks, it reads duplicate members (last wins).
    value = JSON.parse(body.toString('utf8'));
  } catch {
    return false;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  for (const name of Object.keys(value)) if (OVERRIDE_NAMES.has(name.toLowerCase())) return true;
  return false;
}
