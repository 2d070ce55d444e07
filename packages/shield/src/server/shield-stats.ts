import type { GatewayStats } from '../gateway/index.js';
import type { TokenVerifierStats } from '../tokens/index.js';
import type { ShieldLimits } from './limit-wiring.js';

/** The counters the admin listener serves as `portcullis_*` metrics (`_total`: counters). */
export function shieldStats(parts: {
  audit: { pending: number; written: number; failed: number; dropped: number };
  limits: ShieldLimits;
  tokens: TokenVerifierStats;
  gateway: GatewayStats;
}): Record<string, number> {
  const routes = parts.limits.checks.counters();
  const endpoints = parts.limits.endpoints.counters();
  return {
    audit_records_written_total: parts.audit.written,
    audit_records_failed_total: parts.audit.failed,
    audit_records_dropped_total: parts.audit.dropped,
    audit_records_pending: parts.audit.pending,
    route_limit_refused_total: routes.limited,
    route_limit_unreadable_total: routes.unreadable,
    route_limit_store_failures_total: routes.storeFailures,
    route_limit_failed_closed_total: routes.failedClosed,
    route_limit_fail_open_allowed_total: routes.failOpenAllowed,
    route_limit_insurance_refused_total: routes.insuranceLimited,
    route_limit_monitor_would_refuse_total: routes.monitorWouldLimit,
    endpoint_limit_refused_total: endpoints.limited,
    endpoint_limit_store_failures_total: endpoints.storeFailures,
    endpoint_limit_failed_closed_total: endpoints.failedClosed,
    route_token_monitor_would_refuse_total: parts.gateway.tokenMonitorWouldRefuse,
    token_cache_entries: parts.tokens.cacheEntries,
    token_cache_hits_total: parts.tokens.cacheHits,
    token_cache_misses_total: parts.tokens.cacheMisses,
  };
}
