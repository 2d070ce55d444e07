import { ShieldError } from '../errors.js';
import type { GatewayCheck, GatewayCheckContext } from '../gateway/types.js';
import type { IdentifierHasher } from '../identifier-hasher.js';
import { StoreUnavailableError } from '../stores/ports.js';
import { StoreOutageError } from '../stores/store-outage-error.js';
import {
  type CompiledCost,
  type CompiledRouteLimits,
  type CompiledRule,
  compileRouteLimits,
} from './compile-route-limits.js';
import { formatRateLimitHeaders, type RateLimitEntry } from './format-rate-limit-headers.js';
import type { LimitFailureReason } from './limit-failure-reasons.js';
import { limitKeyForAuthorization } from './limit-key-for-authorization.js';
import { assertIpv6PrefixLength, limitKeyForIp } from './limit-key-for-ip.js';
import { readBodyField } from './read-body-field.js';
import { readBodyJson } from './read-body-json.js';
import { readRequestCost } from './read-request-cost.js';
import { createMemoryLimitStore } from './stores/create-memory-limit-store.js';
import type {
  BucketOutcome,
  BucketRequest,
  LimitCounters,
  LimitEvent,
  LimitStore,
  RouteLimits,
} from './types.js';

export interface LimitChecksOptions {
  /** Where the buckets live: createMemoryLimitStore, createSqliteLimitStore or createRedisLimitStore. */
  store: LimitStore;
  /** The limits of each route that has any; routes not listed are not limited here. */
  routes: readonly RouteLimits[];
  /**
   * Turns each identity (device, user, IP, app, body field) into its bucket key
   * (`createIdentifierHasher` over the deployment's identifier key). Every instance sharing the
   * store must use the same key, or each counts on its own buckets.
   */
  identifiers: IdentifierHasher;
  /**
   * App token claim that names the user for `per: 'user'` (its string or number value). Absent
   * (default): the user is the request's Authorization header value, hashed.
   */
  userClaim?: string;
  /** Prefix length grouping IPv6 clients for `per: 'ip'`, 1 to 128. Default 64. */
  ipv6PrefixLength?: number;
  /**
   * While the store is down, fail-open routes allow each rule's `max / insuranceDivisor` (at least
   * 1) per key and window on each instance. Set it to at least the number of instances so all of
   * them together stay within the limit. Integer 1 to 1 000 000. Default 4.
   */
  insuranceDivisor?: number;
  /** Most buckets the insurance limiter holds. Default 10 000. */
  insuranceMaxKeys?: number;
  /** Retry-After of the 503 answered on fail-closed routes while the store is down, seconds (1-3600). Default 5. */
  outageRetryAfterSeconds?: number;
  /** Refusals, monitor hits and outage decisions, for the audit log and metrics. Must not throw. */
  onEvent?: (event: LimitEvent) => void;
}

/** The gateway checks of the route limits, and their counters. */
export interface LimitChecks {
  /**
   * `[headers, body]`: register both in `GatewayOptions.checks`, the body one after the proof
   * checks. The headers check judges plain limits before the body is read; the body check judges
   * budgets and body-field limits, then sets `RateLimit-Policy` and `RateLimit` for all of them.
   */
  readonly checks: readonly [GatewayCheck, GatewayCheck];
  counters(): LimitCounters;
  /** Closes the insurance limiter (the store passed in stays the caller's to close). */
  close(): Promise<void>;
}

interface Planned {
  rule: CompiledRule;
  cost: number;
  bucket: BucketRequest;
}

const CLAIM = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

function integerOption(
  value: number | undefined,
  fallback: number,
  low: number,
  high: number,
  name: string,
): number {
  const result = value ?? fallback;
  if (!Number.isSafeInteger(result) || result < low || result > high) {
    throw new TypeError(`${name} must be an integer from ${low} to ${high}`);
  }
  return result;
}

function seconds(us: number): number {
  return Math.ceil(us / 1_000_000);
}

function retryAfter(outcomes: readonly BucketOutcome[]): number {
  let wait = 0;
  for (const outcome of outcomes) if (!outcome.allowed && outcome.waitUs > wait) wait = outcome.waitUs;
  return Math.max(1, seconds(wait));
}

