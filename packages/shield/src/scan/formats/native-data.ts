const SHF_EXECINSTR = 0x4;
const SHT_NOBITS = 8;
const LC_SEGMENT_64 = 0x19;
const S_ATTR_INSTRUCTIONS = 0x80000000 | 0x400;
const S_ZEROFILL = 0x1;

type Range = [start: number, end: number];

function join(file: Buffer, ranges: Range[]): Buffer | null {
  const kept = ranges.filter(([start, end]) => start < end && end <= file.length).sort((a, b) => a[0] - b[0]);
  if (kept.length === 0) return null;
  const parts: Buffer[] = [];
  let last = 0;
  for (const [start, end] of kept) {
    const from = Math.max(start, last);
    if (from >= end) continue;
    parts.push(file.subarray(from, end), SEPARATOR);
    last = end;
  }
  return Buffer.concat(parts);
}

/**
 * The bytes of a 64-bit little-endian ELF file (an Android `.so`) that can hold a string: every
 * section except executable code and zero-fill, as named by the section header table. Keys are
 * data; machine code is most of a native library and holds none. Null when the table is missing
 * or does not fit the file (then the caller reads the whole file).
 */
export function elfDataSections(file: Buffer): Buffer | null {
  if (file.length < 64 || file[4] !== 2 || file[5] !== 1) return null;
  const tableOffset = Number(file.readBigUInt64LE(0x28));
  const entrySize = file.readUInt16LE(0x3a);
  const count = file.readUInt16LE(0x3c);
  if (count === 0 || entrySize < 64 || tableOffset + count * entrySize > file.length) return null;
  const ranges: Range[] = [];
  for (let index = 1; index < count; index++) {
    const at = tableOffset + index * entrySize;
    const type = file.readUInt32LE(at + 4);
    const flags = Number(file.readBigUInt64LE(at + 8));
    const offset = Number(file.readBigUInt64LE(at + 0x18));
    const size = Number(file.readBigUInt64LE(at + 0x20));
    if (type === SHT_NOBITS || (flags & SHF_EXECINSTR) !== 0) continue;
    if (offset + size > file.length) return null;
    ranges.push([offset, offset + size]);
  }
  return join(file, ranges);
}

/**
 * The same for a 64-bit little-endian Mach-O file (an iOS executable or framework): every
 * section of every segment except instructions and zero-fill, plus the bytes after the last
 * section (link-edit data: symbol and string tables). Null when a load command does not fit.
 */
export function machODataSections(file: Buffer): Buffer | null {
  if (file.length < 32 || file.readUInt32LE(0) !== 0xfeedfacf) return null;
  const commands = file.readUInt32LE(16);
  let at = 32;
  const ranges: Range[] = [];
  let lastSectionEnd = 0;
  for (let index = 0; index < commands; index++) {
    if (at + 8 > file.length) return null;
    const command = file.readUInt32LE(at);
    const size = file.readUInt32LE(at + 4);
    if (size < 8 || at + size > file.length) return null;
    if (command === LC_SEGMENT_64) {
      const sections = file.readUInt32LE(at + 64);
      for (let s = 0; s < sections; s++) {
        const section = at + 72 + s * 80;
        if (section + 80 > at + size) return null;
        const length = Number(file.readBigUInt64LE(section + 40));
        const offset = file.readUInt32LE(section + 48);
        const flags = file.readUInt32LE(section + 64);
        lastSectionEnd = Math.max(lastSectionEnd, offset + length);
        if ((flags & S_ATTR_INSTRUCTIONS) !== 0 || (flags & 0xff) === S_ZEROFILL) continue;
        ranges.push([offset, offset + length]);
      }
    }
    at += size;
  }
  ranges.push([lastSectionEnd, file.length]);
  return join(file, ranges);
}

const SEPARATOR = Buffer.from([0]);
