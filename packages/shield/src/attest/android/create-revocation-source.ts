import { readFile, rename, stat, writeFile } from 'node:fs/promises';
import type { Clock } from '../../clock.js';
import { AndroidParseError } from './android-parse-error.js';
import type { AndroidFailureCode } from './failure-codes.js';
import { parseRevocationStatus, type RevocationStatus } from './parse-revocation-status.js';

/** Google's attestation status list. */
export const GOOGLE_REVOCATION_STATUS_URL = 'https://android.googleapis.com/attestation/status';

export interface RevocationSourceOptions {
  /**
   * A status list file. Without `url` it is the source, re-read at every refresh (an operator or
   * a job updates it). With `url` it is the on-disk cache: rewritten after every good fetch and
   * read when no fetched copy is held yet (after a restart while the URL is down).
   */
  file?: string;
  /** The status list URL, usually GOOGLE_REVOCATION_STATUS_URL. */
  url?: string;
  /** Seconds between refreshes once started; > 0. */
  refreshSeconds: number;
  /** Seconds after which the held copy is stale; > 0. A copy read from a file is as old as the file. */
  maxAgeSeconds: number;
  /** What verification does while stale (or before any copy): refuse chains, or accept them unchecked. */
  onStale: 'refuse' | 'allow';
  /** Injected fetch (tests, proxies); default the global fetch. */
  fetch?: typeof fetch;
  clock: Clock;
  /** Bound on one fetch, headers and body, in milliseconds; > 0. */
  timeoutMs: number;
  /** Largest accepted list in bytes; default 16 MiB. */
  maxBytes?: number;
  /**
   * Called after every refresh attempt with the state it left (`lastError` and
   * `lastErrorReason` set when it failed): where an owner logs that the list could not be loaded.
   */
  onRefresh?: (state: RevocationSourceState) => void;
}

/** What an operator's health check reads (F-19: alert when `stale`). */
export interface RevocationSourceState {
  /** Entries in the held copy, undefined before the first good copy. */
  entries: number | undefined;
  /** Clock time (ms) the held copy was obtained (for a file copy: its modification time). */
  obtainedAt: number | undefined;
  /** Clock time (ms) of the last refresh attempt. */
  lastAttemptAt: number | undefined;
  /** Sub-code of the last failed attempt, cleared by a good one. */
  lastError: AndroidFailureCode | undefined;
  /**
   * Why the last attempt failed, in words for a log line ("HTTP 503", "no answer within
   * 10000 ms", "the status list is not JSON"); never the list's content. Cleared by a good one.
   */
  lastErrorReason: string | undefined;
  stale: boolean;
}

export interface RevocationSource {
  /** The held status list while fresh; otherwise the stale verdict for verifyAndroidKeyAttestation. */
  current(): RevocationStatus | 'stale-allow' | 'stale-refuse';
  /** Fetches or reads the list once; never rejects. A failed or corrupt copy keeps the last good one. Concurrent calls share one attempt. */
  refresh(): Promise<void>;
  /**
   * Refreshes every refreshSeconds (the timer does not keep the process alive), and at once
   * unless a refresh already ran: a caller that awaited `refresh()` before serving does not
   * fetch the list a second time.
   */
  start(): void;
  /** Stops the timer and aborts a fetch in flight. */
  stop(): void;
  state(): RevocationSourceState;
}

const DEFAULT_MAX_BYTES = 16 * 1024 * 1024;

class FetchFailed extends Error {}

function positive(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new TypeError(`${name} must be a positive number`);
  }
  return value;
}

/**
 * Keeps Google's attestation status list fresh for verifyAndroidKeyAttestation: fetched from a
 * URL and/or read from a file, refreshed on a timer, the last good copy kept whenever a fetch
 * fails, hangs or returns garbage, and reported stale after maxAgeSeconds.
 *
 * @throws TypeError naming the option when the options are not valid.
 * @example
 * const revocation = createRevocationSource({
 *   url: GOOGLE_REVOCATION_STATUS_URL, file: '/var/lib/portcullis/android-status.json',
 *   refreshSeconds: 3600, maxAgeSeconds: 86400, onStale: 'allow', clock: systemClock, timeoutMs: 10_000,
 * });
 * revocation.start();
 * verifyAndroidKeyAttestation(input, policy, { roots, revocation: revocation.current() }, new Date());
 */
