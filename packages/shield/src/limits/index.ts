// The limits module's public surface: route limits and budgets as gateway checks, the shield's
// endpoint limiter, the client IP resolver, and the three bucket stores.

export { countAddresses } from './count-addresses.js';
export {
  type ClientIpRequest,
  type ClientIpResolver,
  type ClientIpResolverOptions,
  createClientIpResolver,
} from './create-client-ip-resolver.js';
export {
  createEndpointLimiter,
  DEFAULT_ENDPOINT_LIMITS,
  type EndpointKind,
  type EndpointLimit,
  type EndpointLimiter,
  type EndpointLimiterOptions,
  type EndpointLimitSettings,
} from './create-endpoint-limiter.js';
export { createLimitChecks, type LimitChecks, type LimitChecksOptions } from './create-limit-checks.js';
export { type BucketDecision, decideBuckets, shapeBucket } from './decide-buckets.js';
export { formatRateLimitHeaders, type RateLimitEntry } from './format-rate-limit-headers.js';
export { LIMIT_FAILURE_REASONS, type LimitFailureReason } from './limit-failure-reasons.js';
export { limitKeyForIp } from './limit-key-for-ip.js';
export { type ParsedIp, parseIp } from './parse-ip.js';
export { createMemoryLimitStore, type MemoryLimitStoreOptions } from './stores/create-memory-limit-store.js';
// The Redis and SQLite bucket stores load their drivers: they are imported by path, and only
// for the config that uses them (server/limit-wiring.ts).
export type { RedisLimitStore, RedisLimitStoreOptions } from './stores/create-redis-limit-store.js';
export type { SqliteLimitStoreOptions } from './stores/create-sqlite-limit-store.js';
export type {
  BucketOutcome,
  BucketRequest,
  CostSpec,
  LimitCounters,
  LimitEvent,
  LimitKeyKind,
  LimitRule,
  LimitStore,
  RouteLimits,
} from './types.js';
