import type { AdminRouteView } from '../admin/index.js';
import type { RoutePolicy } from '../config/index.js';

/**
 * Each route's effective policy (the compiled RoutePolicy the gateway runs) as the console's
 * routes page shows it: matching, protection, how many limits apply, the names (never the
 * values) of injected headers, and the token and limit modes.
 */
export function routeViews(policies: readonly RoutePolicy[]): AdminRouteView[] {
  return policies.map((policy) => ({
    id: policy.id,
    methods: [...policy.methods],
    path: policy.path,
    public: policy.public,
    require: {
      token: policy.token !== null,
      ...(policy.token !== null ? { level: policy.token.minLevel } : {}),
      ...(policy.token !== null && policy.token.apps.length > 0 ? { apps: [...policy.token.apps] } : {}),
      proof: policy.proof !== null,
      binding: policy.token?.binding === true,
    },
    limits: policy.limits.rules.length,
    injects: policy.inject.map((entry) => entry.header),
    tokenMode: policy.token?.mode ?? 'enforce',
    limitMode: policy.limits.mode,
  }));
}
