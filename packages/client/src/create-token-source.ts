import type { Platform } from '@portcullis/protocol';
import { type BackoffOptions, backoffDelay } from './backoff-delay.js';
import type { SerialLane } from './create-serial-lane.js';
import type { IssuedToken, ShieldApi } from './create-shield-api.js';
import { isPortcullisError, PortcullisError, type PortcullisErrorCode } from './portcullis-error.js';
import type { PortcullisEventHub } from './portcullis-event.js';
import type { AttestationProvider } from './providers/attestation-provider.js';

/** A token held in memory, with what is needed to use and renew it. */
export interface TokenState {
  token: string;
  /** The device key that signs for the token (`cnf.kid`), or null when the provider cannot sign. */
  keyId: string | null;
  /** The device key the shield registered for the token, signing or not; null for keyless evidence. */
  registeredKeyId: string | null;
  platform: Platform;
  /** Local clock, ms: when to stop sending it (a little before the shield's expiry). */
  usableUntil: number;
  /** Local clock, ms: when to start renewing it in the background. */
  refreshAt: number;
}

/** Retry policy for the attestation endpoints. */
export interface RetryPolicy extends BackoffOptions {
  /** Tries per refresh, the first included. */
  attempts: number;
  /** A `Retry-After` longer than this is not waited for: the call fails with it at once. */
  maxRetryAfterSeconds: number;
}

export interface TokenSourceOptions {
  api: ShieldApi;
  provider: AttestationProvider;
  events: PortcullisEventHub;
  /** Set for providers whose signatures must reach the shield in order (App Attest). */
  lane: SerialLane | undefined;
  now(): number;
  random(): number;
  sleep(ms: number): Promise<void>;
  refreshAheadMs: number;
  retry: RetryPolicy;
}

export interface TokenSource {
  /** A usable token: the held one, or a new one (one refresh in flight, however many callers). */
  get(forceRefresh?: boolean): Promise<TokenState>;
  /** Drops `token` if it is still the held one (the shield refused it). */
  invalidate(token: string): void;
  /**
   * The shield answered `device_revoked` for `state`'s token: drops it and, while the provider
   * still holds the key it was bound to, that key too (`key_lost`, reason `revoked`), so the next
   * call attests a new key instead of sending the revoked token until it expires.
   */
  revoked(state: TokenState): Promise<void>;
  /** Drops the held token and any cool-down. */
  reset(): void;
}

/** Codes after which the SDK waits and tries again: the shield or the vendor said "later". */
const BACKOFF_CODES: ReadonlySet<PortcullisErrorCode> = new Set([
  'rate_limited',
  'budget_exhausted',
  'attestation_unavailable',
  'attestation_throttled',
  'store_unavailable',
]);

function typed(error: unknown): PortcullisError {
  return error instanceof PortcullisError ? error : new PortcullisError('bridge_error', { cause: error });
}

function withRetryAfter(error: PortcullisError, retryAfter: number): PortcullisError {
  return new PortcullisError(error.code, {
    status: error.status,
    requestId: error.requestId,
    retryAfter,
    detail: error.detail,
    cause: error,
  });
}

/**
 * The token life cycle: attest once, then assert; renew ahead of expiry in the background; one
 * refresh in flight at a time; back off (with jitter) when the shield or Apple/Google say
 * "later", and then refuse further refreshes until that time has passed, so a failing device
 * never hammers the attestation services; drop a key the device or the shield no longer knows
 * and attest a new one, once.
 */
