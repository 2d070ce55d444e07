import { FormatError } from './format-error.js';

/** Chunk type of an Android resource string pool (ResStringPool_header). */
export const RES_STRING_POOL_TYPE = 0x0001;
const UTF8_FLAG = 1 << 8;

/**
 * Reads the string pool chunk at `offset` of an Android binary resource file (resources.arsc,
 * binary XML): UTF-8 pools (length in chars and in bytes, each one or two bytes) and UTF-16 pools
 * (length in units, one or two u16). Throws a FormatError on anything outside the chunk.
 */
export function readResStringPool(file: Buffer, offset: number): { strings: string[]; size: number } {
  if (offset + 28 > file.length || file.readUInt16LE(offset) !== RES_STRING_POOL_TYPE)
    throw new FormatError(`no string pool at offset ${offset}`);
  const headerSize = file.readUInt16LE(offset + 2);
  const size = file.readUInt32LE(offset + 4);
  const count = file.readUInt32LE(offset + 8);
  const flags = file.readUInt32LE(offset + 16);
  const stringsStart = file.readUInt32LE(offset + 20);
  const end = offset + size;
  if (end > file.length || headerSize < 28 || offset + headerSize + count * 4 > end)
    throw new FormatError(`string pool at offset ${offset} runs past its chunk`);
  const utf8 = (flags & UTF8_FLAG) !== 0;
  const base = offset + stringsStart;
  const strings: string[] = new Array(count);
  for (let index = 0; index < count; index++) {
    let at = base + file.readUInt32LE(offset + headerSize + index * 4);
    if (at + 2 > end) throw new FormatError(`string ${index} of the pool at ${offset} is outside it`);
    if (utf8) {
      at += (file[at]! & 0x80) !== 0 ? 2 : 1; // length in characters
      let bytes = file[at]!;
      if ((bytes & 0x80) !== 0) bytes = ((bytes & 0x7f) << 8) | file[++at]!;
      at += 1;
      if (at + bytes > end) throw new FormatError(`string ${index} of the pool at ${offset} runs past it`);
      strings[index] = file.toString('utf8', at, at + bytes);
    } else {
      let units = file.readUInt16LE(at);
      at += 2;
      if ((units & 0x8000) !== 0) {
        units = ((units & 0x7fff) << 16) | file.readUInt16LE(at);
        at += 2;
      }
      if (at + units * 2 > end)
        throw new FormatError(`string ${index} of the pool at ${offset} runs past it`);
      strings[index] = file.toString('utf16le', at, at + units * 2);
    }
  }
  return { strings, size };
}
