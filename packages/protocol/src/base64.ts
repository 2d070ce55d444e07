/**
 * Base64 without `Buffer`, `atob` or `btoa` (absent or partial in some React Native engines).
 * Decoding is strict: characters of one alphabet only, no stray bits; ASCII whitespace is
 * skipped only where a bridge is known to wrap lines (`decodeBase64(text, { skipWhitespace })`).
 */

const STANDARD = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const URL_SAFE = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

function table(alphabet: string): Int8Array {
  const out = new Int8Array(128).fill(-1);
  for (let i = 0; i < alphabet.length; i++) out[alphabet.charCodeAt(i)] = i;
  return out;
}

const DECODE_STANDARD = table(STANDARD);
const DECODE_URL_SAFE = table(URL_SAFE);
const WHITESPACE = /[\t\n\f\r ]/g;

function encode(bytes: Uint8Array, alphabet: string, pad: boolean): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + alphabet[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + (pad ? '==' : '');
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += alphabet[n >> 18]! + alphabet[(n >> 12) & 63]! + alphabet[(n >> 6) & 63]! + (pad ? '=' : '');
  }
  return out;
}

/** Standard base64 with padding (RFC 4648 §4): the protocol's `b64`. */
export function encodeBase64(bytes: Uint8Array): string {
  return encode(bytes, STANDARD, true);
}

/** base64url without padding (RFC 4648 §5): the protocol's `b64url`. */
export function encodeBase64Url(bytes: Uint8Array): string {
  return encode(bytes, URL_SAFE, false);
}

/**
 * Decodes standard base64 (padding optional) or, with `urlSafe`, base64url. Returns undefined for
 * anything else: a character outside the alphabet, misplaced padding, a dangling character or
 * non-zero unused bits.
 */
export function decodeBase64(
  text: string,
  options: { urlSafe?: boolean; skipWhitespace?: boolean } = {},
): Uint8Array | undefined {
  let body = options.skipWhitespace === true ? text.replace(WHITESPACE, '') : text;
  if (!options.urlSafe) {
    if (body.length % 4 === 0 && body.endsWith('==')) body = body.slice(0, -2);
    else if (body.length % 4 === 0 && body.endsWith('=')) body = body.slice(0, -1);
  }
  if (body.length % 4 === 1) return undefined;
  const decode = options.urlSafe ? DECODE_URL_SAFE : DECODE_STANDARD;
  const out = new Uint8Array(Math.floor((body.length * 3) / 4));
  let value = 0;
  let bits = 0;
  let at = 0;
  for (let i = 0; i < body.length; i++) {
    const code = body.charCodeAt(i);
    const digit = code < 128 ? decode[code]! : -1;
    if (digit < 0) return undefined;
    value = (value << 6) | digit;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[at++] = (value >> bits) & 0xff;
      value &= (1 << bits) - 1;
    }
  }
  if (value !== 0) return undefined;
  return out;
}
