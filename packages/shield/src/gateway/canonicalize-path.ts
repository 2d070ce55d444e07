/** Why a request target was refused (each is answered 400 `path_rejected`). */
export type PathRejectionReason =
  | 'absolute_form'
  | 'asterisk_form'
  | 'not_origin_form'
  | 'fragment'
  | 'invalid_char'
  | 'backslash'
  | 'semicolon'
  | 'encoded_slash'
  | 'dot_segment'
  | 'empty_segment'
  | 'trailing_slash'
  | 'control_char'
  | 'double_encoding'
  | 'invalid_percent_encoding'
  | 'invalid_utf8'
  | 'confusable_char';

/** The one canonical form of an origin-form target. */
export interface CanonicalTarget {
  ok: true;
  /** The canonical path: route matching and forwarding both use exactly this string. */
  path: string;
  /** Everything after the first `?`, verbatim; null when the target has no `?`. */
  query: string | null;
}

export interface PathRejection {
  ok: false;
  reason: PathRejectionReason;
}

// Character classes of raw path bytes (RFC 3986 pchar and friends).
const INVALID = 0;
const PLAIN = 1;
const SLASH = 2;
const PERCENT = 3;
const SEMICOLON = 4;
const BACKSLASH = 5;

const PATH_CLASS = new Uint8Array(128);
const UNRESERVED = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z0-9\-._~]/.test(ch)) {
    UNRESERVED[c] = 1;
    PATH_CLASS[c] = PLAIN;
  } else if ("!$&'()*+,=:@".includes(ch)) {
    PATH_CLASS[c] = PLAIN;
  }
}
PATH_CLASS[0x2f] = SLASH;
PATH_CLASS[0x25] = PERCENT;
PATH_CLASS[0x3b] = SEMICOLON;
PATH_CLASS[0x5c] = BACKSLASH;

const HEX_DIGITS = '0123456789ABCDEF';
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** After NFKC, none of these may appear: they would become delimiters in a normalising backend. */
const DELIMITERS = '/\\.;%?#';

/** True when the compatibility form of `text` holds a delimiter, a dot or a C0/C1 control. */
function hasConfusable(text: string): boolean {
  const normal = text.normalize('NFKC');
  for (let i = 0; i < normal.length; i++) {
    const code = normal.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f) || DELIMITERS.includes(normal[i]!)) return true;
  }
  return false;
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  if (code >= 0x41 && code <= 0x46) return code - 0x37;
  if (code >= 0x61 && code <= 0x66) return code - 0x57;
  return -1;
}

/** The byte encoded at `target[i..i+2]` (`%XX`), or -1 when it is not a valid escape. */
function escapedByte(target: string, i: number, end: number): number {
  if (i + 2 >= end) return -1;
  const high = hexValue(target.charCodeAt(i + 1));
  const low = hexValue(target.charCodeAt(i + 2));
  return high < 0 || low < 0 ? -1 : (high << 4) | low;
}

function reject(reason: PathRejectionReason): PathRejection {
  return { ok: false, reason };
}

/**
 * Turns a raw request target into its one canonical form, or refuses it rather than guess.
 * Refused: anything but origin-form (`http://...`, `*`, `host:port`), `#`, raw characters outside
 * RFC 3986 pchar, `\` and `%5C`, `;` and `%3B`, `%2F`, `%25`, percent-encoded control characters,
 * invalid percent-encoding, percent-encoded bytes that are not UTF-8 (overlong forms included),
 * non-ASCII characters whose NFKC form is a delimiter or dot (full-width solidus), `//`, a
 * trailing `/` (except the root), a `.` segment and `..` anywhere (raw or encoded).
 * Kept: percent-encodings of unreserved characters are decoded (`%69` -> `i`); every other escape
 * stays encoded with upper-case hex. Matching is case-sensitive and the query is kept verbatim.
 * Pure and idempotent: canonicalising a canonical path returns it unchanged.
 *
 * @example
 * canonicalizePath('/pay/sess%69on?x=%2f') // { ok: true, path: '/pay/session', query: 'x=%2f' }
 * canonicalizePath('/public/%2e%2e/pay')   // { ok: false, reason: 'dot_segment' }
 */
