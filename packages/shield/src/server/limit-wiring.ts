import type { Clock } from '../clock.js';
import type { Config, RoutePolicy } from '../config/index.js';
import type { IdentifierHasher } from '../identifier-hasher.js';
import {
  createEndpointLimiter,
  createLimitChecks,
  createMemoryLimitStore,
  type EndpointLimiter,
  type LimitChecks,
  type LimitEvent,
  type LimitRule,
  type LimitStore,
  type RouteLimits,
} from '../limits/index.js';
import type { Logger } from './logger.js';

export interface ShieldLimits {
  store: LimitStore;
  checks: LimitChecks;
  endpoints: EndpointLimiter;
  close(): Promise<void>;
}

/** The compiled routes' limits in the limiter's terms. */
export function routeLimits(policies: readonly RoutePolicy[]): RouteLimits[] {
  return policies
    .filter((policy) => policy.limits.rules.length > 0)
    .map((policy) => ({
      routeId: policy.id,
      mode: policy.limits.mode,
      // On proof routes the limits count only requests whose proof verified (the proof check
      // runs first): a copied token cannot spend the genuine device's budget.
      afterBody: policy.limits.afterProof,
      onStoreFailure: policy.limits.onStoreFailure,
      rules: policy.limits.rules.map(
        (rule): LimitRule => ({
          per: rule.per,
          max: rule.max,
          windowSeconds: rule.windowSeconds,
          mode: rule.mode,
          ...(rule.name !== null ? { name: rule.name } : {}),
          ...(rule.group !== null ? { group: rule.group } : {}),
          ...(rule.field !== null ? { field: rule.field } : {}),
          ...(rule.cost !== null
            ? {
                cost: {
                  paths: [...rule.cost.paths],
                  count: rule.cost.count,
                  whenUnreadable: rule.cost.whenUnreadable,
                },
              }
            : {}),
        }),
      ),
    }));
}

/**
 * The limit store that matches the config's store: Redis with redis+postgres (shared by every
 * instance), a table in the SQLite file, or memory. It outlives config reloads.
 */
export async function createShieldLimitStore(
  config: Config,
  options: { logger: Logger; onError?: (reason: string) => void },
): Promise<LimitStore> {
  // The Redis and SQLite stores (and their drivers) are loaded only for the config that uses them.
  const store = config.store;
  if (store.kind === 'redis+postgres') {
    const { createRedisLimitStore } = await import('../limits/stores/create-redis-limit-store.js');
    return createRedisLimitStore({
      url: store.redisUrl,
      keyPrefix: 'portcullis:limit:',
      commandTimeoutMs: config.limits.redisCommandTimeoutMs,
      onError: (error) => {
        options.onError?.(error.reason);
        options.logger.error({ reason: error.reason }, 'limit store trouble');
      },
    });
  }
  if (store.kind === 'sqlite') {
    const { createSqliteLimitStore } = await import('../limits/stores/create-sqlite-limit-store.js');
    return createSqliteLimitStore({ path: store.path });
  }
  return createMemoryLimitStore();
}

/**
 * Rate limits and budgets of the gateway routes and of the shield's own endpoints, on the
 * store that matches the config's (see `createShieldLimitStore`). Given a `store`, the limits
 * use it and `close()` leaves it open: a reload builds new limits on the running store, so the
 * counts carry over.
 */
export async function createShieldLimits(
  config: Config,
  policies: readonly RoutePolicy[],
  options: { clock: Clock; logger: Logger; identifiers: IdentifierHasher; store?: LimitStore },
): Promise<ShieldLimits> {
  const ownStore = options.store === undefined;
  const store: LimitStore = options.store ?? (await createShieldLimitStore(config, options));
  const onEvent = (event: LimitEvent) => options.logger.warn({ ...event }, 'limit event');
  const checks = createLimitChecks({
    store,
    identifiers: options.identifiers,
    routes: routeLimits(policies),
    ipv6PrefixLength: config.http.ipv6LimitPrefix,
    insuranceDivisor: config.limits.insuranceDivisor,
    outageRetryAfterSeconds: config.limits.outageRetryAfterSeconds,
    ...(config.limits.userClaim !== undefined ? { userClaim: config.limits.userClaim } : {}),
    onEvent,
  });
  const { onStoreFailure, ...perEndpoint } = config.limits.endpoints;
  // Drop the keys a config left unset: the limiter's own defaults fill them in.
  const limits = JSON.parse(JSON.stringify(perEndpoint)) as NonNullable<
    Parameters<typeof createEndpointLimiter>[0]['limits']
  >;
  const endpoints = createEndpointLimiter({
    store,
    clock: options.clock,
    identifiers: options.identifiers,
    limits,
    onStoreFailure,
    ipv6PrefixLength: config.http.ipv6LimitPrefix,
    insuranceDivisor: config.limits.insuranceDivisor,
    outageRetryAfterSeconds: config.limits.outageRetryAfterSeconds,
    onEvent,
  });
  return {
    store,
    checks,
    endpoints,
    async close() {
      await checks.close();
      if (ownStore) await store.close();
    },
  };
}
