import { type Clock, systemClock } from './clock.js';
import { importJwks } from './import-jwks.js';
import type { KeySource, WebVerificationKey } from './key-source.js';
import { KeysUnavailableError } from './keys-unavailable-error.js';
import { readStreamLimited } from './read-stream-limited.js';

/** Options of {@link createRemoteJwks}. Bad options throw a TypeError naming the option. */
export interface RemoteJwksOptions {
  /** The shield's JWKS, `https://<shield>/.well-known/jwks.json`. `http:` only on a loopback address. */
  url: string;
  /** Least time between two fetches, whatever asks for them (unknown kids, due refreshes, failures). Default 30, 1..3600. */
  cooldownSeconds?: number;
  /**
   * How long keys stay usable without a successful fetch (the shield down, a network split).
   * Past it every token is refused with 503 until a fetch succeeds. Default 600, from the
   * cooldown to 86400.
   */
  maxAgeSeconds?: number;
  /** A fetch that takes longer is abandoned (and counts as a failure). Default 3000, 100..60000. */
  timeoutMs?: number;
  clock?: Clock;
  /** The fetch to use (default the global one: Node, Workers, Deno and Lambda all have it). */
  fetch?: typeof fetch;
  /** Told why a fetch failed (status, timeout, refused document). Must not throw; a throw is ignored. */
  onRefreshFailed?(problem: string): void;
}

/** What a remote key source holds, for health checks and logs (no key material). */
export interface RemoteJwksStatus {
  /** When the keys held were fetched (or confirmed by a 304), ms; null before the first success. */
  fetchedAt: number | null;
  /** Until when they are used without asking the shield again, ms. */
  freshUntil: number | null;
  kids: string[];
  /** Keys of the last document that could not be used, with why. */
  skipped: string[];
  /** Why the last fetch failed; null when it succeeded. */
  lastError: string | null;
  /** Fetches started so far. */
  fetches: number;
}

/** A {@link KeySource} over the shield's JWKS, with its status and a way to refresh it now. */
export interface RemoteJwks extends KeySource {
  status(): RemoteJwksStatus;
  /** Fetches now unless a fetch is already running (then waits for it). Never rejects: see `status().lastError`. */
  refresh(): Promise<void>;
}

/** A shield's JWKS is a few hundred bytes; anything near this is not one. */
const MAX_JWKS_BYTES = 64 * 1024;
/** Freshness when the response carries no max-age: the shield's own default. */
const DEFAULT_FRESH_SECONDS = 60;
const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

