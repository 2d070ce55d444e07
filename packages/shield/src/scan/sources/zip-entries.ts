import type { Readable } from 'node:stream';
import yauzl from 'yauzl';

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
  /** Opens the entry's inflated bytes; yauzl checks they match the declared size and CRC. */
  open(): Promise<Readable>;
}

// yauzl 3 exports its name decoding and validation; the published types predate them.
const lowLevel = yauzl as unknown as {
  getFileNameLowLevel(flags: number, raw: Buffer, extra: unknown, strict: boolean): string;
  validateFileName(name: string): string | null;
};

const OPTIONS = {
  lazyEntries: true,
  autoClose: true,
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

/**
 * Visits the entries of a ZIP archive (a path: read with random access, never unpacked; or bytes
 * of a nested archive) one at a time, in central-directory order. `visit` returning `'stop'`
 * ends the walk. Rejects when the archive itself cannot be read (no end of central directory,
 * a corrupt directory record); a bad entry only fails its own `open()` or stream.
 */
export async function forEachZipEntry(
  source: string | Buffer,
  visit: (entry: ZipEntryInfo) => Promise<'stop' | undefined>,
): Promise<void> {
  const zip = await openZip(source);
  await new Promise<void>((resolve, reject) => {
    let finished = false;
    const finish = (error?: unknown) => {
      if (finished) return;
      finished = true;
      if (zip.isOpen) zip.close();
      if (error === undefined) resolve();
      else reject(error);
    };
    zip.on('error', finish);
    zip.on('end', () => finish());
    zip.on('entry', (entry: yauzl.Entry) => {
      const raw = entry.fileName as unknown as Buffer;
      const name = lowLevel.getFileNameLowLevel(entry.generalPurposeBitFlag, raw, entry.extraFields, false);
      const info: ZipEntryInfo = {
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
      };
      visit(info).then(
        (next) => {
          if (finished) return;
          if (next === 'stop') finish();
          else zip.readEntry();
        },
        (error: unknown) => finish(error),
      );
    });
    zip.readEntry();
  });
}