export function canonicalizePath(target: string): CanonicalTarget | PathRejection {
  if (target.charCodeAt(0) !== 0x2f) {
    if (target === '*') return reject('asterisk_form');
    return reject(ABSOLUTE_FORM.test(target) ? 'absolute_form' : 'not_origin_form');
  }
  if (target.includes('#')) return reject('fragment');
  const queryAt = target.indexOf('?');
  const end = queryAt === -1 ? target.length : queryAt;

  // `out` stays null while the canonical path equals the raw one (the common case: no copy).
  let out: string | null = null;
  let segmentLength = 0;
  let previousWasDot = false;
  for (let i = 1; i < end; i++) {
    const code = target.charCodeAt(i);
    const kind = code < 128 ? PATH_CLASS[code] : INVALID;
    if (kind === PLAIN) {
      if (code === 0x2e) {
        if (previousWasDot) return reject('dot_segment');
        previousWasDot = true;
      } else {
        previousWasDot = false;
      }
      segmentLength++;
      if (out !== null) out += target[i];
      continue;
    }
    if (kind === SLASH) {
      if (segmentLength === 0) return reject('empty_segment');
      if (segmentLength === 1 && previousWasDot) return reject('dot_segment');
      segmentLength = 0;
      previousWasDot = false;
      if (out !== null) out += '/';
      continue;
    }
    if (kind === SEMICOLON) return reject('semicolon');
    if (kind === BACKSLASH) return reject('backslash');
    if (kind !== PERCENT) return reject('invalid_char');

    const byte = escapedByte(target, i, end);
    if (byte < 0) return reject('invalid_percent_encoding');
    if (byte < 0x80) {
      if (UNRESERVED[byte] === 1) {
        if (byte === 0x2e) {
          if (previousWasDot) return reject('dot_segment');
          previousWasDot = true;
        } else {
          previousWasDot = false;
        }
        if (out === null) out = target.slice(0, i);
        out += String.fromCharCode(byte);
      } else {
        if (byte === 0x2f) return reject('encoded_slash');
        if (byte === 0x5c) return reject('backslash');
        if (byte === 0x3b) return reject('semicolon');
        if (byte === 0x25) return reject('double_encoding');
        if (byte < 0x20 || byte === 0x7f) return reject('control_char');
        previousWasDot = false;
        const encoded = `%${HEX_DIGITS[byte >> 4]}${HEX_DIGITS[byte & 15]}`;
        if (out === null && target.slice(i, i + 3) !== encoded) out = target.slice(0, i);
        if (out !== null) out += encoded;
      }
      segmentLength++;
      i += 2;
      continue;
    }

    // A run of escaped non-ASCII bytes: must be well-formed UTF-8 and not a look-alike delimiter.
    const bytes: number[] = [byte];
    let next = i + 3;
    for (;;) {
      if (target.charCodeAt(next) !== 0x25) break;
      const more = escapedByte(target, next, end);
      if (more < 0x80) break;
      bytes.push(more);
      next += 3;
    }
    let text: string;
    try {
      text = UTF8.decode(Uint8Array.from(bytes));
    } catch {
      return reject('invalid_utf8');
    }
    if (hasConfusable(text)) return reject('confusable_char');
    let escaped = '';
    for (const b of bytes) escaped += `%${HEX_DIGITS[b >> 4]}${HEX_DIGITS[b & 15]}`;
    if (out === null && target.slice(i, next) !== escaped) out = target.slice(0, i);
    if (out !== null) out += escaped;
    previousWasDot = false;
    segmentLength++;
    i = next - 1;
  }
  if (end > 1) {
    if (segmentLength === 0) return reject('trailing_slash');
    if (segmentLength === 1 && previousWasDot) return reject('dot_segment');
  }
  const path = out ?? (queryAt === -1 ? target : target.slice(0, end));
  return { ok: true, path, query: queryAt === -1 ? null : target.slice(queryAt + 1) };
}
