import type { Config, RouteConfig } from '../config/index.js';
import type { RouteSpec } from '../gateway/index.js';

/** The id a route gets when the config names none: its methods and path. */
export function routeId(route: RouteConfig): string {
  return route.id ?? `${route.match.methods.join(',')} ${route.match.path}`;
}

function injectsSecret(route: RouteConfig): boolean {
  return Object.values(route.inject?.headers ?? {}).some((value) => value.includes('${secret:'));
}

/** Maps the config's routes to the gateway's route specs (the gateway knows nothing of YAML). */
export function routeSpecs(config: Config): RouteSpec[] {
  return config.routes.map((route) => ({
    id: routeId(route),
    methods: [...route.match.methods],
    path: route.match.path,
    upstream: new URL(route.upstream),
    ...(route.stripPrefix !== undefined ? { stripPrefix: route.stripPrefix } : {}),
    public: route.public,
    require: {
      token: route.require?.token ?? false,
      ...(route.require?.level !== undefined ? { level: route.require.level } : {}),
      ...(route.require?.apps !== undefined ? { apps: [...route.require.apps] } : {}),
    },
    inject: { headers: { ...(route.inject?.headers ?? {}) } },
    // E-31: a route that injects a secret talks to a provider on the owner's behalf; the user's
    // session (Authorization, cookies) stays out, and the provider's cookies stay off our origin.
    ...(injectsSecret(route) && !route.forwardCredentials
      ? { removeHeaders: ['authorization', 'cookie'], removeResponseHeaders: ['set-cookie'] }
      : {}),
    maxBodyBytes: route.maxBodyBytes ?? config.http.maxBodyBytes,
    timeouts: { ...route.timeouts },
  }));
}

/**
 * The CA bundle for https upstreams: the system roots plus every private CA a route names
 * (`routes[].tls.caFile`), or undefined when no route names one (system roots only).
 */
export function upstreamCaBundle(
  config: Config,
  readFile: (file: string) => string,
  systemRoots: readonly string[],
) {
  const files = [
    ...new Set(config.routes.flatMap((route) => (route.tls === undefined ? [] : [route.tls.caFile]))),
  ];
  if (files.length === 0) return undefined;
  return [...systemRoots, ...files.map(readFile)].join('\n');
}

/** Proof settings of every route that requires a proof, by route id. */
export function proofRoutes(
  config: Config,
): Record<string, { skewSeconds?: number; onStoreOutage?: 'refuse' | 'allow-signature-only' }> {
  return Object.fromEntries(
    config.routes
      .filter((route) => route.require?.proof === true)
      .map((route) => [
        routeId(route),
        {
          ...(route.proof?.skewSeconds !== undefined ? { skewSeconds: route.proof.skewSeconds } : {}),
          ...(route.proof?.onStoreOutage !== undefined ? { onStoreOutage: route.proof.onStoreOutage } : {}),
        },
      ]),
  );
}
