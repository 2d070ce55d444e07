import { FormatError } from './format-error.js';
import type { StringTable } from './string-table.js';

/**
 * The string table of a DEX file (classes.dex): `string_ids` (u32 offsets at header offset 60,
 * count at 56) point at `string_data_item`s, a ULEB128 UTF-16 length and MUTF-8 bytes up to a NUL.
 * The bytes are kept as they are (MUTF-8 equals UTF-8 for the ASCII every key is made of),
 * joined by newlines. Throws a FormatError on an offset outside the file.
 */
export function readDexStrings(file: Buffer): StringTable {
  if (file.length < 0x70 || file.toString('latin1', 0, 4) !== 'dex\n')
    throw new FormatError('not a DEX file');
  const count = file.readUInt32LE(56);
  const idsOffset = file.readUInt32LE(60);
  if (idsOffset + count * 4 > file.length)
    throw new FormatError('DEX string ids run past the end of the file');
  // Two passes: find each string, then copy them all into one buffer (no object per string).
  const ends: number[] = new Array(count);
  const starts: number[] = new Array(count);
  const from: number[] = new Array(count);
  let total = 0;
  for (let index = 0; index < count; index++) {
    let at = file.readUInt32LE(idsOffset + index * 4);
    if (at >= file.length) throw new FormatError(`DEX string ${index} points past the end of the file`);
    for (let shift = 0; shift < 35 && at < file.length; shift += 7) if ((file[at++]! & 0x80) === 0) break;
    const end = file.indexOf(0, at);
    if (end === -1) throw new FormatError(`DEX string ${index} has no terminating NUL`);
    from[index] = at;
    ends[index] = end;
    starts[index] = total;
    total += end - at + 1;
  }
  const bytes = Buffer.allocUnsafe(total);
  for (let index = 0; index < count; index++) {
    const position = starts[index]!;
    const length = file.copy(bytes, position, from[index]!, ends[index]!);
    bytes[position + length] = 10;
  }
  return { bytes, starts };
}
