import type { Clock } from '../clock.js';
import { ShieldError } from '../errors.js';
import type { IdentifierHasher } from '../identifier-hasher.js';
import { StoreUnavailableError } from '../stores/ports.js';
import { StoreOutageError } from '../stores/store-outage-error.js';
import { shapeBucket } from './decide-buckets.js';
import type { LimitFailureReason } from './limit-failure-reasons.js';
import { assertIpv6PrefixLength, limitKeyForIp } from './limit-key-for-ip.js';
import { createMemoryLimitStore } from './stores/create-memory-limit-store.js';
import type { BucketOutcome, BucketRequest, LimitCounters, LimitEvent, LimitStore } from './types.js';

/** The shield's own endpoints that cost something to serve (and, for attest, the owner's Apple/Google quota). */
export type EndpointKind = 'challenge' | 'attest' | 'assert';

/** Units per window. */
export interface EndpointLimit {
  max: number;
  windowSeconds: number;
}

/** Every endpoint limit. */
export interface EndpointLimitSettings {
  challenge: { perIp: EndpointLimit };
  attest: { perIp: EndpointLimit; perKey: EndpointLimit };
  assert: { perIp: EndpointLimit; perKey: EndpointLimit };
  /** Failed attestations and assertions (A2-03); when used up, attest and assert are locked out. */
  failures: { perIp: EndpointLimit; perKey: EndpointLimit };
}

/**
 * Defaults sized for one device per address, with room for small NATs. Carrier-grade NAT puts
 * many phones behind one IPv4 address: raise the perIp values there; the perKey ones stay precise.
 */
export const DEFAULT_ENDPOINT_LIMITS: EndpointLimitSettings = {
  challenge: { perIp: { max: 120, windowSeconds: 60 } },
  attest: { perIp: { max: 30, windowSeconds: 60 }, perKey: { max: 10, windowSeconds: 3600 } },
  assert: { perIp: { max: 120, windowSeconds: 60 }, perKey: { max: 30, windowSeconds: 3600 } },
  failures: { perIp: { max: 60, windowSeconds: 3600 }, perKey: { max: 10, windowSeconds: 3600 } },
};

export interface EndpointLimiterOptions {
  store: LimitStore;
  /** Time for the memory and SQLite stores and the insurance limiter (Redis uses its own). */
  clock: Clock;
  /** Turns client addresses and key ids into bucket keys; the same key on every instance. */
  identifiers: IdentifierHasher;
  /** Overrides of DEFAULT_ENDPOINT_LIMITS, per endpoint and limit. */
  limits?: { [K in keyof EndpointLimitSettings]?: Partial<EndpointLimitSettings[K]> };
  /** When the store fails: `'closed'` (default) throws `store_unavailable`; `'open'` uses a local insurance limiter. */
  onStoreFailure?: 'closed' | 'open';
  /** IPv6 clients are counted by this prefix, 1 to 128. Default 64. */
  ipv6PrefixLength?: number;
  /** Insurance caps are `max / insuranceDivisor` (at least 1) per instance. Default 4. */
  insuranceDivisor?: number;
  /** Retry-After of the `store_unavailable` refusal, seconds (1-3600). Default 5. */
  outageRetryAfterSeconds?: number;
  /** Refusals and outage decisions, for the audit log and metrics. Must not throw. */
  onEvent?: (event: LimitEvent) => void;
}

/** Limits of `/v1/challenge`, `/v1/attest` and `/v1/assert`. */
export interface EndpointLimiter {
  /**
   * Counts one call before any work is done (before the body's evidence is verified). Throws
   * ShieldError `rate_limited` (`endpoint_ip_limit_exceeded`, `endpoint_key_limit_exceeded` or
   * `endpoint_locked_out`) with Retry-After, or `store_unavailable` when the store is down on a
   * fail-closed limiter. `keyId` is the key id the request names (attest evidence, assert body).
   */
  consume(kind: EndpointKind, ip: string, keyId?: string): Promise<void>;
  /**
   * Counts a failed attestation or assertion toward the address's and key id's lockout. Resolves
   * even when the store is down (the failure is reported through onEvent): it runs on error paths.
   */
  recordFailure(kind: EndpointKind, ip: string, keyId?: string): Promise<void>;
  counters(): LimitCounters;
}

interface Shaped {
  name: string;
  max: number;
  windowSeconds: number;
  intervalUs: number;
  burstUs: number;
  insurance: { intervalUs: number; burstUs: number };
}

const KINDS: readonly EndpointKind[] = ['challenge', 'attest', 'assert'];

