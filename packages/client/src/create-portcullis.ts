import { formatProofHeader, HEADER_PROOF, HEADER_TOKEN, proofMessage } from '@portcullis/protocol';
import { backoffDelay } from './backoff-delay.js';
import { createRouteMatcher, type RouteRule } from './create-route-matcher.js';
import { createSerialLane } from './create-serial-lane.js';
import {
  createShieldApi,
  type FetchFunction,
  serverTimeOffset,
  transportError,
} from './create-shield-api.js';
import { createTargetResolver } from './create-target-resolver.js';
import { createTokenSource, type RetryPolicy, type TokenState } from './create-token-source.js';
import { isPortcullisError, PortcullisError } from './portcullis-error.js';
import { createPortcullisEventHub, type PortcullisListener } from './portcullis-event.js';
import type { AttestationProvider } from './providers/attestation-provider.js';
import { readBodyBytes } from './read-body-bytes.js';
import { readShieldProblem } from './read-shield-problem.js';

/** Options of `createPortcullis`. Bad options throw a TypeError naming the option. */
export interface PortcullisOptions {
  /** The shield's URL, e.g. `https://shield.example.com` (a path prefix is allowed). */
  baseUrl: string;
  /** The app's id in the shield's config (`apps.<appId>`). */
  appId: string;
  /** Where evidence and signatures come from: App Attest, Android, debug or the test kit's Node provider. */
  provider: AttestationProvider;
  /**
   * Routes whose requests carry a `Portcullis-Proof` (the routes with `require.proof` in the
   * shield's config), when the provider's device key can sign; otherwise they go unsigned and the
   * shield decides. Default none; see `learnProofRoutes`.
   */
  proofRoutes?: readonly RouteRule[];
  /** Routes sent without a token (the shield's `public: true` routes): no attestation for them. */
  publicRoutes?: readonly RouteRule[];
  /**
   * When the shield answers `proof_missing` for a route not in `proofRoutes`, sign that method and
   * path from then on and send the request again, once. Default true.
   */
  learnProofRoutes?: boolean;
  /** Renew a token this many seconds before it expires (at most half its lifetime). Default 60. */
  refreshAheadSeconds?: number;
  /** Time limit of each call to an attestation endpoint, ms, 1000 to 120000. Default 15000. */
  timeoutMs?: number;
  /**
   * Backoff on `rate_limited`, `attestation_unavailable`, `store_unavailable` and attestation
   * throttling: `attempts` (tries, first included; 1 to 10, default 3), `baseDelayMs` (default
   * 500), `maxDelayMs` (default 30000), `maxRetryAfterSeconds` (a longer `Retry-After` is not
   * waited for but returned in the error; default 30).
   */
  retry?: Partial<RetryPolicy>;
  /** Receives every event (also available later through `on`). */
  onEvent?: PortcullisListener;
  /** The fetch to use. Default the platform's `fetch`. */
  fetch?: FetchFunction;
  /** Clock, ms since the epoch. Default `Date.now` (tests move it). */
  now?: () => number;
  /** Random number in [0, 1) for backoff jitter. Default `Math.random`. */
  random?: () => number;
  /** Waits `ms`. Default a timer (tests record the waits instead). */
  sleep?: (ms: number) => Promise<void>;
}

/** A client bound to one shield and one app. */
export interface Portcullis {
  /**
   * `fetch` for the shield's routes: attaches the app token (attesting or refreshing as needed),
   * signs the request when the route needs a proof, retries once after a token refresh, and
   * throws a `PortcullisError` when the shield refuses. The upstream's own answers, errors
   * included, come back as the `Response`.
   */
  fetch(input: string | URL, init?: RequestInit): Promise<Response>;
  /** A valid app token (for a call the SDK does not make itself). */
  getToken(options?: { forceRefresh?: boolean }): Promise<string>;
  /** Drops the token and any cool-down; with `forgetKey`, the device key too (the next call attests). */
  reset(options?: { forgetKey?: boolean }): Promise<void>;
  /** Subscribes to events; returns the unsubscribe function. */
  on(listener: PortcullisListener): () => void;
}

