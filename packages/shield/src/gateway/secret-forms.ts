/**
 * Base64 slices shorter than this are not looked for: the slice of a 3-byte secret is 2 or 3
 * characters, which almost any response contains. Every other form is at least as long as the secret.
 */
export const MIN_BASE64_SLICE = 8;

const ZERO = Buffer.alloc(2);

/** ASCII letters to lower case; every other byte as it is. The scanner folds the response the same way. */
export function foldCase(bytes: Buffer): Buffer {
  const out = Buffer.from(bytes);
  for (let i = 0; i < out.length; i++) {
    const b = out[i]!;
    if (b >= 0x41 && b <= 0x5a) out[i] = b | 0x20;
  }
  return out;
}

/**
 * The base64 characters that depend only on `bytes` when they sit at a byte offset ≡ `lead`
 * (mod 3) inside a longer encoded stream (`Basic base64(user:secret)`, a base64 request dump):
 * the characters that mix in neighbouring bytes are cut off at both ends, and so is padding.
 */
function base64Slice(bytes: Buffer, lead: number): string {
  const encoded = Buffer.concat([ZERO.subarray(0, lead), bytes]).toString('base64');
  return encoded.slice(Math.ceil((8 * lead) / 6), Math.floor((8 * (lead + bytes.length)) / 6));
}

const UNICODE_ESCAPE = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;

interface JsonStyle {
  /** `/` as `\/` (PHP, some Java serializers). */
  slash: boolean;
  /** `<`, `>`, `&` as `\u003c`... (Go's encoding/json). */
  html: boolean;
  /** Every character above 0x7e as `\uXXXX` (Python's and PHP's defaults). */
  nonAscii: boolean;
  /** Every character as `\uXXXX`. */
  all: boolean;
}

const JSON_STYLES: readonly JsonStyle[] = [
  { slash: false, html: false, nonAscii: false, all: false },
  { slash: true, html: false, nonAscii: false, all: false },
  { slash: false, html: true, nonAscii: false, all: false },
  { slash: false, html: false, nonAscii: true, all: false },
  { slash: true, html: false, nonAscii: true, all: false },
  { slash: false, html: false, nonAscii: false, all: true },
];

/** The inside of a JSON string literal holding `text`, as a serializer of the given style writes it. */
function jsonEscape(text: string, style: JsonStyle): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    const code = text.charCodeAt(i);
    if (style.all) out += UNICODE_ESCAPE(code);
    else if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20) out += UNICODE_ESCAPE(code);
    else if (ch === '/' && style.slash) out += '\\/';
    else if ((ch === '<' || ch === '>' || ch === '&') && style.html) out += UNICODE_ESCAPE(code);
    else if (code > 0x7e && style.nonAscii) out += UNICODE_ESCAPE(code);
    else out += ch;
  }
  return out;
}

/** `%XX` for every byte. */
function percentEveryByte(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) out += `%${b.toString(16).padStart(2, '0')}`;
  return out;
}

/** RFC 3986 strict: encodeURIComponent plus `!'()*`. */
function percentStrict(text: string): string {
  return encodeURIComponent(text).replace(
    /[!'()*]/g,
    (ch) => `%${ch.charCodeAt(0).toString(16).padStart(2, '0')}`,
  );
}

/** application/x-www-form-urlencoded, as URLSearchParams writes it (space as `+`). */
function percentForm(text: string): string {
  return new URLSearchParams([['', text]]).toString().slice(1);
}

/**
 * Every byte sequence that betrays `secret` in a response, case-folded (ASCII) and without
 * duplicates: the raw value (its Latin-1 bytes, as it went out in the header, and its UTF-8 bytes),
 * UTF-16, hex, base64 and base64url at the three alignments a longer encoded stream can put it at
 * (padding excluded, so padded and unpadded streams both match), percent-encoded (JavaScript's
 * encodeURIComponent, RFC 3986 strict, form encoding, every byte), and JSON-escaped as common
 * serializers write it (`\/`, `\u003c`-style HTML escapes, `\uXXXX` for non-ASCII or for every
 * character). Base64 slices are also looked for percent-encoded and with `\/`. Letter case is
 * folded away on both sides, so upper-case copies and upper- or lower-case hex all match.
 *
 * @example
 * secretForms('sk_live_abc/123'); // [raw, %-encoded, \/-escaped, base64 slices, hex, ...]
 */
export function secretForms(secret: string): Buffer[] {
  const forms = new Map<string, Buffer>();
  const add = (bytes: Buffer) => {
    const folded = foldCase(bytes);
    forms.set(folded.toString('latin1'), folded);
  };
  const addText = (text: string) => add(Buffer.from(text, 'utf8'));

  const latin1 = Buffer.from(secret, 'latin1');
  const utf8 = Buffer.from(secret, 'utf8');
  const sources = latin1.equals(utf8) ? [latin1] : [latin1, utf8];
  for (const bytes of sources) {
    add(bytes);
    addText(bytes.toString('hex'));
    addText(percentEveryByte(bytes));
    for (let lead = 0; lead < 3; lead++) {
      const std = base64Slice(bytes, lead);
      if (std.length < MIN_BASE64_SLICE) continue;
      addText(std);
      addText(std.replaceAll('+', '-').replaceAll('/', '_'));
      addText(encodeURIComponent(std));
      addText(std.replaceAll('/', '\\/'));
    }
  }
  const utf16 = Buffer.from(secret, 'utf16le');
  add(utf16);
  add(Buffer.from(utf16).swap16());
  addText(encodeURIComponent(secret));
  addText(percentStrict(secret));
  addText(percentForm(secret));
  for (const style of JSON_STYLES) addText(jsonEscape(secret, style));
  return [...forms.values()];
}
