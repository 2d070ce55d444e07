/** Limits applied while decoding a JOSE header or claims set. */
export interface JsonObjectLimits {
  /** Deepest nesting allowed; the top-level object is depth 1. */
  maxDepth: number;
  /**
   * When true every number must be written as a plain non-negative integer of at most 15 digits
   * (`0`, `1700000000`): no sign, fraction or exponent, so `1.5e9` and `1e308` are refused.
   */
  integersOnly: boolean;
}

export type JsonObjectProblem =
  | 'not_utf8'
  | 'not_json'
  | 'not_object'
  | 'duplicate_member'
  | 'too_deep'
  | 'number_not_integer';

export type DecodeJsonObjectResult =
  | { ok: true; value: Record<string, unknown> }
  | { ok: false; problem: JsonObjectProblem };

// ignoreBOM keeps a leading U+FEFF in the text, so JSON.parse refuses it instead of the decoder
// silently dropping it (one encoding per value).
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const MINUS = 0x2d;
const DIGIT_0 = 0x30;
const DIGIT_9 = 0x39;
/** 15 digits: every such integer is exactly representable (< 2^53). */
const MAX_INTEGER_DIGITS = 15;

function isDigit(c: number): boolean {
  return c >= DIGIT_0 && c <= DIGIT_9;
}

function isNumberChar(c: number): boolean {
  // 0-9 + - . e E
  return isDigit(c) || c === 0x2b || c === MINUS || c === 0x2e || c === 0x65 || c === 0x45;
}

/** End index (of the closing quote) of the JSON string starting at `start`. */
function stringEnd(text: string, start: number): number {
  let end = text.indexOf('"', start + 1);
  for (;;) {
    let backslashes = 0;
    for (let k = end - 1; text.charCodeAt(k) === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return end;
    end = text.indexOf('"', end + 1);
  }
}

/** Own member names in the parsed tree (JSON.parse makes `__proto__` an own member too). */
function countMembers(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  let count = 0;
  if (Array.isArray(value)) {
    for (const item of value) count += countMembers(item);
    return count;
  }
  // for...in also walks inherited enumerable names: a polluted Object.prototype makes the counts
  // differ and every object is refused, which fails closed.
  for (const name in value) count += 1 + countMembers((value as Record<string, unknown>)[name]);
  return count;
}

/**
 * Second pass over text that JSON.parse has already accepted. JSON.parse keeps the last of
 * repeated member names, which RFC 7515 §4 allows only if everything downstream agrees; we
 * refuse instead. Since JSON.parse drops exactly one member per repetition, the text has a
 * repeated name somewhere iff it holds more member names than the parsed tree (escaped
 * spellings such as `"\u0061lg"` included). The same pass bounds nesting and, optionally, the
 * form of number literals. Returns the number of member names, or a problem.
 */
function scan(text: string, limits: JsonObjectLimits): number | JsonObjectProblem {
  // Per open container: 1 = object expecting a name, 2 = object expecting a value, 0 = array.
  const stack: number[] = [];
  let names = 0;
  let i = 0;
  const length = text.length;
  while (i < length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (stack[stack.length - 1] === 1) {
        names++;
        stack[stack.length - 1] = 2;
      }
      i = end + 1;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (stack.length >= limits.maxDepth) return 'too_deep';
      stack.push(c === OPEN_OBJECT ? 1 : 0);
      i++;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      stack.pop();
      i++;
    } else if (c === COMMA) {
      if (stack[stack.length - 1] === 2) stack[stack.length - 1] = 1;
      i++;
    } else if (c === MINUS || isDigit(c)) {
      let end = i + 1;
      while (end < length && isNumberChar(text.charCodeAt(end))) end++;
      if (limits.integersOnly && !isPlainInteger(text, i, end)) return 'number_not_integer';
      i = end;
    } else {
      i++;
    }
  }
  return names;
}

/** `0` or `[1-9][0-9]*` of at most 15 digits: no sign, fraction or exponent. */
function isPlainInteger(text: string, start: number, end: number): boolean {
  const digits = end - start;
  if (digits > MAX_INTEGER_DIGITS) return false;
  if (text.charCodeAt(start) === DIGIT_0) return digits === 1;
  for (let k = start; k < end; k++) if (!isDigit(text.charCodeAt(k))) return false;
  return true;
}

/**
 * Decodes UTF-8 bytes holding one JSON object, refusing what JSON.parse would accept but a
 * security decoder must not: invalid UTF-8, a BOM, a non-object top level, duplicate member
 * names, nesting beyond `limits.maxDepth`, and (optionally) non-integer number literals.
 * Pure: it never judges the members themselves.
 *
 * @example
 * ```ts
 * const r = decodeJsonObject(new TextEncoder().encode('{"alg":"ES256"}'), { maxDepth: 1, integersOnly: false });
 * if (r.ok) r.value.alg; // 'ES256'
 * ```
 */
export function decodeJsonObject(bytes: Uint8Array, limits: JsonObjectLimits): DecodeJsonObjectResult {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    return { ok: false, problem: 'not_utf8' };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, problem: 'not_json' };
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { ok: false, problem: 'not_object' };
  }
  const names = scan(text, limits);
  if (typeof names === 'string') return { ok: false, problem: names };
  if (names !== countMembers(value)) return { ok: false, problem: 'duplicate_member' };
  return { ok: true, value: value as Record<string, unknown> };
}