const DEFAULT_RETRY: RetryPolicy = {
  attempts: 3,
  baseDelayMs: 500,
  maxDelayMs: 30_000,
  maxRetryAfterSeconds: 30,
};
/** Methods fetch upper-cases (WHATWG Fetch "normalize a method"); any other is sent as written. */
const NORMALIZED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
const METHOD = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}$/;
/** Below this, a clock difference is latency and the Date header's 1 s resolution. */
const CLOCK_OFFSET_THRESHOLD_MS = 5000;

function integer(value: unknown, name: string, min: number, max: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new TypeError(`${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function optionalFunction<T>(value: T | undefined, name: string): T | undefined {
  if (value !== undefined && typeof value !== 'function') throw new TypeError(`${name} must be a function`);
  return value;
}

function checkProvider(provider: unknown): asserts provider is AttestationProvider {
  const p = provider as Partial<AttestationProvider> | null;
  if (
    typeof p !== 'object' ||
    p === null ||
    typeof p.currentKey !== 'function' ||
    typeof p.attest !== 'function' ||
    typeof p.attested !== 'function' ||
    typeof p.forgetKey !== 'function' ||
    (p.platform !== 'ios' && p.platform !== 'android' && p.platform !== 'debug')
  ) {
    throw new TypeError(
      'provider must be an AttestationProvider (createAppAttestProvider, createAndroidProvider, createDebugProvider, ...)',
    );
  }
}

function normalizeMethod(method: unknown): string {
  if (typeof method !== 'string' || !METHOD.test(method)) {
    throw new PortcullisError('request_invalid', { detail: 'method_invalid' });
  }
  const upper = method.toUpperCase();
  return NORMALIZED_METHODS.has(upper) ? upper : method;
}

/** Rejects with `aborted` as soon as `signal` aborts; the work itself goes on for other callers. */
function abortable<T>(work: Promise<T>, signal: AbortSignal | null | undefined): Promise<T> {
  if (signal === undefined || signal === null) return work;
  if (signal.aborted) return Promise.reject(new PortcullisError('aborted'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new PortcullisError('aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

/**
 * Creates a Portcullis client: the token is kept in memory and renewed ahead of expiry (one
 * renewal in flight however many requests wait), by assertion once the device key is attested;
 * requests to proof routes are signed; failures are `PortcullisError`s with the shield's code and
 * a hint. Nothing here needs Node: it runs in React Native (Hermes), browsers and Node.
 *
 * @example
 * ```ts
 * const portcullis = createPortcullis({
 *   baseUrl: 'https://shield.example.com',
 *   appId: 'shop',
 *   provider,
 *   proofRoutes: [{ methods: ['POST'], path: '/payments/session' }],
 *   publicRoutes: [{ methods: ['GET'], path: '/catalog' }],
 * });
 * const response = await portcullis.fetch('/payments/session', {
 *   method: 'POST',
 *   headers: { 'content-type': 'application/json' },
 *   body: JSON.stringify({ amount: 1200 }),
 * });
 * ```
 */
export function createPortcullis(options: PortcullisOptions): Portcullis {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const targets = createTargetResolver(options.baseUrl);
  const { appId, provider } = options;
  if (typeof appId !== 'string' || !/^[A-Za-z0-9._-]{1,64}$/.test(appId)) {
    throw new TypeError('appId must be the app id configured in the shield (1 to 64 letters, digits, . _ -)');
  }
  checkProvider(provider);
  const proofRoutes = createRouteMatcher(options.proofRoutes, 'proofRoutes');
  const publicRoutes = createRouteMatcher(options.publicRoutes, 'publicRoutes');
  if (options.learnProofRoutes !== undefined && typeof options.learnProofRoutes !== 'boolean') {
    throw new TypeError('learnProofRoutes must be a boolean');
  }
  const learnProofRoutes = options.learnProofRoutes ?? true;
  const refreshAheadMs = 1000 * integer(options.refreshAheadSeconds, 'refreshAheadSeconds', 0, 3600, 60);
  const timeoutMs = integer(options.timeoutMs, 'timeoutMs', 1000, 120_000, 15_000);
  const given = options.retry ?? {};
  const retry: RetryPolicy = {
    attempts: integer(given.attempts, 'retry.attempts', 1, 10, DEFAULT_RETRY.attempts),
    baseDelayMs: integer(given.baseDelayMs, 'retry.baseDelayMs', 1, 600_000, DEFAULT_RETRY.baseDelayMs),
    maxDelayMs: integer(given.maxDelayMs, 'retry.maxDelayMs', 1, 3_600_000, DEFAULT_RETRY.maxDelayMs),
    maxRetryAfterSeconds: integer(
      given.maxRetryAfterSeconds,
      'retry.maxRetryAfterSeconds',
      0,
      3600,
      DEFAULT_RETRY.maxRetryAfterSeconds,
    ),
  };
  const now = optionalFunction(options.now, 'now') ?? (() => Date.now());
  const random = optionalFunction(options.random, 'random') ?? Math.random;
  const sleep =
    optionalFunction(options.sleep, 'sleep') ??
    ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const fetchImpl: FetchFunction =
    optionalFunction(options.fetch, 'fetch') ?? ((url, init) => globalThis.fetch(url, init));
  const events = createPortcullisEventHub(optionalFunction(options.onEvent, 'onEvent'));
  const lane = provider.ordered ? createSerialLane() : undefined;

  let clockOffsetMs = 0;
  function onServerTime(offsetMs: number): void {
    const next = Math.abs(offsetMs) >= CLOCK_OFFSET_THRESHOLD_MS ? offsetMs : 0;
    if (Math.abs(next - clockOffsetMs) >= 1000) events.emit({ type: 'clock_offset', offsetMs: next });
    clockOffsetMs = next;
  }

  const api = createShieldApi({
    baseUrl: targets.baseUrl,
    appId,
    fetch: fetchImpl,
    timeoutMs,
    now,
    onServerTime,
  });
  const tokens = createTokenSource({
    api,
    provider,
    events,
    lane,
    now,
    random,
    sleep,
    refreshAheadMs,
    retry,
  });

  if (provider.releaseBuild === true) {
    const message =
      'Portcullis: the debug provider is on in a release build. Its credential can be extracted from the app; use it only in simulator, CI and device-farm builds.';
    console.warn(message);
    events.emit({ type: 'warning', code: 'debug_provider_in_release', message });
  }

  function canSign(state: TokenState): boolean {
    return state.keyId !== null && provider.signProof !== undefined;
  }

  async function proofHeader(
    state: TokenState,
    method: string,
    target: string,
    body: Uint8Array,
    authorization: string | null,
  ): Promise<string> {
    if (state.keyId === null || provider.signProof === undefined)
      throw new PortcullisError('proof_unsupported');
    const timestampMs = Math.max(0, Math.round(now() + clockOffsetMs));
    let message: string;
    try {
      message = proofMessage({
        method,
        target,
        body,
        timestampMs,
        token: state.token,
        authorization: authorization ?? undefined,
      });
    } catch (error) {
      throw new PortcullisError('request_invalid', { detail: 'not_signable', cause: error });
    }
    const signature = await provider.signProof(state.keyId, message);
    try {
      return formatProofHeader(timestampMs, signature);
    } catch (error) {
      throw new PortcullisError('bridge_error', { detail: 'signature_size', cause: error });
    }
  }

  async function send(
    url: string,
    init: RequestInit,
  ): Promise<{ response: Response; problem?: PortcullisError }> {
    const sentAt = now();
    let response: Response;
    try {
      response = await fetchImpl(url, init);
    } catch (error) {
      throw transportError(error, false);
    }
    const problem = await readShieldProblem(response, now());
    if (problem === undefined) return { response };
    // The refusal is thrown or the request sent again: release the unread original body.
    void response.arrayBuffer().catch(() => undefined);
    // Only the shield's own answers tell its time: an upstream's Date header is the upstream's.
    const offset = serverTimeOffset(response, sentAt, now());
    if (offset !== undefined) onServerTime(offset);
    return { response, problem };
  }

  async function protectedFetch(input: string | URL, init: RequestInit = {}): Promise<Response> {
    const { url, target, path } = targets.resolve(input);
    const method = normalizeMethod(init.method ?? 'GET');
    const signal = init.signal;
    const report = (status: number, problem: PortcullisError | undefined, signed: boolean) =>
      events.emit({ type: 'response', method, path, status, code: problem?.code ?? null, signed });

    if (publicRoutes.matches(method, path)) {
      const { response, problem } = await send(url, { ...init, method });
      report(response.status, problem, false);
      if (problem !== undefined) throw problem;
      return response;
    }

    let needsProof = proofRoutes.matches(method, path);
    const body = await readBodyBytes(init.body);
    let tokenRetried = false;
    let proofLearned = false;
    let clockRetried = false;
    let limitRetries = 0;
    const retryWith = (code: PortcullisError['code']) => events.emit({ type: 'retry', code, method, path });

    for (;;) {
      const state = await abortable(tokens.get(), signal);
      const headers = new Headers(init.headers);
      headers.set(HEADER_TOKEN, state.token);
      headers.delete(HEADER_PROOF);
      // A provider without a signing key sends proof routes unsigned: the shield decides, and a
      // `proof_missing` then becomes `proof_unsupported`.
      const signed = needsProof && canSign(state);
      if (signed && body === undefined) throw new PortcullisError('body_unsupported');
      const attempt = async () => {
        if (signed) {
          headers.set(
            HEADER_PROOF,
            await proofHeader(state, method, target, body!, headers.get('authorization')),
          );
        }
        return send(url, { ...init, method, headers });
      };
      let outcome: Awaited<ReturnType<typeof send>>;
      try {
        outcome = signed && lane !== undefined ? await lane(attempt) : await attempt();
      } catch (error) {
        // The bridge says the device key is gone: attest a new one and send again, once.
        if (isPortcullisError(error, 'key_invalid') && !tokenRetried && body !== undefined) {
          tokenRetried = true;
          events.emit({ type: 'key_lost', reason: 'device' });
          await provider.forgetKey();
          tokens.invalidate(state.token);
          retryWith('key_invalid');
          continue;
        }
        // A provider of the app's own that throws something else still yields a typed error.
        throw error instanceof PortcullisError
          ? error
          : new PortcullisError('bridge_error', { cause: error });
      }
      const { response, problem } = outcome;
      if (problem === undefined) {
        report(response.status, undefined, signed);
        return response;
      }
      const replayable = body !== undefined;
      if (
        (problem.code === 'token_expired' || problem.code === 'token_invalid') &&
        !tokenRetried &&
        replayable
      ) {
        tokenRetried = true;
        tokens.invalidate(state.token);
        retryWith(problem.code);
        continue;
      }
      if (problem.code === 'device_revoked') {
        // Sending the same token again would be refused until it expires: drop it and its key;
        // the next call attests a new key, which the shield's policy accepts or refuses.
        await tokens.revoked(state);
        report(response.status, problem, signed);
        throw problem;
      }
      if (problem.code === 'proof_missing' && !canSign(state)) {
        report(response.status, problem, signed);
        throw new PortcullisError('proof_unsupported', {
          status: problem.status,
          requestId: problem.requestId,
          cause: problem,
        });
      }
      if (problem.code === 'proof_missing' && !signed && learnProofRoutes && !proofLearned && replayable) {
        proofLearned = true;
        needsProof = true;
        proofRoutes.add({ methods: [method], path });
        events.emit({ type: 'proof_route_learned', method, path });
        retryWith(problem.code);
        continue;
      }
      if (problem.code === 'proof_stale' && !clockRetried && replayable) {
        // `send` has just read the shield's clock from this answer: sign again with it.
        clockRetried = true;
        retryWith(problem.code);
        continue;
      }
      if (
        (problem.code === 'rate_limited' || problem.code === 'store_unavailable') &&
        replayable &&
        limitRetries + 1 < retry.attempts &&
        (problem.retryAfter ?? 0) <= retry.maxRetryAfterSeconds
      ) {
        const delayMs = backoffDelay(limitRetries, retry, problem.retryAfter, random);
        limitRetries += 1;
        events.emit({ type: 'backoff', code: problem.code, attempt: limitRetries, delayMs });
        await abortable(sleep(delayMs), signal);
        continue;
      }
      report(response.status, problem, signed);
      throw problem;
    }
  }

  return {
    fetch: protectedFetch,
    async getToken(getOptions = {}) {
      return (await tokens.get(getOptions.forceRefresh === true)).token;
    },
    async reset(resetOptions = {}) {
      tokens.reset();
      if (resetOptions.forgetKey === true) await provider.forgetKey();
    },
    on: events.on,
  };
}
