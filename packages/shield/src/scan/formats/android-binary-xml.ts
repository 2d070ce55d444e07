import { FormatError } from './format-error.js';
import { RES_STRING_POOL_TYPE, readResStringPool } from './res-string-pool.js';

export const RES_XML_TYPE = 0x0003;
export const RES_TABLE_TYPE = 0x0002;
const RES_XML_START_ELEMENT_TYPE = 0x0102;
const TYPE_STRING = 0x03;
const NO_STRING = 0xffffffff;

/**
 * The strings of an Android binary XML file (AndroidManifest.xml, res/xml/*.xml): first one
 * `name = "value"` line for every element with a `name` and a string `value` attribute (how
 * `<meta-data>` carries SDK keys), then every string of the pool.
 */
export function readBinaryXmlStrings(file: Buffer): string[] {
  if (file.length < 8 || file.readUInt16LE(0) !== RES_XML_TYPE)
    throw new FormatError('not Android binary XML');
  const end = Math.min(file.length, file.readUInt32LE(4));
  let at = file.readUInt16LE(2);
  let pool: string[] = [];
  const pairs: string[] = [];
  while (at + 8 <= end) {
    const type = file.readUInt16LE(at);
    const headerSize = file.readUInt16LE(at + 2);
    const size = file.readUInt32LE(at + 4);
    if (size < 8 || at + size > end) throw new FormatError(`binary XML chunk at ${at} runs past the file`);
    if (type === RES_STRING_POOL_TYPE) pool = readResStringPool(file, at).strings;
    else if (type === RES_XML_START_ELEMENT_TYPE && headerSize >= 16 && at + headerSize + 20 <= at + size) {
      const ext = at + headerSize;
      const attributeStart = file.readUInt16LE(ext + 8);
      const attributeSize = file.readUInt16LE(ext + 10);
      const attributeCount = file.readUInt16LE(ext + 12);
      let name: string | undefined;
      let value: string | undefined;
      for (let index = 0; index < attributeCount; index++) {
        const attribute = ext + attributeStart + index * attributeSize;
        if (attribute + 20 > at + size) break;
        const attributeName = pool[file.readUInt32LE(attribute + 4)];
        const raw = file.readUInt32LE(attribute + 8);
        const dataType = file.readUInt8(attribute + 15);
        const text =
          raw !== NO_STRING
            ? pool[raw]
            : dataType === TYPE_STRING
              ? pool[file.readUInt32LE(attribute + 16)]
              : undefined;
        if (attributeName === 'name') name = text;
        else if (attributeName === 'value') value = text;
      }
      if (name !== undefined && value !== undefined) pairs.push(`${name} = "${value}"`);
    }
    at += size;
  }
  return [...pairs, ...pool];
}

const RES_TABLE_PACKAGE_TYPE = 0x0200;
const RES_TABLE_TYPE_TYPE = 0x0201;
const FLAG_SPARSE = 0x01;
const FLAG_OFFSET16 = 0x02;
const ENTRY_COMPLEX = 0x0001;
const ENTRY_COMPACT = 0x0008;

/**
 * The strings of a compiled resource table (resources.arsc): first one `name = "value"` line for
 * every string resource (how react-native-config turns `.env` into `<string name="API_TOKEN">`),
 * then every string of the global pool.
 */
export function readResourceTableStrings(file: Buffer): string[] {
  if (file.length < 12 || file.readUInt16LE(0) !== RES_TABLE_TYPE)
    throw new FormatError('not a resource table');
  const headerSize = file.readUInt16LE(2);
  const end = Math.min(file.length, file.readUInt32LE(4));
  if (headerSize + 8 > file.length || file.readUInt16LE(headerSize) !== RES_STRING_POOL_TYPE)
    throw new FormatError('resource table without a global string pool');
  const pool = readResStringPool(file, headerSize);
  const pairs: string[] = [];
  for (let at = headerSize + pool.size; at + 8 <= end; ) {
    const size = file.readUInt32LE(at + 4);
    if (size < 8 || at + size > end)
      throw new FormatError(`resource table chunk at ${at} runs past the file`);
    if (file.readUInt16LE(at) === RES_TABLE_PACKAGE_TYPE) readPackagePairs(file, at, pool.strings, pairs);
    at += size;
  }
  return [...pairs, ...pool.strings];
}

function readPackagePairs(file: Buffer, packageAt: number, values: readonly string[], pairs: string[]): void {
  const headerSize = file.readUInt16LE(packageAt + 2);
  const end = packageAt + file.readUInt32LE(packageAt + 4);
  if (headerSize < 284) throw new FormatError(`resource package at ${packageAt} has a short header`);
  const keyStrings = file.readUInt32LE(packageAt + 8 + 4 + 256 + 8);
  const keys = readResStringPool(file, packageAt + keyStrings).strings;
  for (let at = packageAt + headerSize; at + 8 <= end; ) {
    const size = file.readUInt32LE(at + 4);
    if (size < 8 || at + size > end) throw new FormatError(`resource chunk at ${at} runs past its package`);
    if (file.readUInt16LE(at) === RES_TABLE_TYPE_TYPE) readTypePairs(file, at, keys, values, pairs);
    at += size;
  }
}

function readTypePairs(
  file: Buffer,
  typeAt: number,
  keys: readonly string[],
  values: readonly string[],
  pairs: string[],
): void {
  const headerSize = file.readUInt16LE(typeAt + 2);
  const end = typeAt + file.readUInt32LE(typeAt + 4);
  const flags = file.readUInt8(typeAt + 9);
  const count = file.readUInt32LE(typeAt + 12);
  const entriesStart = typeAt + file.readUInt32LE(typeAt + 16);
  const table = typeAt + headerSize;
  const width = (flags & (FLAG_SPARSE | FLAG_OFFSET16)) !== 0 ? 2 : 4;
  const step = (flags & FLAG_SPARSE) !== 0 ? 4 : width;
  if (table + count * step > end)
    throw new FormatError(`resource type at ${typeAt} has entries past its chunk`);
  for (let index = 0; index < count; index++) {
    let offset: number;
    if ((flags & FLAG_SPARSE) !== 0) offset = file.readUInt16LE(table + index * 4 + 2) * 4;
    else if (width === 2) {
      const short = file.readUInt16LE(table + index * 2);
      if (short === 0xffff) continue;
      offset = short * 4;
    } else {
      offset = file.readUInt32LE(table + index * 4);
      if (offset === NO_STRING) continue;
    }
    const entry = entriesStart + offset;
    if (entry + 8 > end) continue;
    const entryFlags = file.readUInt16LE(entry + 2);
    let key: number;
    let dataType: number;
    let data: number;
    if ((entryFlags & ENTRY_COMPACT) !== 0) {
      key = file.readUInt16LE(entry);
      dataType = entryFlags >> 8;
      data = file.readUInt32LE(entry + 4);
    } else {
      if ((entryFlags & ENTRY_COMPLEX) !== 0) continue;
      const value = entry + file.readUInt16LE(entry);
      if (value + 8 > end) continue;
      key = file.readUInt32LE(entry + 4);
      dataType = file.readUInt8(value + 3);
      data = file.readUInt32LE(value + 4);
    }
    const name = keys[key];
    const text = dataType === TYPE_STRING ? values[data] : undefined;
    if (name !== undefined && text !== undefined) pairs.push(`${name} = "${text}"`);
  }
}
