import type { Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import type { IdentifierHasher } from '../identifier-hasher.js';
import {
  createEndpointLimiter,
  createLimitChecks,
  createMemoryLimitStore,
  createRedisLimitStore,
  createSqliteLimitStore,
  type EndpointLimiter,
  type LimitChecks,
  type LimitEvent,
  type LimitRule,
  type LimitStore,
  type RouteLimits,
} from '../limits/index.js';
import type { Logger } from './logger.js';
import { routeId } from './route-specs.js';

export interface ShieldLimits {
  store: LimitStore;
  checks: LimitChecks;
  endpoints: EndpointLimiter;
  close(): Promise<void>;
}

/** The config's routes' limits in the limiter's terms. */
export function routeLimits(config: Config): RouteLimits[] {
  return config.routes
    .filter((route) => route.limits.length > 0)
    .map((route) => ({
      routeId: routeId(route),
      mode: route.limitMode,
      // On proof routes the limits count only requests whose proof verified (the proof check
      // runs first): a copied token cannot spend the genuine device's budget.
      afterBody: route.require?.proof === true,
      onStoreFailure: route.onStoreFailure,
      rules: route.limits.map(
        (limit): LimitRule => ({
          per: limit.per,
          max: limit.max,
          windowSeconds: limit.window,
          ...(limit.name !== undefined ? { name: limit.name } : {}),
          ...(limit.group !== undefined ? { group: limit.group } : {}),
          ...(limit.mode !== undefined ? { mode: limit.mode } : {}),
          ...(limit.field !== undefined ? { field: limit.field } : {}),
          ...(limit.cost !== undefined
            ? {
                cost: {
                  paths: [...limit.cost.paths],
                  count: limit.cost.count,
                  whenUnreadable: limit.cost.whenUnreadable,
                },
              }
            : {}),
        }),
      ),
    }));
}

/**
 * Rate limits and budgets of the gateway routes and of the shield's own endpoints, on the
 * store that matches the config's: Redis with redis+postgres (shared by every instance), a table
 * in the SQLite file, or memory.
 */
export async function createShieldLimits(
  config: Config,
  options: { clock: Clock; logger: Logger; identifiers: IdentifierHasher },
): Promise<ShieldLimits> {
  const store: LimitStore =
    config.store.kind === 'redis+postgres'
      ? await createRedisLimitStore({
          url: config.store.redisUrl,
          keyPrefix: 'portcullis:limit:',
          commandTimeoutMs: config.limits.redisCommandTimeoutMs,
          onError: (error) => options.logger.error({ reason: error.reason }, 'limit store trouble'),
        })
      : config.store.kind === 'sqlite'
        ? createSqliteLimitStore({ path: config.store.path })
        : createMemoryLimitStore();
  const onEvent = (event: LimitEvent) => options.logger.warn({ ...event }, 'limit event');
  const checks = createLimitChecks({
    store,
    identifiers: options.identifiers,
    routes: routeLimits(config),
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
      await store.close();
    },
  };
}
