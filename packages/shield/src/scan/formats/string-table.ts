/** Strings of a binary string table joined by newlines, with where each one starts. */
export interface StringTable {
  bytes: Buffer;
  /** Byte offset of string i in `bytes`, ascending. */
  starts: number[];
}

/** Joins `strings` (UTF-8) by newlines and records their starts. */
export function stringTable(strings: readonly string[]): StringTable {
  const starts: number[] = new Array(strings.length);
  const chunks: Buffer[] = [];
  let position = 0;
  strings.forEach((value, index) => {
    const bytes = Buffer.from(value, 'utf8');
    starts[index] = position;
    chunks.push(bytes, NEWLINE);
    position += bytes.length + 1;
  });
  return { bytes: Buffer.concat(chunks, position), starts };
}

/** 1-based index of the string that holds `offset`. */
export function stringIndexAt(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >>> 1;
    if (starts[middle]! <= offset) low = middle;
    else high = middle - 1;
  }
  return low + 1;
}

const NEWLINE = Buffer.from('\n');