export function createTokenSource(options: TokenSourceOptions): TokenSource {
  const { api, provider, events, lane, now, retry } = options;
  let current: TokenState | null = null;
  let inflight: Promise<TokenState> | null = null;
  let generation = 0;
  let blockedUntil = 0;
  let blockedBy: PortcullisError | null = null;
  let failures = 0;

  async function lose(reason: 'device' | 'shield_unknown' | 'revoked'): Promise<void> {
    events.emit({ type: 'key_lost', reason });
    await provider.forgetKey();
  }

  function keep(
    issued: IssuedToken,
    via: 'attest' | 'assert',
    keyId: string | null,
    startedIn: number,
  ): TokenState {
    const received = now();
    const lifetimeMs = issued.expiresIn * 1000;
    const state: TokenState = {
      token: issued.token,
      keyId,
      registeredKeyId: via === 'assert' ? keyId : (issued.keyId ?? null),
      platform: provider.platform,
      usableUntil: received + lifetimeMs - Math.min(5000, lifetimeMs / 10),
      refreshAt: received + lifetimeMs - Math.min(options.refreshAheadMs, lifetimeMs / 2),
    };
    if (startedIn === generation) current = state;
    events.emit({
      type: 'token_issued',
      via,
      platform: provider.platform,
      expiresInSeconds: issued.expiresIn,
    });
    return state;
  }

  /** The cheap path: an assertion by the registered key. 'attest' when the key turned out lost. */
  async function assertWith(keyId: string, startedIn: number): Promise<TokenState | 'attest'> {
    const run = async (): Promise<TokenState | 'attest'> => {
      const challenge = await api.challenge();
      let assertion: string;
      try {
        assertion = await provider.assert!(keyId, challenge);
      } catch (error) {
        if (!isPortcullisError(error, 'key_invalid')) throw error;
        await lose('device');
        return 'attest';
      }
      try {
        return keep(await api.assert(challenge, keyId, assertion), 'assert', keyId, startedIn);
      } catch (error) {
        // The shield does not know the key (its store was reset) or refused the assertion:
        // a new attestation is the only way back.
        if (isPortcullisError(error, 'evidence_invalid')) {
          await lose('shield_unknown');
          return 'attest';
        }
        if (isPortcullisError(error, 'device_revoked')) await lose('revoked');
        throw error;
      }
    };
    return lane === undefined ? run() : lane(run);
  }

  async function attest(startedIn: number): Promise<TokenState> {
    const challenge = await api.challenge();
    const evidence = await provider.attest(challenge);
    if (provider.releaseBuild === true) {
      events.emit({
        type: 'warning',
        code: 'debug_provider_in_release',
        message:
          'Attesting with a debug credential in a release build: remove createDebugProvider from store builds.',
      });
    }
    const issued = await api.attest(challenge, evidence);
    await provider.attested(issued.keyId);
    const keyId = provider.signProof !== undefined ? (issued.keyId ?? null) : null;
    return keep(issued, 'attest', keyId, startedIn);
  }

  async function once(startedIn: number): Promise<TokenState> {
    const keyId = provider.assert === undefined ? null : await provider.currentKey();
    if (keyId !== null) {
      const asserted = await assertWith(keyId, startedIn);
      if (asserted !== 'attest') return asserted;
    }
    return attest(startedIn);
  }

  async function obtain(startedIn: number): Promise<TokenState> {
    let challengeRetried = false;
    for (let attempt = 0; ; attempt++) {
      try {
        const state = await once(startedIn);
        failures = 0;
        blockedBy = null;
        return state;
      } catch (caught) {
        const error = typed(caught);
        // A challenge that expired between issue and use (the app was suspended): once more, now.
        if (error.code === 'challenge_invalid' && !challengeRetried) {
          challengeRetried = true;
          continue;
        }
        if (!BACKOFF_CODES.has(error.code)) throw error;
        const hinted = error.retryAfter;
        if (attempt + 1 >= retry.attempts || (hinted !== undefined && hinted > retry.maxRetryAfterSeconds)) {
          // Cool down: until then refreshes fail at once instead of calling the shield again.
          failures += 1;
          const waitMs = backoffDelay(failures + attempt, retry, hinted, options.random);
          if (startedIn === generation) {
            blockedUntil = now() + waitMs;
            blockedBy = error;
          }
          throw withRetryAfter(error, Math.ceil(waitMs / 1000));
        }
        const delayMs = backoffDelay(attempt, retry, hinted, options.random);
        events.emit({ type: 'backoff', code: error.code, attempt: attempt + 1, delayMs });
        await options.sleep(delayMs);
      }
    }
  }

  function refresh(background: boolean): Promise<TokenState> {
    if (inflight !== null) return inflight;
    const remaining = blockedUntil - now();
    if (blockedBy !== null && remaining > 0) {
      return Promise.reject(withRetryAfter(blockedBy, Math.ceil(remaining / 1000)));
    }
    const startedIn = generation;
    const flight = obtain(startedIn).finally(() => {
      if (inflight === flight) inflight = null;
    });
    inflight = flight;
    flight.catch((error: unknown) => {
      events.emit({ type: 'token_refresh_failed', code: typed(error).code, background });
    });
    return flight;
  }

  return {
    async get(forceRefresh = false) {
      const held = current;
      const at = now();
      if (!forceRefresh && held !== null && at < held.usableUntil) {
        if (at >= held.refreshAt && inflight === null) {
          // Renew ahead of expiry; the app keeps using the held token meanwhile.
          refresh(true).catch(() => {});
        }
        return held;
      }
      return refresh(false);
    },
    invalidate(token) {
      if (current?.token === token) current = null;
    },
    async revoked(state) {
      if (current?.token === state.token) current = null;
      // Several requests may carry the revoked token at once: only the first drops the key, and
      // never a new one attested meanwhile.
      if (state.registeredKeyId !== null && (await provider.currentKey()) === state.registeredKeyId) {
        await lose('revoked');
      }
    },
    reset() {
      generation += 1;
      current = null;
      inflight = null;
      blockedUntil = 0;
      blockedBy = null;
      failures = 0;
    },
  };
}
