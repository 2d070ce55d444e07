import { type CBORType, decodeCBOR, decodePartialCBOR } from '@levischuck/tiny-cbor';

/** A plain Uint8Array view (tiny-cbor refuses Buffer and other subclasses). */
export function plainBytes(data: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(data) === Uint8Array.prototype
    ? data
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * Decodes exactly one CBOR item filling all of `data`, or returns undefined: truncation,
 * trailing bytes, indefinite lengths, non-minimal lengths, duplicate map keys, deep nesting
 * (stack exhaustion) and every other parser throw become a refusal.
 */
export function decodeCborItem(data: Uint8Array): CBORType | undefined {
  if (data.byteLength === 0) return undefined;
  try {
    return decodeCBOR(plainBytes(data));
  } catch {
    return undefined;
  }
}

/**
 * Decodes one CBOR item starting at `offset` of `data` and returns it with the offset after it,
 * or undefined when it is malformed or claims bytes beyond the end of `data`.
 */
export function decodeCborItemAt(
  data: Uint8Array,
  offset: number,
): { value: CBORType; end: number } | undefined {
  if (offset < 0 || offset >= data.byteLength) return undefined;
  try {
    const [value, consumed] = decodePartialCBOR(plainBytes(data), offset);
    const end = offset + consumed;
    // tiny-cbor slices byte strings without checking the declared length against the input.
    return end <= data.byteLength ? { value, end } : undefined;
  } catch {
    return undefined;
  }
}
