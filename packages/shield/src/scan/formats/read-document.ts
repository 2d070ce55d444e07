import { readBinaryXmlStrings, readResourceTableStrings } from './android-binary-xml.js';
import { BPLIST_MAGIC, readBinaryPlistStrings } from './binary-plist.js';
import { readDexStrings } from './dex-strings.js';
import { HERMES_DELTA_MAGIC, HERMES_MAGIC, readHermesStringTable } from './hermes-strings.js';
import { elfDataSections, machODataSections } from './native-data.js';
import { type StringTable, stringIndexAt, stringTable } from './string-table.js';

/** Bytes ready for the rules, with a way back from an offset to a line or string number. */
export interface ScanDocument {
  /** `text`, `hermes`, `dex`, `axml`, `arsc`, `plist`, `elf`, `mach-o` or `binary`. */
  format: string;
  /** Text (names stand next to values) rather than binary strings. */
  textual: boolean;
  bytes: Buffer;
  /** 1-based line, or string number in a string table; undefined for raw binary. */
  locate(offset: number): number | undefined;
}

/** What the bytes of one file are. */
export type Classified =
  | { kind: 'archive' }
  | { kind: 'media'; format: string }
  | { kind: 'document'; read: () => ScanDocument };

const ZIP_MAGICS = [Buffer.from('PK\x03\x04', 'latin1'), Buffer.from('PK\x05\x06', 'latin1')];
const MEDIA: [string, Buffer, number][] = [
  ['png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), 0],
  ['jpeg', Buffer.from([0xff, 0xd8, 0xff]), 0],
  ['gif', Buffer.from('GIF8', 'latin1'), 0],
  ['webp', Buffer.from('WEBP', 'latin1'), 8],
  ['ogg', Buffer.from('OggS', 'latin1'), 0],
  ['mp4', Buffer.from('ftyp', 'latin1'), 4],
  ['woff', Buffer.from('wOFF', 'latin1'), 0],
  ['woff2', Buffer.from('wOF2', 'latin1'), 0],
  ['otf', Buffer.from('OTTO', 'latin1'), 0],
];
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46]);
const MACH_O_MAGICS = [0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].map((n) => {
  const magic = Buffer.alloc(4);
  magic.writeUInt32BE(n);
  return magic;
});
/** Bytes looked at to tell text from binary. */
const SNIFF_BYTES = 8192;

const startsWith = (bytes: Buffer, magic: Buffer, at = 0) =>
  bytes.length >= at + magic.length && bytes.subarray(at, at + magic.length).equals(magic);

function fromTable(format: string, table: StringTable): ScanDocument {
  return {
    format,
    textual: true,
    bytes: table.bytes,
    locate: (offset) => stringIndexAt(table.starts, offset),
  };
}

function binary(format: string, bytes: Buffer): ScanDocument {
  return { format, textual: false, bytes, locate: () => undefined };
}

/** A text document; lines are counted only when a finding asks for one. */
export function textDocument(bytes: Buffer): ScanDocument {
  let lineStarts: number[] | undefined;
  return {
    format: 'text',
    textual: true,
    bytes,
    locate(offset) {
      if (lineStarts === undefined) {
        lineStarts = [0];
        for (let at = bytes.indexOf(10); at !== -1; at = bytes.indexOf(10, at + 1)) lineStarts.push(at + 1);
      }
      return stringIndexAt(lineStarts, offset);
    },
  };
}

/** `true` when the first bytes hold no NUL and few control characters. */
export function looksLikeText(bytes: Buffer): boolean {
  const end = Math.min(bytes.length, SNIFF_BYTES);
  let control = 0;
  for (let i = 0; i < end; i++) {
    const byte = bytes[i]!;
    if (byte === 0) return false;
    if (byte < 9 || (byte > 13 && byte < 32)) control++;
  }
  return control * 100 <= end;
}

/** An XML property list with its `<key>name</key><string>value</string>` pairs added as lines. */
function xmlPlist(bytes: Buffer): ScanDocument {
  const text = bytes.toString('utf8');
  const pairs = [...text.matchAll(/<key>([^<]{1,200})<\/key>\s*<string>([^<]{0,10000})<\/string>/g)].map(
    ([, key, value]) => `${key} = "${value}"`,
  );
  return pairs.length === 0
    ? textDocument(bytes)
    : textDocument(Buffer.from(`${text}\n${pairs.join('\n')}\n`));
}

/**
 * Tells what `bytes` are from their magic bytes (the name only breaks ties between text
 * formats): a ZIP archive (APK, AAB, IPA, JAR, AAR), a media file (skipped: images, audio,
 * fonts carry no keys as text), or a document the rules can read.
 */
export function classify(bytes: Buffer): Classified {
  if (ZIP_MAGICS.some((magic) => startsWith(bytes, magic))) return { kind: 'archive' };
  for (const [format, magic, at] of MEDIA) if (startsWith(bytes, magic, at)) return { kind: 'media', format };
  if (startsWith(bytes, HERMES_MAGIC) || startsWith(bytes, HERMES_DELTA_MAGIC))
    return {
      kind: 'document',
      read: () => fromTable('hermes', readHermesStringTable(bytes)),
    };
  if (startsWith(bytes, Buffer.from('dex\n', 'latin1')))
    return { kind: 'document', read: () => fromTable('dex', readDexStrings(bytes)) };
  if (startsWith(bytes, BPLIST_MAGIC))
    return { kind: 'document', read: () => fromTable('plist', stringTable(readBinaryPlistStrings(bytes))) };
  if (startsWith(bytes, Buffer.from([0x03, 0x00, 0x08, 0x00])))
    return { kind: 'document', read: () => fromTable('axml', stringTable(readBinaryXmlStrings(bytes))) };
  if (startsWith(bytes, Buffer.from([0x02, 0x00, 0x0c, 0x00])))
    return { kind: 'document', read: () => fromTable('arsc', stringTable(readResourceTableStrings(bytes))) };
  if (startsWith(bytes, ELF_MAGIC))
    return { kind: 'document', read: () => binary('elf', elfDataSections(bytes) ?? bytes) };
  if (MACH_O_MAGICS.some((magic) => startsWith(bytes, magic)))
    return { kind: 'document', read: () => binary('mach-o', machODataSections(bytes) ?? bytes) };
  if (looksLikeText(bytes)) {
    const head = bytes.toString('latin1', 0, Math.min(bytes.length, 512));
    if (head.includes('<plist')) return { kind: 'document', read: () => xmlPlist(bytes) };
    return { kind: 'document', read: () => textDocument(bytes) };
  }
  return { kind: 'document', read: () => binary('binary', bytes) };
}

/** The raw-bytes reading of a file whose format failed to parse: printable strings, as `strings` sees them. */
export function binaryDocument(bytes: Buffer): ScanDocument {
  return binary('binary', bytes);
}
