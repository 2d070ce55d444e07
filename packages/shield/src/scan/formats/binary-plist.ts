import { FormatError } from './format-error.js';

export const BPLIST_MAGIC = Buffer.from('bplist00', 'latin1');
const TRAILER_BYTES = 32;
/** Objects read at most; Info.plist files hold a few hundred. */
const MAX_OBJECTS = 1_000_000;

/**
 * The strings of a binary property list (`bplist00`: Info.plist, GoogleService-Info.plist): one
 * `key = "value"` line for every dictionary entry whose key and value are strings, then every
 * string. Objects are read one by one from the offset table, never by following references, so a
 * list that shares or nests objects cannot make the reader expand them. Throws a FormatError on
 * anything outside the file.
 */
export function readBinaryPlistStrings(file: Buffer): string[] {
  if (file.length < BPLIST_MAGIC.length + TRAILER_BYTES || !file.subarray(0, 8).equals(BPLIST_MAGIC))
    throw new FormatError('not a binary property list');
  const trailer = file.length - TRAILER_BYTES;
  const offsetSize = file[trailer + 6]!;
  const refSize = file[trailer + 7]!;
  const count = Number(file.readBigUInt64BE(trailer + 8));
  const tableOffset = Number(file.readBigUInt64BE(trailer + 24));
  if (offsetSize < 1 || offsetSize > 8 || refSize < 1 || refSize > 8 || count > MAX_OBJECTS)
    throw new FormatError('binary property list with an impossible trailer');
  if (tableOffset + count * offsetSize > trailer)
    throw new FormatError('binary property list offset table runs past the file');
  const uint = (at: number, size: number): number => {
    if (at + size > trailer) throw new FormatError('binary property list object runs past the file');
    let value = 0;
    for (let i = 0; i < size; i++) value = value * 256 + file[at + i]!;
    return value;
  };
  const offsets: number[] = new Array(count);
  for (let index = 0; index < count; index++)
    offsets[index] = uint(tableOffset + index * offsetSize, offsetSize);
  /** Length of the object at `at` (its info nibble, or the integer that follows) and where its data starts. */
  const lengthOf = (at: number): [number, number] => {
    const info = file[at]! & 0x0f;
    if (info !== 0x0f) return [info, at + 1];
    const marker = file[at + 1]!;
    if (marker >> 4 !== 0x1) throw new FormatError('binary property list length is not an integer');
    const size = 1 << (marker & 0x0f);
    return [uint(at + 2, size), at + 2 + size];
  };
  const stringAt = (index: number): string | undefined => {
    const at = offsets[index];
    if (at === undefined || at >= trailer) return undefined;
    const type = file[at]! >> 4;
    if (type !== 0x5 && type !== 0x6) return undefined;
    const [length, start] = lengthOf(at);
    const bytes = type === 0x5 ? length : length * 2;
    if (start + bytes > trailer) throw new FormatError('binary property list string runs past the file');
    if (type === 0x5) return file.toString('latin1', start, start + bytes);
    return Buffer.from(file.subarray(start, start + bytes))
      .swap16()
      .toString('utf16le');
  };
  const pairs: string[] = [];
  const strings: string[] = [];
  for (let index = 0; index < count; index++) {
    const at = offsets[index]!;
    if (at >= trailer) throw new FormatError(`binary property list object ${index} is outside the file`);
    const type = file[at]! >> 4;
    if (type === 0x5 || type === 0x6) strings.push(stringAt(index)!);
    else if (type === 0xd) {
      const [entries, start] = lengthOf(at);
      for (let i = 0; i < entries; i++) {
        const key = stringAt(uint(start + i * refSize, refSize));
        const value = stringAt(uint(start + (entries + i) * refSize, refSize));
        if (key !== undefined && value !== undefined) pairs.push(`${key} = "${value}"`);
      }
    }
  }
  return [...pairs, ...strings];
}
