/**
 * PostgreSQL text cannot hold U+0000, which a JavaScript string (and so an audit field) can. Text
 * columns therefore store a reversible escape: `\` becomes `\\` and U+0000 becomes `\0`; every
 * other character, control characters included, is stored as is. Filters are escaped the same
 * way, so equality lookups still match.
 */
export function encodeText(value: string): string {
  return value.replaceAll('\\', '\\\\').replaceAll('\u0000', '\\0');
}

export function decodeText(value: string): string {
  return value.includes('\\')
    ? value.replace(/\\([\\0])/g, (_, c: string) => (c === '0' ? '\u0000' : '\\'))
    : value;
}

export function encodeNullableText(value: string | null): string | null {
  return value === null ? null : encodeText(value);
}

export function decodeNullableText(value: string | null): string | null {
  return value === null ? null : decodeText(value);
}