/**
 * Builds the gateway checks that enforce each route's limits and budgets (protocol §5 step 2,
 * threats A4-01..A4-07, A6-06, F-24). Every rule is a GCRA bucket (smooth, no double burst at a
 * window edge) keyed by what it counts: the device (`cnf.kid`), the user, the client IP (IPv6 by
 * prefix), the app, the route, a global group, or an identifier in the body. All enforced rules
 * of a phase are taken in one atomic step, all or nothing, so a refused request spends nothing.
 * Refusals throw ShieldError `rate_limited` (or `budget_exhausted` for budgets) with Retry-After;
 * a store failure answers 503 `store_unavailable` on fail-closed routes, or goes through a local
 * insurance limiter on fail-open ones. Options are checked here: a bad rule is a TypeError.
 *
 * @example
 * ```ts
 * const limits = createLimitChecks({
 *   store: await createRedisLimitStore({ url: 'redis://127.0.0.1:6379' }),
 *   identifiers, // createIdentifierHasher(await loadIdentifierKey(keyDir, ...)), shared by every instance
 *   routes: [{ routeId: 'email-send', rules: [
 *     { per: 'device', max: 5, windowSeconds: 600 },
 *     { per: 'device', max: 50, windowSeconds: 86_400, cost: { paths: ['$.to', '$.cc', '$.bcc'] } },
 *     { per: 'app', max: 5_000, windowSeconds: 86_400, cost: { paths: ['$.to', '$.cc', '$.bcc'] } },
 *   ] }],
 * });
 * const gateway = createGateway({ ...options, checks: [...proofChecks, ...limits.checks] });
 * ```
 */
