import { createReadStream } from 'node:fs';
import { lstat, open, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { compileRules, findSecrets, type SecretMatch, type SecretMatcher } from './find-secrets.js';
import { FormatError } from './formats/format-error.js';
import { binaryDocument, classify, type ScanDocument } from './formats/read-document.js';
import type { IgnoreList } from './ignore-list.js';
import { fingerprint, redact } from './redact.js';
import { SECRET_RULES } from './rules/catalog.js';
import type { SecretRule } from './rules/secret-rule.js';
import { listZipEntries, type ZipEntryInfo, type ZipListing } from './sources/zip-entries.js';
import type { Finding, ScanNote, ScanSummary } from './types.js';

/** Bounds that keep a hostile archive from exhausting memory or time. */
export interface ScanLimits {
  /** Largest file or archive entry read whole; larger ones are scanned in pieces as raw bytes. */
  maxEntryBytes: number;
  /** Inflated bytes over all archives of one scan. */
  maxTotalBytes: number;
  /** Inflated / compressed size above which an entry (over 1 MiB) is taken for a zip bomb. */
  maxRatio: number;
  /** Archives inside archives. */
  maxDepth: number;
  /** Entries per archive. */
  maxEntries: number;
  /** Piece size when a file or entry is over `maxEntryBytes` (pieces overlap by a sixteenth). */
  pieceBytes: number;
}

export const DEFAULT_SCAN_LIMITS: ScanLimits = {
  maxEntryBytes: 256 * 1024 * 1024,
  maxTotalBytes: 16 * 1024 * 1024 * 1024,
  maxRatio: 200,
  maxDepth: 4,
  maxEntries: 250_000,
  pieceBytes: 32 * 1024 * 1024,
};

export interface ScanOptions {
  /** Time the JWT lifetimes are judged against. */
  now: Date;
  rules?: readonly SecretRule[];
  limits?: Partial<ScanLimits>;
  ignore?: IgnoreList;
  /** Called as input bytes are consumed: done so far, and the total of the inputs. */
  onProgress?: (done: number, total: number) => void;
}

/** Folders never entered: version control and installed dependencies are not the build. */
const SKIPPED_FOLDERS = new Set(['.git', 'node_modules']);
/** Overlap of pieces: more than the longest rule window, so no match is cut in two. */
const PIECE_OVERLAP = 64 * 1024;
const BOMB_FLOOR_BYTES = 1024 * 1024;

type EntryPlan =
  | { kind: 'none' }
  | { kind: 'skip' | 'stop'; message: string }
  | { kind: 'read' }
  | { kind: 'pieces' };

/** Bugs propagate; everything else a hostile file can cause becomes a note. */
function isProgrammingError(error: unknown): boolean {
  return error instanceof TypeError || error instanceof ReferenceError || error instanceof SyntaxError;
}

interface Where {
  file: string;
  /** Entry names from the outermost archive in. */
  entries: string[];
}

class Scan {
  readonly matcher: SecretMatcher;
  readonly limits: ScanLimits;
  readonly findings: Finding[] = [];
  readonly notes: ScanNote[] = [];
  ignored = 0;
  bytesRead = 0;
  bytesScanned = 0;
  bytesInflated = 0;
  filesScanned = 0;
  filesSkipped = 0;
  total = 0;

  constructor(readonly options: ScanOptions) {
    this.matcher = compileRules(options.rules ?? SECRET_RULES);
    this.limits = { ...DEFAULT_SCAN_LIMITS, ...options.limits };
  }

  note(where: Where, message: string, unreadable = false): void {
    const entry = where.entries.join('!/');
    this.notes.push({
      file: where.file,
      ...(entry === '' ? {} : { entry }),
      message,
      ...(unreadable ? { unreadable } : {}),
    });
  }

  progress(bytes: number): void {
    this.bytesRead += bytes;
    this.options.onProgress?.(this.bytesRead, this.total);
  }

  /** Scans one document and records its findings, one per value (the most specific rule wins). */
  scanDocument(where: Where, document: ScanDocument): void {
    this.filesScanned++;
    this.bytesScanned += document.bytes.length;
    const matches = findSecrets(document.bytes, document.textual, this.matcher, this.options.now);
    this.record(where, document, matches);
  }

  record(where: Where, document: Pick<ScanDocument, 'format' | 'locate'>, matches: SecretMatch[]): void {
    const best = new Map<string, SecretMatch>();
    for (const match of matches) {
      const kept = best.get(match.value);
      const priority = match.rule.priority ?? 2;
      if (
        kept === undefined ||
        priority > (kept.rule.priority ?? 2) ||
        (priority === (kept.rule.priority ?? 2) && match.offset < kept.offset)
      )
        best.set(match.value, match);
    }
    const entry = where.entries.join('!/');
    for (const match of [...best.values()].sort((a, b) => a.offset - b.offset)) {
      const line = document.locate(match.offset);
      const finding: Finding = {
        ruleId: match.rule.id,
        title: match.title,
        severity: match.severity,
        file: where.file,
        ...(entry === '' ? {} : { entry }),
        format: document.format,
        ...(line === undefined ? {} : { line }),
        redacted: redact(match.value),
        fingerprint: fingerprint(match.rule.id, match.value),
        fix: match.fix,
        ...(match.rule.recipe === undefined || match.severity === 'info'
          ? {}
          : { recipe: match.rule.recipe }),
      };
      if (this.options.ignore?.matches(finding) === true) this.ignored++;
      else this.findings.push(finding);
    }
  }

  /** Scans bytes that are a whole file or archive entry: by format, archives recursively. */
  async scanBytes(where: Where, bytes: Buffer, depth: number): Promise<void> {
    const kind = classify(bytes);
    if (kind.kind === 'media') {
      this.filesSkipped++;
      return;
    }
    if (kind.kind === 'archive') {
      if (depth >= this.limits.maxDepth) {
        this.filesSkipped++;
        this.note(where, `archive nested deeper than ${this.limits.maxDepth} levels: skipped`);
        return;
      }
      await this.scanArchive(where, bytes, depth + 1);
      return;
    }
    let document: ScanDocument;
    try {
      document = kind.read();
    } catch (error) {
      if (!(error instanceof FormatError || error instanceof RangeError)) throw error;
      this.note(
        where,
        `${error instanceof FormatError ? error.message : 'a field points outside the file'}: scanned as raw bytes`,
      );
      document = binaryDocument(bytes);
    }
    this.scanDocument(where, document);
  }

  /**
   * Scans a stream too large to hold, in overlapping pieces, as raw bytes. A value is taken from
   * the piece where it starts before the overlap (the next piece sees the rest whole), and each
   * value is reported once per stream, as in a file read whole.
   */
  async scanPieces(where: Where, stream: Readable, onBytes: (n: number) => void): Promise<void> {
    const seen = new Set<string>();
    const overlap = Math.min(PIECE_OVERLAP, Math.floor(this.limits.pieceBytes / 16));
    let carry = Buffer.alloc(0);
    const pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = (last: boolean) => {
      const piece = Buffer.concat([carry, ...pending]);
      pending.length = 0;
      pendingBytes = 0;
      const keep = last ? 0 : Math.min(overlap, piece.length);
      const matches = findSecrets(piece, false, this.matcher, this.options.now).filter((match) => {
        if (match.offset >= piece.length - keep) return false;
        const key = `${match.rule.id}\0${match.value}`;
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      this.bytesScanned += piece.length - carry.length;
      this.record(where, { format: 'binary', locate: () => undefined }, matches);
      carry = Buffer.from(piece.subarray(piece.length - keep));
    };
    for await (const chunk of stream) {
      const buffer = chunk as Buffer;
      onBytes(buffer.length);
      pending.push(buffer);
      pendingBytes += buffer.length;
      if (pendingBytes >= this.limits.pieceBytes) flush(false);
    }
    flush(true);
    this.filesScanned++;
  }

  /**
   * Scans the entries of an archive in directory order. Every entry is judged first from its
   * directory record (name, encryption, ratio, the inflation budget), then read; the next entry's
   * read (file read and inflate, on the thread pool) runs while this one is scanned.
   */
  async scanArchive(where: Where, source: string | Buffer, depth: number): Promise<void> {
    let listing: ZipListing;
    try {
      listing = await listZipEntries(source, this.limits.maxEntries);
    } catch (error) {
      if (isProgrammingError(error)) throw error;
      this.filesSkipped++;
      this.note(
        where,
        `not a readable ZIP archive (${error instanceof Error ? error.message : String(error)})`,
        where.entries.length === 0,
      );
      return;
    }
    try {
      if (listing.truncated)
        this.note(where, `more than ${this.limits.maxEntries} entries: the rest is not scanned`);
      const plans: EntryPlan[] = [];
      for (const entry of listing.entries) {
        const plan = this.plan(entry);
        if (plan.kind === 'stop') {
          this.note(where, plan.message);
          break;
        }
        plans.push(plan);
      }
      const reads: (Promise<Buffer> | undefined)[] = [];
      const prefetch = (index: number) => {
        const entry = listing.entries[index];
        if (plans[index]?.kind !== 'read' || entry === undefined || reads[index] !== undefined) return;
        const pending = entry.read();
        pending.catch(() => undefined); // handled where it is awaited
        reads[index] = pending;
      };
      prefetch(0);
      for (let index = 0; index < plans.length; index++) {
        prefetch(index + 1);
        const entry = listing.entries[index]!;
        const inner: Where = { file: where.file, entries: [...where.entries, entry.name] };
        try {
          await this.scanEntry(inner, entry, plans[index]!, reads[index], depth);
        } finally {
          reads[index] = undefined;
          // Progress follows the compressed bytes of the outermost archive, which is what was read.
          if (typeof source === 'string') this.progress(entry.compressedSize);
        }
      }
    } finally {
      await listing.close();
    }
  }

  /** What to do with an entry, from its directory record alone. */
  plan(entry: ZipEntryInfo): EntryPlan {
    if (entry.directory) return { kind: 'none' };
    if (entry.unsafeName !== null)
      return { kind: 'skip', message: `unsafe entry name (${entry.unsafeName}): skipped` };
    if (entry.encrypted) return { kind: 'skip', message: 'encrypted entry: skipped' };
    if (
      entry.uncompressedSize > BOMB_FLOOR_BYTES &&
      entry.uncompressedSize > entry.compressedSize * this.limits.maxRatio
    )
      return {
        kind: 'skip',
        message: `inflates ${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))}:1 (over ${this.limits.maxRatio}:1, a zip bomb?): skipped`,
      };
    if (this.bytesInflated + entry.uncompressedSize > this.limits.maxTotalBytes)
      return {
        kind: 'stop',
        message: `the archives inflate past ${this.limits.maxTotalBytes} bytes: the rest is not scanned`,
      };
    this.bytesInflated += entry.uncompressedSize;
    return { kind: entry.uncompressedSize > this.limits.maxEntryBytes ? 'pieces' : 'read' };
  }

  async scanEntry(
    where: Where,
    entry: ZipEntryInfo,
    plan: EntryPlan,
    read: Promise<Buffer> | undefined,
    depth: number,
  ): Promise<void> {
    if (plan.kind === 'none' || plan.kind === 'stop') return;
    const skip = (message: string) => {
      this.filesSkipped++;
      this.note(where, message);
    };
    if (plan.kind === 'skip') return skip(plan.message);
    try {
      if (plan.kind === 'pieces') {
        const stream = await entry.open();
        try {
          await this.scanPieces(where, stream, () => undefined);
        } finally {
          stream.destroy();
        }
        return;
      }
      await this.scanBytes(where, await (read ?? entry.read()), depth);
    } catch (error) {
      if (isProgrammingError(error)) throw error;
      skip(`corrupt entry (${error instanceof Error ? error.message : String(error)}): skipped`);
    }
  }

  async scanFile(where: Where, path: string, size: number): Promise<void> {
    const head = Buffer.alloc(4);
    const handle = await open(path, 'r');
    try {
      await handle.read(head, 0, 4, 0);
    } finally {
      await handle.close();
    }
    if (classify(head).kind === 'archive') {
      const before = this.bytesRead;
      await this.scanArchive(where, path, 0);
      // Whatever the entries did not account for (headers, central directory, skipped entries).
      this.progress(Math.max(0, before + size - this.bytesRead));
      return;
    }
    if (size > this.limits.maxEntryBytes) {
      await this.scanPieces(where, createReadStream(path), (n) => this.progress(n));
      return;
    }
    const bytes = await readFile(path);
    await this.scanBytes(where, bytes, 0);
    this.progress(bytes.length);
  }
}

async function collectFiles(
  scan: Scan,
  path: string,
  display: string,
  out: { path: string; display: string; size: number }[],
): Promise<void> {
  const stats = await lstat(path);
  if (stats.isSymbolicLink()) {
    scan.note({ file: display, entries: [] }, 'symbolic link: not followed');
    return;
  }
  if (stats.isFile()) {
    out.push({ path, display, size: stats.size });
    return;
  }
  if (!stats.isDirectory()) {
    scan.note({ file: display, entries: [] }, 'not a file or folder: skipped');
    return;
  }
  const names = (await readdir(path)).sort();
  for (const name of names) {
    if (SKIPPED_FOLDERS.has(name)) continue;
    await collectFiles(scan, join(path, name), display === '.' ? name : `${display}/${name}`, out);
  }
}

/**
 * Scans files, folders (recursively, without following links or entering .git and node_modules)
 * and archives (APK, AAB, IPA, ZIP, and archives inside them), and returns every finding. Bad
 * input never throws: unreadable archives, bombs, unsafe names and broken formats become notes.
 * A path that does not exist rejects with the ENOENT error.
 */
export async function scanInputs(
  inputs: readonly string[],
  cwd: string,
  options: ScanOptions,
): Promise<ScanSummary> {
  const scan = new Scan(options);
  const files: { path: string; display: string; size: number }[] = [];
  for (const input of inputs) await collectFiles(scan, resolve(cwd, input), input, files);
  scan.total = files.reduce((sum, file) => sum + file.size, 0);
  for (const file of files) await scan.scanFile({ file: file.display, entries: [] }, file.path, file.size);
  return {
    findings: scan.findings,
    notes: scan.notes,
    ignored: scan.ignored,
    bytesRead: scan.bytesRead,
    bytesScanned: scan.bytesScanned,
    filesScanned: scan.filesScanned,
    filesSkipped: scan.filesSkipped,
  };
}
