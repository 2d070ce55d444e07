import { FormatError } from './format-error.js';
import type { StringTable } from './string-table.js';

/** First 8 bytes of a Hermes bytecode file (execution form), little-endian 0x1F1903C103BC1FC6. */
export const HERMES_MAGIC = Buffer.from([0xc6, 0x1f, 0xbc, 0x03, 0xc1, 0x03, 0x19, 0x1f]);
/** The delta form's magic is the bitwise complement. */
export const HERMES_DELTA_MAGIC = Buffer.from(HERMES_MAGIC.map((byte) => ~byte & 0xff));

/** Bytecode versions whose string table this reader knows (React Native 0.60 to 0.8x, Hermes V1). */
export const HERMES_MIN_VERSION = 74;
export const HERMES_MAX_VERSION = 99;

const FILE_HEADER_BYTES = 128;
const UTF16_FLAG = 1;
const OVERFLOW_LENGTH = 0xff;

/**
 * The string table of a Hermes bytecode file, in table order. The file header has the same first
 * fields and 128 bytes from version 74 to 99; after it come the function headers (16 bytes each
 * up to version 96, 12 bytes from 97 on, when the function header lost its info offset), then the
 * string kinds, identifier hashes, the small string table (one packed u32 per string: UTF-16
 * flag, 23-bit offset, 8-bit length, 255 meaning "see the overflow table"), the overflow table
 * (u32 offset, u32 length) and the string storage. One-byte strings are Latin-1. Read from
 * Hermes' BytecodeFileFormat.h of each release; throws a FormatError on any out-of-bounds field.
 */
export function readHermesStrings(file: Buffer): { version: number; strings: string[] } {
  const strings: string[] = [];
  const version = visitHermesStrings(file, (utf16, start, bytes) => {
    strings.push(file.toString(utf16 ? 'utf16le' : 'latin1', start, start + bytes));
  });
  return { version, strings };
}

/**
 * The same strings joined by newlines for the scanner, copied straight out of the storage
 * (Latin-1 strings as their bytes, UTF-16 ones re-encoded as UTF-8).
 */
export function readHermesStringTable(file: Buffer): StringTable {
  const pieces: [utf16: boolean, start: number, bytes: number][] = [];
  let total = 0;
  visitHermesStrings(file, (utf16, start, bytes) => {
    pieces.push([utf16, start, bytes]);
    total += (utf16 ? bytes * 2 : bytes) + 1;
  });
  const out = Buffer.allocUnsafe(total);
  const starts: number[] = new Array(pieces.length);
  let position = 0;
  pieces.forEach(([utf16, start, bytes], index) => {
    starts[index] = position;
    position += utf16
      ? out.write(file.toString('utf16le', start, start + bytes), position, 'utf8')
      : file.copy(out, position, start, start + bytes);
    out[position++] = 10;
  });
  return { bytes: out.subarray(0, position), starts };
}

function visitHermesStrings(
  file: Buffer,
  visit: (utf16: boolean, start: number, bytes: number) => void,
): number {
  if (file.length < FILE_HEADER_BYTES) throw new FormatError('Hermes bytecode shorter than its header');
  const magic = file.subarray(0, 8);
  if (!magic.equals(HERMES_MAGIC) && !magic.equals(HERMES_DELTA_MAGIC))
    throw new FormatError('not Hermes bytecode');
  const version = file.readUInt32LE(8);
  if (version < HERMES_MIN_VERSION || version > HERMES_MAX_VERSION)
    throw new FormatError(
      `Hermes bytecode version ${version} is not one this scanner knows (${HERMES_MIN_VERSION}-${HERMES_MAX_VERSION})`,
    );
  const functionCount = file.readUInt32LE(40);
  const stringKindCount = file.readUInt32LE(44);
  const identifierCount = file.readUInt32LE(48);
  const stringCount = file.readUInt32LE(52);
  const overflowCount = file.readUInt32LE(56);
  const storageBytes = file.readUInt32LE(60);
  const functionHeaderBytes = version <= 96 ? 16 : 12;
  const smallTable =
    FILE_HEADER_BYTES + functionCount * functionHeaderBytes + (stringKindCount + identifierCount) * 4;
  const overflowTable = smallTable + stringCount * 4;
  const storage = overflowTable + overflowCount * 8;
  if (storage + storageBytes > file.length)
    throw new FormatError(
      `Hermes string table runs past the end of the file (${storage + storageBytes} > ${file.length})`,
    );
  for (let index = 0; index < stringCount; index++) {
    const entry = file.readUInt32LE(smallTable + index * 4);
    const utf16 = (entry & UTF16_FLAG) !== 0;
    let offset = (entry >>> 1) & 0x7fffff;
    let length = entry >>> 24;
    if (length === OVERFLOW_LENGTH) {
      if (offset >= overflowCount)
        throw new FormatError(`Hermes string ${index} names a missing overflow entry`);
      length = file.readUInt32LE(overflowTable + offset * 8 + 4);
      offset = file.readUInt32LE(overflowTable + offset * 8);
    }
    const bytes = utf16 ? length * 2 : length;
    if (offset + bytes > storageBytes)
      throw new FormatError(`Hermes string ${index} runs past the string storage`);
    visit(utf16, storage + offset, bytes);
  }
  return version;
}