function integer(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new TypeError(`createRemoteJwks: ${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function checkUrl(value: unknown): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new TypeError('createRemoteJwks: url must be an absolute URL');
  }
  const loopback = LOOPBACK_HOSTS.has(url.hostname) || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new TypeError('createRemoteJwks: url must be https (plain http only on a loopback address)');
  }
  if (url.username !== '' || url.password !== '' || url.hash !== '') {
    throw new TypeError('createRemoteJwks: url must not carry credentials or a fragment');
  }
  return url.href;
}

/** max-age of a Cache-Control value, or undefined; no-store/no-cache mean 0. */
function maxAgeOf(cacheControl: string | null): number | undefined {
  if (cacheControl === null) return undefined;
  if (/(?:^|,)\s*no-(?:store|cache)\s*(?:,|$)/i.test(cacheControl)) return 0;
  const match = /(?:^|,)\s*max-age\s*=\s*"?(\d{1,9})"?\s*(?:,|$)/i.exec(cacheControl);
  return match === null ? undefined : Number(match[1]);
}

function describe(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError' || error.name === 'AbortError')
      return `no answer within ${timeoutMs} ms`;
    if (error.name === 'TypeError' && /fetch/i.test(error.message)) return 'the shield could not be reached';
    return error.message;
  }
  return String(error);
}

/**
 * The shield's signing keys, fetched from its JWKS with `fetch` and imported with Web Crypto, for
 * a backend verifier (Node, Workers, Deno, Lambda). Keys are fetched on first use, then again when
 * the response's max-age (the shield sends 60 s) has passed, and when a token names a kid the
 * keys held do not know, so a rotation is picked up at once. Every fetch, whatever asks for it,
 * waits for the cooldown since the previous one: a storm of made-up kids costs at most one fetch
 * per cooldown, and concurrent callers share one fetch. When a fetch fails (shield down,
 * timeout, bad document) the keys held stay in use until `maxAgeSeconds` after the last successful
 * fetch; past it every lookup throws `KeysUnavailableError` until a fetch succeeds. `If-None-Match`
 * makes an unchanged set a 304. Redirects are refused; the body is capped at 64 KiB.
 *
 * @example
 * ```ts
 * const keys = createRemoteJwks({ url: 'https://shield.example.com/.well-known/jwks.json' });
 * ```
 */
export function createRemoteJwks(options: RemoteJwksOptions): RemoteJwks {
  if (typeof options !== 'object' || options === null)
    throw new TypeError('createRemoteJwks: options must be an object');
  const url = checkUrl(options.url);
  const cooldownMs = 1000 * integer(options.cooldownSeconds, 'cooldownSeconds', 1, 3600, 30);
  const maxAgeMs =
    1000 *
    integer(
      options.maxAgeSeconds,
      'maxAgeSeconds',
      cooldownMs / 1000,
      86400,
      Math.max(600, cooldownMs / 1000),
    );
  const timeoutMs = integer(options.timeoutMs, 'timeoutMs', 100, 60_000, 3000);
  const clock = options.clock ?? systemClock;
  if (typeof clock.now !== 'function') throw new TypeError('createRemoteJwks: clock must have now()');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  if (typeof fetchImpl !== 'function') throw new TypeError('createRemoteJwks: no fetch: pass options.fetch');
  const onRefreshFailed = options.onRefreshFailed;

  let keys: ReadonlyMap<string, WebVerificationKey> | null = null;
  let skipped: string[] = [];
  let etag: string | null = null;
  let fetchedAt = 0;
  let freshUntil = 0;
  let lastAttempt: number | null = null;
  let lastError: string | null = null;
  let fetches = 0;
  let inflight: Promise<void> | null = null;

  const usable = (now: number): boolean => keys !== null && now - fetchedAt <= maxAgeMs;
  const mayFetch = (now: number): boolean =>
    inflight !== null || lastAttempt === null || now - lastAttempt >= cooldownMs;

  function markFresh(started: number, response: Response): void {
    const seconds = maxAgeOf(response.headers.get('cache-control')) ?? DEFAULT_FRESH_SECONDS;
    fetchedAt = started;
    freshUntil = started + Math.min(Math.max(seconds * 1000, cooldownMs), maxAgeMs);
    lastError = null;
  }

  async function fetchOnce(): Promise<void> {
    const started = clock.now();
    lastAttempt = started;
    fetches++;
    try {
      const headers: Record<string, string> = { accept: 'application/jwk-set+json, application/json' };
      if (etag !== null && keys !== null) headers['if-none-match'] = etag;
      const response = await fetchImpl(url, {
        headers,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (response.status === 304 && keys !== null) {
        await response.body?.cancel();
        markFresh(started, response);
        return;
      }
      if (response.status !== 200) {
        await response.body?.cancel();
        throw new Error(`the JWKS answered HTTP ${response.status}`);
      }
      const bytes = await readStreamLimited(response.body, MAX_JWKS_BYTES);
      if (bytes === null) throw new Error(`the JWKS is larger than ${MAX_JWKS_BYTES} bytes`);
      let document: unknown;
      try {
        document = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
      } catch {
        throw new Error('the JWKS is not UTF-8 JSON');
      }
      const imported = await importJwks(document, keys ?? undefined);
      keys = imported.keys;
      skipped = imported.skipped;
      etag = response.headers.get('etag');
      markFresh(started, response);
    } catch (error) {
      lastError = describe(error, timeoutMs);
      try {
        onRefreshFailed?.(lastError);
      } catch {
        // An observer must not decide what the verifier does.
      }
    }
  }

  function refresh(): Promise<void> {
    inflight ??= fetchOnce().finally(() => {
      inflight = null;
    });
    return inflight;
  }

  function unavailable(): never {
    throw new KeysUnavailableError(
      keys === null
        ? `the JWKS has not been fetched yet${lastError === null ? '' : `: ${lastError}`}`
        : `the keys held are older than ${maxAgeMs / 1000} s and the JWKS cannot be fetched${lastError === null ? '' : `: ${lastError}`}`,
    );
  }

  async function lookupAfterFetch(kid: string, due: boolean): Promise<WebVerificationKey | undefined> {
    if (due) await refresh();
    if (!usable(clock.now())) unavailable();
    let key = keys!.get(kid);
    if (key === undefined && mayFetch(clock.now())) {
      await refresh();
      if (!usable(clock.now())) unavailable();
      key = keys!.get(kid);
    }
    return key;
  }

  return {
    lookup(kid) {
      const now = clock.now();
      const due = (keys === null || now >= freshUntil) && mayFetch(now);
      if (!due) {
        if (!usable(now)) unavailable();
        const key = keys!.get(kid);
        if (key !== undefined || !mayFetch(now)) return key;
      }
      return lookupAfterFetch(kid, due);
    },
    refresh,
    status: () => ({
      fetchedAt: keys === null ? null : fetchedAt,
      freshUntil: keys === null ? null : freshUntil,
      kids: keys === null ? [] : [...keys.keys()],
      skipped: [...skipped],
      lastError,
      fetches,
    }),
  };
}