/**
 * Builds the limiter of the shield's own endpoints (threats A2-03, D-34): per client address
 * (IPv6 by prefix) and per key id, plus a lockout fed by verification failures, so nobody can
 * spend the owner's App Attest or Play Integrity quota or farm tokens from one device. Options
 * are checked here: a bad value is a TypeError naming it.
 *
 * @example
 * ```ts
 * const endpoints = createEndpointLimiter({ store, clock: systemClock, identifiers });
 * await endpoints.consume('attest', clientIp, evidence.keyId); // throws rate_limited when over
 * // ... verification failed:
 * await endpoints.recordFailure('attest', clientIp, evidence.keyId);
 * ```
 */
export function createEndpointLimiter(options: EndpointLimiterOptions): EndpointLimiter {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const { store, clock, onEvent } = options;
  if (typeof store?.take !== 'function') throw new TypeError('store must be a LimitStore');
  if (typeof clock?.now !== 'function') throw new TypeError('clock must be a Clock');
  const { identifiers } = options;
  if (typeof identifiers?.limitKey !== 'function')
    throw new TypeError('identifiers must be an IdentifierHasher');
  const hash = (kind: string, value: string): string => identifiers.limitKey(kind, value);
  const prefixLength = assertIpv6PrefixLength(options.ipv6PrefixLength ?? 64, 'ipv6PrefixLength');
  const onStoreFailure = options.onStoreFailure ?? 'closed';
  if (onStoreFailure !== 'closed' && onStoreFailure !== 'open')
    throw new TypeError('onStoreFailure must be closed or open');
  const divisor = options.insuranceDivisor ?? 4;
  if (!Number.isSafeInteger(divisor) || divisor < 1 || divisor > 1_000_000) {
    throw new TypeError('insuranceDivisor must be an integer from 1 to 1000000');
  }
  const outageRetryAfter = options.outageRetryAfterSeconds ?? 5;
  if (!Number.isSafeInteger(outageRetryAfter) || outageRetryAfter < 1 || outageRetryAfter > 3600) {
    throw new TypeError('outageRetryAfterSeconds must be an integer from 1 to 3600');
  }

  const shape = (group: keyof EndpointLimitSettings, which: 'perIp' | 'perKey'): Shaped | null => {
    const defaults = DEFAULT_ENDPOINT_LIMITS[group] as Partial<Record<'perIp' | 'perKey', EndpointLimit>>;
    const override = options.limits?.[group] as
      | Partial<Record<'perIp' | 'perKey', EndpointLimit>>
      | undefined;
    const limit = override?.[which] ?? defaults[which];
    if (limit === undefined) return null;
    const name = `${group}-${which === 'perIp' ? 'ip' : 'key'}`;
    const { max, windowSeconds } = limit;
    if (!Number.isSafeInteger(max) || max < 1 || max > 1_000_000_000) {
      throw new TypeError(`limits.${group}.${which}.max must be an integer from 1 to 1000000000`);
    }
    if (!Number.isSafeInteger(windowSeconds) || windowSeconds < 1 || windowSeconds > 31 * 86_400) {
      throw new TypeError(`limits.${group}.${which}.windowSeconds must be an integer from 1 to 2678400`);
    }
    const insuranceMax = Math.max(1, Math.floor(max / divisor));
    return {
      name,
      max,
      windowSeconds,
      ...shapeBucket(max, windowSeconds),
      insurance: shapeBucket(insuranceMax, windowSeconds),
    };
  };
  const attempts = new Map<EndpointKind, { ip: Shaped; key: Shaped | null }>(
    KINDS.map((kind) => [
      kind,
      { ip: shape(kind, 'perIp')!, key: kind === 'challenge' ? null : shape(kind, 'perKey') },
    ]),
  );
  const failures = { ip: shape('failures', 'perIp')!, key: shape('failures', 'perKey')! };
  const insurance = createMemoryLimitStore({ maxKeys: 10_000 });
  const counters: LimitCounters = {
    limited: 0,
    unreadable: 0,
    storeFailures: 0,
    failedClosed: 0,
    failOpenAllowed: 0,
    insuranceLimited: 0,
    monitorWouldLimit: 0,
  };

  function report(reason: LimitFailureReason, limit: string | null, storeReason: string | null = null): void {
    if (onEvent === undefined) return;
    try {
      onEvent({ reason, mode: 'enforce', requestId: null, routeId: null, limit, per: null, storeReason });
    } catch {
      // An observer that throws must not change the decision.
    }
  }

  const bucket = (limit: Shaped, identity: string, peek: boolean): BucketRequest => ({
    key: `endpoint:${limit.name}:${limit.max}:${limit.windowSeconds}:${identity}`,
    cost: 1,
    intervalUs: limit.intervalUs,
    burstUs: limit.burstUs,
    ...(peek ? { peek: true } : {}),
  });

  const assertKind = (kind: EndpointKind) => {
    if (!KINDS.includes(kind)) throw new TypeError("kind must be 'challenge', 'attest' or 'assert'");
  };
  const keyOf = (keyId: string | undefined): string | null => {
    if (keyId === undefined) return null;
    if (typeof keyId !== 'string') throw new TypeError('keyId must be a string');
    return keyId === '' ? null : hash('key', keyId);
  };

  return {
    async consume(kind, ip, keyId) {
      assertKind(kind);
      const limits = attempts.get(kind)!;
      const ipId = hash('ip', limitKeyForIp(String(ip), prefixLength));
      const keyIdHash = keyOf(keyId);
      const planned: { limit: Shaped; reason: LimitFailureReason; request: BucketRequest }[] = [
        { limit: limits.ip, reason: 'endpoint_ip_limit_exceeded', request: bucket(limits.ip, ipId, false) },
      ];
      if (limits.key !== null && keyIdHash !== null) {
        planned.push({
          limit: limits.key,
          reason: 'endpoint_key_limit_exceeded',
          request: bucket(limits.key, keyIdHash, false),
        });
      }
      if (kind !== 'challenge') {
        planned.push({
          limit: failures.ip,
          reason: 'endpoint_locked_out',
          request: bucket(failures.ip, ipId, true),
        });
        if (keyIdHash !== null) {
          planned.push({
            limit: failures.key,
            reason: 'endpoint_locked_out',
            request: bucket(failures.key, keyIdHash, true),
          });
        }
      }
      const now = Math.floor(clock.now());
      let outcomes: BucketOutcome[];
      let degraded: string | null = null;
      try {
        outcomes = await store.take(
          planned.map((p) => p.request),
          'all',
          now,
        );
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        counters.storeFailures++;
        const storeReason = error instanceof StoreOutageError ? error.reason : 'store_unavailable';
        if (onStoreFailure === 'closed') {
          counters.failedClosed++;
          report('limit_store_unavailable', null, storeReason);
          throw new ShieldError('store_unavailable', 'limit_store_unavailable', {
            retryAfter: outageRetryAfter,
          });
        }
        try {
          outcomes = await insurance.take(
            planned.map((p) => ({ ...p.request, ...p.limit.insurance })),
            'all',
            now,
          );
        } catch (insuranceError) {
          if (!(insuranceError instanceof StoreUnavailableError)) throw insuranceError;
          counters.failedClosed++;
          report('limit_store_unavailable', null, storeReason);
          throw new ShieldError('store_unavailable', 'limit_store_unavailable', {
            retryAfter: outageRetryAfter,
          });
        }
        degraded = storeReason;
      }
      const refused = planned.filter((_, i) => !outcomes[i]!.allowed);
      if (refused.length === 0) {
        if (degraded !== null) {
          counters.failOpenAllowed++;
          report('limit_store_failed_open', null, degraded);
        }
        return;
      }
      const first = refused.find((p) => p.reason === 'endpoint_locked_out') ?? refused[0]!;
      const reason: LimitFailureReason = degraded !== null ? 'insurance_limit_exceeded' : first.reason;
      if (degraded !== null) counters.insuranceLimited++;
      else counters.limited++;
      report(reason, first.limit.name, degraded);
      let wait = 0;
      for (const outcome of outcomes) if (!outcome.allowed && outcome.waitUs > wait) wait = outcome.waitUs;
      throw new ShieldError('rate_limited', reason, { retryAfter: Math.max(1, Math.ceil(wait / 1_000_000)) });
    },

    async recordFailure(kind, ip, keyId) {
      assertKind(kind);
      const ipId = hash('ip', limitKeyForIp(String(ip), prefixLength));
      const keyIdHash = keyOf(keyId);
      const requests = [bucket(failures.ip, ipId, false)];
      if (keyIdHash !== null) requests.push(bucket(failures.key, keyIdHash, false));
      try {
        await store.take(requests, 'each', Math.floor(clock.now()));
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        counters.storeFailures++;
        report(
          'limit_store_unavailable',
          'failures',
          error instanceof StoreOutageError ? error.reason : 'store_unavailable',
        );
      }
    },

    counters: () => ({ ...counters }),
  };
}
