import type { JsonPathSegment } from './parse-json-path.js';

/** Characters that only format an identifier: `+1 (555) 010-9999` and `+15550109999` are one number. */
const FORMATTING = /[\s()\-.+]/gu;

/**
 * The identifier a `per: 'body'` limit counts by (the phone number of an OTP request, the e-mail
 * of a password reset), or null when the path is absent or holds no string or number. The value
 * is NFKC-normalised, lower-cased, and stripped of spaces, `()`, `-`, `.` and `+`, so spellings of
 * one identifier share one bucket; it may also merge a few distinct ones, which only makes the
 * limit stricter. Pure.
 *
 * @example
 * ```ts
 * readBodyField({ phone: '+1 (555) 010-9999' }, [{ kind: 'name', name: 'phone' }]); // '15550109999'
 * ```
 */
export function readBodyField(
  document: Record<string, unknown>,
  path: readonly JsonPathSegment[],
): string | null {
  let value: unknown = document;
  for (const segment of path) {
    if (segment.kind === 'name') {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
      const object = value as Record<string, unknown>;
      if (!Object.hasOwn(object, segment.name)) return null;
      value = object[segment.name];
    } else if (segment.kind === 'index') {
      if (!Array.isArray(value) || segment.index >= value.length) return null;
      value = value[segment.index];
    } else {
      return null;
    }
  }
  let text: string;
  if (typeof value === 'string') text = value;
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value);
  else return null;
  const normal = text.normalize('NFKC').toLowerCase().replace(FORMATTING, '');
  return normal === '' || normal.length > 512 ? null : normal;
}
