// Builders of real file formats for the scanner's tests and benchmark: each writes the structure
// the platform's own tools produce (headers, tables, offsets), small enough to read by eye.
import { createHash, randomBytes } from 'node:crypto';

function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(value);
  return b;
}
function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(value >>> 0);
  return b;
}
function u64(value: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(value));
  return b;
}
function pad4(buffer: Buffer): Buffer {
  return buffer.length % 4 === 0 ? buffer : Buffer.concat([buffer, Buffer.alloc(4 - (buffer.length % 4))]);
}
function uleb128(value: number): Buffer {
  const bytes: number[] = [];
  do {
    let byte = value & 0x7f;
    value >>>= 7;
    if (value !== 0) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0);
  return Buffer.from(bytes);
}
function adler32(data: Buffer): number {
  let a = 1;
  let b = 0;
  for (const byte of data) {
    a = (a + byte) % 65521;
    b = (b + a) % 65521;
  }
  return ((b << 16) | a) >>> 0;
}
function fixed(text: string, size: number): Buffer {
  const b = Buffer.alloc(size);
  b.write(text, 'latin1');
  return b;
}

/** Bytes that look like machine code: random, so no keyword appears by accident. */
export function codeBytes(size: number): Buffer {
  return randomBytes(size);
}

/**
 * A DEX file (version 035) whose string table holds `strings` (sorted, as dx/d8 sort them), with
 * a map list, the Adler-32 checksum and the SHA-1 signature filled in.
 */
