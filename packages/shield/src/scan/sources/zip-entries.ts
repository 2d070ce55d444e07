import { open as openFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { inflateRaw } from 'node:zlib';
import yauzl from 'yauzl';

const inflate = promisify(inflateRaw);

/** One entry of a ZIP archive, as its central directory declares it. */
export interface ZipEntryInfo {
  /** Name decoded from CP437 or UTF-8 (and the Info-ZIP Unicode path field). */
  name: string;
  /** yauzl's reason the name is unsafe (absolute, `..`, backslash), or null. */
  unsafeName: string | null;
  directory: boolean;
  encrypted: boolean;
  compressedSize: number;
  uncompressedSize: number;
  /** Opens the entry's inflated bytes as a stream; yauzl checks they match the declared size. */
  open(): Promise<Readable>;
  /**
   * Reads the whole entry in one go (one read of its compressed bytes, one inflate): far fewer
   * system calls than a stream for the many-megabyte stored libraries of an APK. Rejects when
   * the bytes do not inflate to exactly the declared size, or the method is not stored/deflate.
   */
  read(): Promise<Buffer>;
}

// yauzl 3 exports its name decoding and validation; the published types predate them.
const lowLevel = yauzl as unknown as {
  getFileNameLowLevel(flags: number, raw: Buffer, extra: unknown, strict: boolean): string;
  validateFileName(name: string): string | null;
};

const OPTIONS = {
  lazyEntries: true,
  // The listing outlives the directory walk (entries are read afterwards): closed by close().
  autoClose: false,
  // Names are decoded and judged here, so one bad name skips its entry instead of the archive.
  decodeStrings: false,
  validateEntrySizes: true,
} as const;

function openZip(source: string | Buffer): Promise<yauzl.ZipFile> {
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, zip?: yauzl.ZipFile) =>
      error !== null || zip === undefined ? reject(error ?? new Error('no archive')) : resolve(zip);
    if (typeof source === 'string') yauzl.open(source, OPTIONS, done);
    else yauzl.fromBuffer(source, OPTIONS, done);
  });
}

/** The central directory of an archive, and a way to release the file. */
export interface ZipListing {
  entries: ZipEntryInfo[];
  /** True when the directory has more than the `limit` entries asked for (the rest are not listed). */
  truncated: boolean;
  close(): Promise<void>;
}

/**
 * Lists the entries of a ZIP archive (a path: read with random access, never unpacked; or the
 * bytes of a nested archive), at most `limit` of them. Entries are then read in any order, even
 * several at once. Rejects when the archive itself cannot be read (no end of central directory,
 * a corrupt directory record); a bad entry only fails its own `read()` or stream.
 */
export async function listZipEntries(
  source: string | Buffer,
  limit = Number.POSITIVE_INFINITY,
): Promise<ZipListing> {
  const zip = await openZip(source);
  const file = typeof source === 'string' ? await openFile(source, 'r').catch(() => null) : null;
  const close = async () => {
    if (zip.isOpen) zip.close();
    await file?.close();
  };
  const lowLevelZip = zip as unknown as {
    readLocalFileHeader(
      entry: yauzl.Entry,
      options: { minimal: true },
      callback: (error: Error | null, header: { fileDataStart: number }) => void,
    ): void;
  };
  const dataStart = (entry: yauzl.Entry) =>
    new Promise<number>((resolve, reject) =>
      lowLevelZip.readLocalFileHeader(entry, { minimal: true }, (error, header) =>
        error !== null ? reject(error) : resolve(header.fileDataStart),
      ),
    );
  const read = async (entry: yauzl.Entry): Promise<Buffer> => {
    if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8)
      throw new Error(`unsupported compression method ${entry.compressionMethod}`);
    const start = await dataStart(entry);
    let raw: Buffer;
    if (typeof source !== 'string') raw = source.subarray(start, start + entry.compressedSize);
    else {
      if (file === null) throw new Error('the archive could not be opened for reading');
      raw = Buffer.allocUnsafe(entry.compressedSize);
      const { bytesRead } = await file.read(raw, 0, entry.compressedSize, start);
      if (bytesRead !== entry.compressedSize) throw new Error('entry runs past the end of the archive');
    }
    const bytes =
      entry.compressionMethod === 0
        ? raw
        : await inflate(raw, { maxOutputLength: Math.max(1, entry.uncompressedSize) });
    if (bytes.length !== entry.uncompressedSize)
      throw new Error(`inflates to ${bytes.length} bytes, not the ${entry.uncompressedSize} it declares`);
    return bytes;
  };
  const entries: ZipEntryInfo[] = [];
  let truncated = false;
  try {
    await new Promise<void>((resolve, reject) => {
      zip.on('error', reject);
      zip.on('end', () => resolve());
      zip.on('entry', (entry: yauzl.Entry) => {
        if (entries.length >= limit) {
          truncated = true;
          resolve();
          return;
        }
        const raw = entry.fileName as unknown as Buffer;
        const name = lowLevel.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, false);
        entries.push({
          name,
          unsafeName: lowLevel.validateFileName(name),
          directory: name.endsWith('/'),
          encrypted: entry.isEncrypted(),
          compressedSize: entry.compressedSize,
          uncompressedSize: entry.uncompressedSize,
          open: () =>
            new Promise((resolveStream, rejectStream) =>
              zip.openReadStream(entry, (error, stream) =>
                error !== null ? rejectStream(error) : resolveStream(stream),
              ),
            ),
          read: () => read(entry),
        });
        zip.readEntry();
      });
      zip.readEntry();
    });
  } catch (error) {
    await close();
    throw error;
  }
  return { entries, truncated, close };
}

/** Visits the entries of an archive one at a time, in central-directory order. */
export async function forEachZipEntry(
  source: string | Buffer,
  visit: (entry: ZipEntryInfo) => Promise<'stop' | undefined>,
): Promise<void> {
  const listing = await listZipEntries(source);
  try {
    for (const entry of listing.entries) if ((await visit(entry)) === 'stop') break;
  } finally {
    await listing.close();
  }
}