export function createLimitChecks(options: LimitChecksOptions): LimitChecks {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const { store, onEvent } = options;
  if (typeof store?.take !== 'function') throw new TypeError('store must be a LimitStore');
  const { identifiers } = options;
  if (typeof identifiers?.limitKey !== 'function')
    throw new TypeError('identifiers must be an IdentifierHasher');
  const identityHash = (per: string, value: string): string => identifiers.limitKey(per, value);
  if (onEvent !== undefined && typeof onEvent !== 'function')
    throw new TypeError('onEvent must be a function');
  const userClaim = options.userClaim;
  if (userClaim !== undefined && (typeof userClaim !== 'string' || !CLAIM.test(userClaim))) {
    throw new TypeError('userClaim must be a claim name');
  }
  const prefixLength = assertIpv6PrefixLength(options.ipv6PrefixLength ?? 64, 'ipv6PrefixLength');
  const divisor = integerOption(options.insuranceDivisor, 4, 1, 1_000_000, 'insuranceDivisor');
  const outageRetryAfter = integerOption(
    options.outageRetryAfterSeconds,
    5,
    1,
    3600,
    'outageRetryAfterSeconds',
  );
  const insurance = createMemoryLimitStore({
    maxKeys: integerOption(options.insuranceMaxKeys, 10_000, 1, 10_000_000, 'insuranceMaxKeys'),
  });
  const routes = compileRouteLimits(options.routes, divisor);
  const pending = new WeakMap<GatewayCheckContext, RateLimitEntry[]>();
  const counters: LimitCounters = {
    limited: 0,
    unreadable: 0,
    storeFailures: 0,
    failedClosed: 0,
    failOpenAllowed: 0,
    insuranceLimited: 0,
    monitorWouldLimit: 0,
  };

  function report(
    reason: LimitFailureReason,
    context: GatewayCheckContext,
    rule: CompiledRule | null,
    extra: { mode?: 'enforce' | 'monitor'; storeReason?: string } = {},
  ): void {
    if (onEvent === undefined) return;
    try {
      onEvent({
        reason,
        mode: extra.mode ?? 'enforce',
        requestId: context.requestId,
        routeId: context.route.id,
        limit: rule?.policy ?? null,
        per: rule?.per ?? null,
        storeReason: extra.storeReason ?? null,
      });
    } catch {
      // An observer that throws must not change the decision.
    }
  }

  function identityOf(
    rule: CompiledRule,
    context: GatewayCheckContext,
    document: Record<string, unknown> | null,
  ): string | null {
    const claims = context.claims;
    switch (rule.per) {
      case 'device': {
        const kid = claims?.cnf?.kid;
        return typeof kid === 'string' && kid !== '' ? identityHash('device', kid) : null;
      }
      case 'app':
        return typeof claims?.sub === 'string' && claims.sub !== '' ? identityHash('app', claims.sub) : null;
      case 'user': {
        if (userClaim !== undefined) {
          if (claims === null || !Object.hasOwn(claims, userClaim)) return null;
          const value = (claims as unknown as Record<string, unknown>)[userClaim];
          if (typeof value === 'number' && Number.isFinite(value)) return identityHash('user', String(value));
          return typeof value === 'string' && value !== '' ? identityHash('user', value) : null;
        }
        const authorization = context.headers.authorization;
        return typeof authorization === 'string' && authorization !== ''
          ? identityHash('user', limitKeyForAuthorization(authorization))
          : null;
      }
      case 'ip':
        return identityHash('ip', limitKeyForIp(context.clientIp, prefixLength));
      case 'route':
      case 'global':
        return '-';
      case 'body': {
        const value = document === null || rule.field === null ? null : readBodyField(document, rule.field);
        return value === null ? null : identityHash('body', value);
      }
    }
  }

  /** Rules whose identity comes from the app token: nothing to count without one. */
  function countsByToken(rule: CompiledRule): boolean {
    return rule.per === 'device' || rule.per === 'app' || (rule.per === 'user' && userClaim !== undefined);
  }

  function setHeaders(context: GatewayCheckContext, entries: readonly RateLimitEntry[]): void {
    if (entries.length === 0) return;
    const { policy, rateLimit } = formatRateLimitHeaders(entries);
    context.setResponseHeader('RateLimit-Policy', policy);
    context.setResponseHeader('RateLimit', rateLimit);
  }

  /** The store is down: 503 on fail-closed routes, the local insurance limiter on fail-open ones. */
  async function outage(
    route: CompiledRouteLimits,
    planned: readonly Planned[],
    context: GatewayCheckContext,
    error: StoreUnavailableError,
  ): Promise<void> {
    counters.storeFailures++;
    const storeReason = error instanceof StoreOutageError ? error.reason : 'store_unavailable';
    const closed = () => {
      counters.failedClosed++;
      report('limit_store_unavailable', context, null, { storeReason });
      return new ShieldError('store_unavailable', 'limit_store_unavailable', {
        retryAfter: outageRetryAfter,
      });
    };
    if (route.onStoreFailure === 'closed') throw closed();
    let outcomes: BucketOutcome[];
    try {
      outcomes = await insurance.take(
        planned.map((p) => ({
          key: p.bucket.key,
          cost: p.cost,
          intervalUs: p.rule.insurance.intervalUs,
          burstUs: p.rule.insurance.burstUs,
        })),
        'all',
        Math.floor(context.now),
      );
    } catch (insuranceError) {
      if (insuranceError instanceof StoreUnavailableError) throw closed();
      throw insuranceError;
    }
    const refused = planned.filter((_, i) => !outcomes[i]!.allowed);
    if (refused.length > 0) {
      counters.insuranceLimited++;
      report('insurance_limit_exceeded', context, refused[0]!.rule, { storeReason });
      throw new ShieldError(
        refused.some((p) => p.rule.cost !== null) ? 'budget_exhausted' : 'rate_limited',
        'insurance_limit_exceeded',
        { retryAfter: retryAfter(outcomes) },
      );
    }
    counters.failOpenAllowed++;
    report('limit_store_failed_open', context, null, { storeReason });
  }

  /** Judges `rules` for one request: throws to refuse, else returns the enforced rules' header entries. */
  async function judge(
    route: CompiledRouteLimits,
    rules: readonly CompiledRule[],
    context: GatewayCheckContext,
    prior: readonly RateLimitEntry[],
  ): Promise<RateLimitEntry[]> {
    const enforced: Planned[] = [];
    const monitored: Planned[] = [];
    let document: Record<string, unknown> | null | undefined;
    const costs = new Map<CompiledCost, number | null>();
    for (const rule of rules) {
      const monitor = rule.mode === 'monitor';
      if (rule.per === 'body' || rule.cost !== null) {
        document ??= context.body === undefined ? null : readBodyJson(context.body);
      }
      const identity = identityOf(rule, context, document ?? null);
      if (identity === null && context.claims === null && context.route.tokenMode === 'monitor') {
        // A monitored route forwards requests its token requirement would refuse, as requests
        // without a token: a rule counted by the token has nothing to count for them.
        if (countsByToken(rule)) {
          report('limit_skipped_token_monitor', context, rule, { mode: 'monitor' });
          continue;
        }
      }
      if (identity === null && rule.per === 'device' && context.claims !== null) {
        report('limit_device_key_missing', context, rule, { mode: rule.mode });
        if (monitor) continue;
        counters.unreadable++;
        throw new ShieldError('device_key_required', 'limit_device_key_missing', {
          detail:
            'this route counts requests per device and the app token carries no device key (debug and Play Integrity tokens have none): attest with App Attest or Android key attestation',
        });
      }
      if (identity === null) {
        report('limit_key_missing', context, rule, { mode: rule.mode });
        if (monitor) continue;
        counters.unreadable++;
        const missing = `this route counts requests per ${rule.per}, which the request does not carry`;
        throw new ShieldError('bad_request', 'limit_key_missing', { message: missing, detail: missing });
      }
      let cost = 1;
      if (rule.cost !== null) {
        let read = costs.get(rule.cost);
        if (read === undefined) {
          read =
            document === null || document === undefined
              ? null
              : readRequestCost(document, rule.cost.paths, rule.cost.counting);
          costs.set(rule.cost, read);
        }
        const charged = read ?? (rule.cost.whenUnreadable === 'refuse' ? null : rule.cost.whenUnreadable);
        if (charged === null) {
          report('budget_cost_unreadable', context, rule, { mode: rule.mode });
          if (monitor) continue;
          counters.unreadable++;
          throw new ShieldError('bad_request', 'budget_cost_unreadable', {
            message: 'the cost of this request could not be read from its JSON body',
          });
        }
        if (charged > rule.shape.max) {
          if (monitor) {
            counters.monitorWouldLimit++;
            report('monitor_would_limit', context, rule, { mode: 'monitor' });
            continue;
          }
          counters.limited++;
          report('budget_cost_over_capacity', context, rule);
          throw new ShieldError('budget_exhausted', 'budget_cost_over_capacity', {
            retryAfter: rule.windowSeconds,
          });
        }
        cost = charged;
      }
      const bucket: BucketRequest = {
        key: rule.keyBase + identity,
        cost,
        intervalUs: rule.shape.intervalUs,
        burstUs: rule.shape.burstUs,
      };
      (monitor ? monitored : enforced).push({ rule, cost, bucket });
    }

    let entries: RateLimitEntry[] = [];
    if (enforced.length > 0) {
      let outcomes: BucketOutcome[] | null = null;
      try {
        outcomes = await store.take(
          enforced.map((p) => p.bucket),
          'all',
          Math.floor(context.now),
        );
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        await outage(route, enforced, context, error);
      }
      if (outcomes !== null) {
        entries = enforced.map((p, i) => ({
          policy: p.rule.policy,
          quota: p.rule.shape.max,
          windowSeconds: p.rule.windowSeconds,
          remaining: outcomes[i]!.remaining,
          resetSeconds: seconds(outcomes[i]!.fullInUs),
        }));
        const refused = enforced.filter((_, i) => !outcomes[i]!.allowed);
        if (refused.length > 0) {
          setHeaders(context, [...prior, ...entries]);
          const budget = refused.some((p) => p.rule.cost !== null);
          counters.limited++;
          report(budget ? 'budget_exceeded' : 'limit_exceeded', context, refused[0]!.rule);
          throw new ShieldError(
            budget ? 'budget_exhausted' : 'rate_limited',
            budget ? 'budget_exceeded' : 'limit_exceeded',
            { retryAfter: retryAfter(outcomes) },
          );
        }
      }
    }

    if (monitored.length > 0) {
      try {
        const outcomes = await store.take(
          monitored.map((p) => p.bucket),
          'each',
          Math.floor(context.now),
        );
        monitored.forEach((p, i) => {
          if (outcomes[i]!.allowed) return;
          counters.monitorWouldLimit++;
          report('monitor_would_limit', context, p.rule, { mode: 'monitor' });
        });
      } catch (error) {
        if (!(error instanceof StoreUnavailableError)) throw error;
        counters.storeFailures++;
        report('limit_store_unavailable', context, null, {
          mode: 'monitor',
          storeReason: error instanceof StoreOutageError ? error.reason : 'store_unavailable',
        });
      }
    }
    return entries;
  }

  const headersCheck: GatewayCheck = {
    name: 'limits',
    phase: 'headers',
    async run(context) {
      const route = routes.get(context.route.id);
      if (route === undefined || route.headerRules.length === 0) return;
      pending.set(context, await judge(route, route.headerRules, context, []));
    },
  };

  const bodyCheck: GatewayCheck = {
    name: 'limits-body',
    phase: 'body',
    async run(context) {
      const route = routes.get(context.route.id);
      if (route === undefined) return;
      const prior = pending.get(context) ?? [];
      pending.delete(context);
      const entries =
        route.bodyRules.length === 0
          ? prior
          : [...prior, ...(await judge(route, route.bodyRules, context, prior))];
      setHeaders(context, entries);
    },
  };

  return {
    checks: [headersCheck, bodyCheck],
    counters: () => ({ ...counters }),
    close: () => insurance.close(),
  };
}