export function buildDex(strings: readonly string[]): Buffer {
  const sorted = [...new Set(strings)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const headerSize = 0x70;
  const idsOffset = headerSize;
  let dataOffset = idsOffset + sorted.length * 4;
  const data: Buffer[] = [];
  const offsets: number[] = [];
  for (const value of sorted) {
    offsets.push(dataOffset);
    const item = Buffer.concat([uleb128(value.length), Buffer.from(value, 'utf8'), Buffer.from([0])]);
    data.push(item);
    dataOffset += item.length;
  }
  const stringData = Buffer.concat(data);
  const beforeMap = idsOffset + sorted.length * 4 + stringData.length;
  const mapOffset = beforeMap + ((4 - (beforeMap % 4)) % 4);
  const mapItems = [
    [0x0000, 1, 0],
    [0x0001, sorted.length, idsOffset],
    [0x2002, sorted.length, idsOffset + sorted.length * 4],
    [0x1000, 1, mapOffset],
  ];
  const map = Buffer.concat([
    u32(mapItems.length),
    ...mapItems.map(([type, size, off]) => Buffer.concat([u16(type!), u16(0), u32(size!), u32(off!)])),
  ]);
  const fileSize = mapOffset + map.length;
  const file = Buffer.alloc(fileSize);
  file.write('dex\n035\0', 0, 'latin1');
  file.writeUInt32LE(fileSize, 32);
  file.writeUInt32LE(headerSize, 36);
  file.writeUInt32LE(0x12345678, 40);
  file.writeUInt32LE(mapOffset, 52);
  file.writeUInt32LE(sorted.length, 56);
  file.writeUInt32LE(idsOffset, 60);
  file.writeUInt32LE(fileSize - (idsOffset + sorted.length * 4), 104);
  file.writeUInt32LE(idsOffset + sorted.length * 4, 108);
  offsets.forEach((offset, index) => {
    file.writeUInt32LE(offset, idsOffset + index * 4);
  });
  stringData.copy(file, idsOffset + sorted.length * 4);
  map.copy(file, mapOffset);
  createHash('sha1').update(file.subarray(32)).digest().copy(file, 12);
  file.writeUInt32LE(adler32(file.subarray(12)), 8);
  return file;
}

/** An Android resource string pool chunk, UTF-8 (resources.arsc) or UTF-16 (binary XML). */
export function buildStringPool(strings: readonly string[], utf8: boolean): Buffer {
  const encoded = strings.map((value) => {
    if (utf8) {
      const bytes = Buffer.from(value, 'utf8');
      const length = (n: number) => (n < 0x80 ? Buffer.from([n]) : Buffer.from([0x80 | (n >> 8), n & 0xff]));
      return Buffer.concat([length(value.length), length(bytes.length), bytes, Buffer.from([0])]);
    }
    const units = Buffer.from(value, 'utf16le');
    return Buffer.concat([u16(value.length), units, u16(0)]);
  });
  const offsets: number[] = [];
  let at = 0;
  for (const item of encoded) {
    offsets.push(at);
    at += item.length;
  }
  const headerSize = 28;
  const stringsStart = headerSize + strings.length * 4;
  const body = pad4(Buffer.concat(encoded));
  const size = stringsStart + body.length;
  return Buffer.concat([
    u16(0x0001),
    u16(headerSize),
    u32(size),
    u32(strings.length),
    u32(0),
    u32(utf8 ? 1 << 8 : 0),
    u32(stringsStart),
    u32(0),
    ...offsets.map(u32),
    body,
  ]);
}

/**
 * A compiled resource table as aapt2 writes it: the global string pool (UTF-8), and one package
 * whose `string` type holds one entry per `strings` name, pointing at its value in the pool.
 */
export function buildResourceTable(values: readonly string[], strings: Record<string, string> = {}): Buffer {
  const names = Object.keys(strings);
  const pool = buildStringPool([...values, ...Object.values(strings)], true);
  const typePool = buildStringPool(['string'], false);
  const keyPool = buildStringPool(names, false);
  const config = Buffer.concat([u32(64), Buffer.alloc(60)]);
  const typeHeaderSize = 20 + config.length;
  const entries = names.map((_, index) =>
    Buffer.concat([u16(8), u16(0), u32(index), u16(8), Buffer.from([0, 0x03]), u32(values.length + index)]),
  );
  const offsets = entries.map((_, index) => u32(index * 16));
  const entriesStart = typeHeaderSize + offsets.length * 4;
  const typeBody = Buffer.concat([...offsets, ...entries]);
  const typeChunk = Buffer.concat([
    u16(0x0201),
    u16(typeHeaderSize),
    u32(typeHeaderSize + typeBody.length),
    Buffer.from([1, 0]),
    u16(0),
    u32(names.length),
    u32(entriesStart),
    config,
    typeBody,
  ]);
  const packageHeaderSize = 288;
  const packageName = Buffer.alloc(256);
  packageName.write('com.example.shop', 'utf16le');
  const packageBody = Buffer.concat([typePool, keyPool, typeChunk]);
  const packageChunk = Buffer.concat([
    u16(0x0200),
    u16(packageHeaderSize),
    u32(packageHeaderSize + packageBody.length),
    u32(0x7f),
    packageName,
    u32(packageHeaderSize),
    u32(1),
    u32(packageHeaderSize + typePool.length),
    u32(names.length),
    u32(0),
    packageBody,
  ]);
  const body = Buffer.concat([pool, packageChunk]);
  return Buffer.concat([u16(0x0002), u16(12), u32(12 + body.length), u32(1), body]);
}

/** One element of {@link buildBinaryXml}: a tag with android: attributes (string values). */
export interface XmlElement {
  tag: string;
  attributes: Record<string, string>;
  children?: XmlElement[];
}

/** A binary XML document (AndroidManifest.xml as aapt2 compiles it): UTF-16 pool, namespace, elements. */
export function buildBinaryXml(root: XmlElement): Buffer {
  const strings: string[] = [];
  const index = (value: string) => {
    let at = strings.indexOf(value);
    if (at === -1) at = strings.push(value) - 1;
    return at;
  };
  const ns = index('http://schemas.android.com/apk/res/android');
  const prefix = index('android');
  const chunks: Buffer[] = [];
  const node = (type: number, body: Buffer) =>
    Buffer.concat([u16(type), u16(16), u32(16 + body.length), u32(1), u32(0xffffffff), body]);
  chunks.push(node(0x0100, Buffer.concat([u32(prefix), u32(ns)])));
  const visit = (element: XmlElement) => {
    const attributes = Object.entries(element.attributes).map(([name, value]) =>
      Buffer.concat([
        u32(ns),
        u32(index(name)),
        u32(index(value)),
        u16(8),
        Buffer.from([0, 0x03]),
        u32(index(value)),
      ]),
    );
    const ext = Buffer.concat([
      u32(0xffffffff),
      u32(index(element.tag)),
      u16(20),
      u16(20),
      u16(attributes.length),
      u16(0),
      u16(0),
      u16(0),
    ]);
    chunks.push(node(0x0102, Buffer.concat([ext, ...attributes])));
    for (const child of element.children ?? []) visit(child);
    chunks.push(node(0x0103, Buffer.concat([u32(0xffffffff), u32(index(element.tag))])));
  };
  visit(root);
  chunks.push(node(0x0101, Buffer.concat([u32(prefix), u32(ns)])));
  const pool = buildStringPool(strings, false);
  const body = Buffer.concat([pool, ...chunks]);
  return Buffer.concat([u16(0x0003), u16(8), u32(8 + body.length), body]);
}

/**
 * A 64-bit little-endian ELF shared object (AArch64) with `.text` (`codeSize` bytes), `.rodata`
 * holding `strings` and then `dataSize` bytes of other constants, and `.shstrtab`.
 */
export function buildElf(strings: readonly string[], codeSize = 4096, dataSize = 0): Buffer {
  const text = codeBytes(codeSize);
  const rodata = Buffer.concat([Buffer.from(`${strings.join('\0')}\0`, 'latin1'), codeBytes(dataSize)]);
  const shstrtab = Buffer.from('\0.text\0.rodata\0.shstrtab\0', 'latin1');
  const textOffset = 64;
  const rodataOffset = textOffset + text.length;
  const shstrOffset = rodataOffset + rodata.length;
  const shOffset = shstrOffset + shstrtab.length + ((8 - ((shstrOffset + shstrtab.length) % 8)) % 8);
  const header = Buffer.concat([
    Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]),
    Buffer.alloc(8),
    u16(3),
    u16(0xb7),
    u32(1),
    u64(0),
    u64(0),
    u64(shOffset),
    u32(0),
    u16(64),
    u16(56),
    u16(0),
    u16(64),
    u16(4),
    u16(3),
  ]);
  const section = (name: number, type: number, flags: number, offset: number, size: number, align: number) =>
    Buffer.concat([
      u32(name),
      u32(type),
      u64(flags),
      u64(offset),
      u64(offset),
      u64(size),
      u32(0),
      u32(0),
      u64(align),
      u64(0),
    ]);
  const sections = Buffer.concat([
    Buffer.alloc(64),
    section(1, 1, 6, textOffset, text.length, 16),
    section(7, 1, 2, rodataOffset, rodata.length, 1),
    section(15, 3, 0, shstrOffset, shstrtab.length, 1),
  ]);
  const body = Buffer.concat([header, text, rodata, shstrtab]);
  return Buffer.concat([body, Buffer.alloc(shOffset - body.length), sections]);
}

