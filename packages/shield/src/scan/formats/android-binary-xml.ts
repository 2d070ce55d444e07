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

/**
 * The strings of a compiled resource table (resources.arsc): its global string pool, which holds
 * every string resource value (where react-native-config puts `.env` values).
 */
export function readResourceTableStrings(file: Buffer): string[] {
  if (file.length < 12 || file.readUInt16LE(0) !== RES_TABLE_TYPE)
    throw new FormatError('not a resource table');
  const headerSize = file.readUInt16LE(2);
  if (headerSize + 8 > file.length || file.readUInt16LE(headerSize) !== RES_STRING_POOL_TYPE)
    throw new FormatError('resource table without a global string pool');
  return readResStringPool(file, headerSize).strings;
}