export function createRevocationSource(options: RevocationSourceOptions): RevocationSource {
  const { file, url, clock, onStale } = options;
  if (file === undefined && url === undefined) throw new TypeError('file or url is required');
  if (file !== undefined && (typeof file !== 'string' || file.length === 0)) {
    throw new TypeError('file must be a path');
  }
  if (url !== undefined) {
    let protocol: string;
    try {
      protocol = new URL(url).protocol;
    } catch {
      throw new TypeError('url must be an absolute URL');
    }
    if (protocol !== 'https:' && protocol !== 'http:') throw new TypeError('url must be http(s)');
  }
  const refreshMs = positive(options.refreshSeconds, 'refreshSeconds') * 1000;
  const maxAgeMs = positive(options.maxAgeSeconds, 'maxAgeSeconds') * 1000;
  const timeoutMs = positive(options.timeoutMs, 'timeoutMs');
  const maxBytes = positive(options.maxBytes ?? DEFAULT_MAX_BYTES, 'maxBytes');
  if (onStale !== 'refuse' && onStale !== 'allow') throw new TypeError("onStale must be 'refuse' or 'allow'");
  if (typeof clock?.now !== 'function') throw new TypeError('clock must have now()');
  const onRefresh = options.onRefresh;
  if (onRefresh !== undefined && typeof onRefresh !== 'function') {
    throw new TypeError('onRefresh must be a function');
  }
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new TypeError('fetch must be a function');

  let held: { status: RevocationStatus; obtainedAt: number } | undefined;
  let lastAttemptAt: number | undefined;
  let lastError: AndroidFailureCode | undefined;
  let lastErrorReason: string | undefined;
  let inFlight: Promise<void> | undefined;
  let controller: AbortController | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopping = false;

  const isStale = () => held === undefined || clock.now() - held.obtainedAt > maxAgeMs;

  async function fetchText(target: string): Promise<string> {
    controller = new AbortController();
    const signal = controller.signal;
    const timeout = setTimeout(() => controller?.abort(), timeoutMs);
    try {
      const response = await fetchImpl(target, { signal, headers: { accept: 'application/json' } });
      if (response.status !== 200 || response.body === null) {
        await response.body?.cancel().catch(() => undefined);
        throw new FetchFailed(`HTTP ${response.status}`);
      }
      const declared = Number(response.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > maxBytes) {
        await response.body.cancel().catch(() => undefined);
        throw new FetchFailed(`larger than maxBytes (${maxBytes} bytes)`);
      }
      const reader = response.body.getReader();
      const chunks: Uint8Array[] = [];
      let size = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > maxBytes) {
          await reader.cancel().catch(() => undefined);
          throw new FetchFailed(`larger than maxBytes (${maxBytes} bytes)`);
        }
        chunks.push(value);
      }
      return Buffer.concat(chunks).toString('utf8');
    } catch (error) {
      if (signal.aborted && !(error instanceof FetchFailed)) {
        throw new FetchFailed(stopping ? 'stopped' : `no complete answer within ${timeoutMs} ms`);
      }
      throw error;
    } finally {
      clearTimeout(timeout);
      controller = undefined;
    }
  }

  async function readCopy(path: string): Promise<{ text: string; mtimeMs: number }> {
    const info = await stat(path);
    if (info.size > maxBytes) throw new FetchFailed(`file larger than maxBytes (${maxBytes} bytes)`);
    return { text: await readFile(path, 'utf8'), mtimeMs: info.mtimeMs };
  }

  function accept(text: string, obtainedAt: number): void {
    held = { status: parseRevocationStatus(text), obtainedAt };
    lastError = undefined;
    lastErrorReason = undefined;
  }

  function codeOf(error: unknown): AndroidFailureCode {
    return error instanceof AndroidParseError ? error.code : 'android_revocation_fetch_failed';
  }

  /** A failure in words: the HTTP status, the timeout, the parse problem, the network error. */
  function reasonOf(error: unknown): string {
    if (error instanceof FetchFailed || error instanceof AndroidParseError) return error.message;
    if (!(error instanceof Error)) return String(error);
    // undici puts the network error (ECONNREFUSED, ENOTFOUND, a TLS failure) in the cause.
    const cause = error.cause instanceof Error ? error.cause : undefined;
    const code = (cause ?? error) as Error & { code?: unknown };
    const detail = cause?.message ?? error.message;
    return typeof code.code === 'string' && !detail.includes(code.code) ? `${code.code}: ${detail}` : detail;
  }

  function failed(error: unknown, where: string): void {
    lastError = codeOf(error);
    lastErrorReason = `${where}: ${reasonOf(error)}`;
  }

  async function attempt(): Promise<void> {
    lastAttemptAt = clock.now();
    if (url !== undefined) {
      let fetched = false;
      try {
        const text = await fetchText(url);
        accept(text, clock.now());
        fetched = true;
        if (file !== undefined) {
          // Atomic replace, so a crash never leaves a half-written cache behind.
          const temporary = `${file}.${process.pid}.tmp`;
          await writeFile(temporary, text, { mode: 0o644 });
          await rename(temporary, file);
        }
        return;
      } catch (error) {
        // A cache write failure after a good fetch keeps the fresh copy; report it all the same.
        failed(error, fetched ? `caching to ${file}` : 'fetch');
        if (held !== undefined || file === undefined) return;
      }
    }
    if (file === undefined) return;
    try {
      const copy = await readCopy(file);
      const fetchError = lastError;
      const fetchReason = lastErrorReason;
      accept(copy.text, Math.min(copy.mtimeMs, clock.now()));
      // Falling back to the cache does not hide that the URL failed.
      if (url !== undefined) {
        lastError = fetchError;
        lastErrorReason = fetchReason === undefined ? undefined : `${fetchReason} (read the copy in ${file})`;
      }
    } catch (error) {
      const fetchReason = lastErrorReason;
      failed(error, `reading ${file}`);
      if (url !== undefined && fetchReason !== undefined)
        lastErrorReason = `${fetchReason}; ${lastErrorReason}`;
    }
  }

  function refresh(): Promise<void> {
    inFlight ??= attempt().finally(() => {
      inFlight = undefined;
      onRefresh?.(state());
    });
    return inFlight;
  }

  function state(): RevocationSourceState {
    return {
      entries: held?.status.entries.size,
      obtainedAt: held?.obtainedAt,
      lastAttemptAt,
      lastError,
      lastErrorReason,
      stale: isStale(),
    };
  }

  return {
    current() {
      if (held === undefined || isStale()) return onStale === 'allow' ? 'stale-allow' : 'stale-refuse';
      return held.status;
    },
    refresh,
    start() {
      if (timer !== undefined) return;
      stopping = false;
      if (lastAttemptAt === undefined) void refresh();
      timer = setInterval(() => void refresh(), refreshMs);
      timer.unref();
    },
    stop() {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      stopping = true;
      controller?.abort();
    },
    state,
  };
}