/** A 64-bit Mach-O executable (arm64) with one `__TEXT` segment: code, then `__cstring` holding `strings`. */
export function buildMachO(strings: readonly string[], codeSize = 4096): Buffer {
  const cstrings = Buffer.from(`${strings.join('\0')}\0`, 'latin1');
  const commandsSize = 72 + 80;
  const codeOffset = 32 + commandsSize;
  const cstringOffset = codeOffset + codeSize;
  const total = cstringOffset + cstrings.length;
  const header = Buffer.concat([
    u32(0xfeedfacf),
    u32(0x0100000c),
    u32(0),
    u32(2),
    u32(1),
    u32(commandsSize),
    u32(0),
    u32(0),
  ]);
  const segment = Buffer.concat([
    u32(0x19),
    u32(commandsSize),
    fixed('__TEXT', 16),
    u64(0x100000000),
    u64(total),
    u64(0),
    u64(total),
    u32(5),
    u32(5),
    u32(1),
    u32(0),
  ]);
  const section = Buffer.concat([
    fixed('__cstring', 16),
    fixed('__TEXT', 16),
    u64(0x100000000 + cstringOffset),
    u64(cstrings.length),
    u32(cstringOffset),
    u32(0),
    u32(0),
    u32(0),
    u32(0x2),
    u32(0),
    u32(0),
    u32(0),
  ]);
  return Buffer.concat([header, segment, section, codeBytes(codeSize), cstrings]);
}

/** The first bytes of a PNG image followed by noise: what the scanner must skip as media. */
export function buildPng(size: number): Buffer {
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    randomBytes(Math.max(0, size - 8)),
  ]);
}
