import type { Evidence } from '@portcullis/protocol';
import { PortcullisError } from './portcullis-error.js';
import { shieldProblem } from './read-shield-problem.js';

/** The `fetch` the SDK calls: the platform's own by default. */
export type FetchFunction = (url: string, init: RequestInit) => Promise<Response>;

/** A token as an attestation endpoint returns it. */
export interface IssuedToken {
  token: string;
  expiresIn: number;
  keyId?: string;
}

export interface ShieldApiOptions {
  /** The shield's base URL without a trailing slash. */
  baseUrl: string;
  appId: string;
  fetch: FetchFunction;
  timeoutMs: number;
  now(): number;
  /** Told the shield's clock minus the device's, in ms, from each answer's `Date` header. */
  onServerTime(offsetMs: number): void;
}

/** The shield's attestation endpoints (protocol §2). */
export interface ShieldApi {
  challenge(): Promise<string>;
  attest(challenge: string, evidence: readonly Evidence[]): Promise<IssuedToken>;
  assert(challenge: string, keyId: string, assertion: string): Promise<IssuedToken>;
}

const JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const MAX_TOKEN_CHARS = 8192;
const MAX_LIFETIME_SECONDS = 7 * 24 * 3600;

/** The `fetch` failure as a typed error: the caller's abort, our timeout, or the network. */
export function transportError(error: unknown, timedOut: boolean): PortcullisError {
  if (timedOut) return new PortcullisError('timeout', { cause: error });
  if (typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'AbortError') {
    return new PortcullisError('aborted', { cause: error });
  }
  return new PortcullisError('network_error', { cause: error });
}

/** The shield's clock minus ours, from a `Date` header, taking the middle of the round trip. */
export function serverTimeOffset(response: Response, sentAt: number, receivedAt: number): number | undefined {
  const date = response.headers.get('date');
  if (date === null) return undefined;
  const serverMs = Date.parse(date);
  if (!Number.isFinite(serverMs)) return undefined;
  return serverMs - Math.round((sentAt + receivedAt) / 2);
}

function issuedToken(body: unknown, withKeyId: boolean, requestId: string | undefined): IssuedToken {
  const { token, expiresIn, keyId } = (typeof body === 'object' && body !== null ? body : {}) as Record<
    string,
    unknown
  >;
  const valid =
    typeof token === 'string' &&
    token.length <= MAX_TOKEN_CHARS &&
    JWS.test(token) &&
    typeof expiresIn === 'number' &&
    Number.isSafeInteger(expiresIn) &&
    expiresIn > 0 &&
    expiresIn <= MAX_LIFETIME_SECONDS &&
    (keyId === undefined || (withKeyId && typeof keyId === 'string' && keyId.length > 0));
  if (!valid) throw new PortcullisError('response_invalid', { requestId, detail: 'token_response_shape' });
  return { token, expiresIn, ...(typeof keyId === 'string' ? { keyId } : {}) };
}

/**
 * Calls the shield's attestation endpoints with a timeout, and turns every failure into a
 * `PortcullisError`: the shield's problem code, `network_error`, `timeout` or `response_invalid`.
 */
export function createShieldApi(options: ShieldApiOptions): ShieldApi {
  const { baseUrl, appId, timeoutMs, now } = options;

  async function post(
    path: string,
    payload: unknown,
  ): Promise<{ body: unknown; requestId: string | undefined }> {
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const sentAt = now();
    let response: Response;
    let text: string;
    try {
      response = await options.fetch(`${baseUrl}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(payload),
        signal: controller.signal,
      });
      text = await response.text();
    } catch (error) {
      throw transportError(error, timedOut);
    } finally {
      clearTimeout(timer);
    }
    const offset = serverTimeOffset(response, sentAt, now());
    if (offset !== undefined) options.onServerTime(offset);
    const requestId = response.headers.get('x-request-id') ?? undefined;
    if (!response.ok) {
      const problem = shieldProblem(response.status, response.headers, text, now());
      throw problem ?? new PortcullisError('response_invalid', { status: response.status, requestId });
    }
    try {
      return { body: JSON.parse(text) as unknown, requestId };
    } catch (error) {
      throw new PortcullisError('response_invalid', { status: response.status, requestId, cause: error });
    }
  }

  return {
    async challenge() {
      const { body, requestId } = await post('/v1/challenge', { appId });
      const challenge = (body as { challenge?: unknown } | null)?.challenge;
      if (typeof challenge !== 'string' || !/^[A-Za-z0-9_-]{16,128}$/.test(challenge)) {
        throw new PortcullisError('response_invalid', { requestId, detail: 'challenge_response_shape' });
      }
      return challenge;
    },
    async attest(challenge, evidence) {
      const { body, requestId } = await post('/v1/attest', { appId, challenge, evidence });
      return issuedToken(body, true, requestId);
    },
    async assert(challenge, keyId, assertion) {
      const { body, requestId } = await post('/v1/assert', { appId, challenge, keyId, assertion });
      return issuedToken(body, false, requestId);
    },
  };
}
