import type { Config, RoutePolicy } from '../config/index.js';
import type { RouteSpec } from '../gateway/index.js';
import type { ProofRoutePolicy } from '../proofs/index.js';

/** The gateway's route specs, read from the compiled route policies (the gateway knows no YAML). */
export function routeSpecs(policies: readonly RoutePolicy[]): RouteSpec[] {
  return policies.map((policy) => {
    const token = policy.token;
    return {
      id: policy.id,
      methods: [...policy.methods],
      path: policy.path,
      upstream: new URL(policy.upstream),
      ...(policy.stripPrefix !== null ? { stripPrefix: policy.stripPrefix } : {}),
      public: policy.public,
      require:
        token === null
          ? { token: false }
          : {
              token: true,
              level: token.minLevel,
              // No declared app: no token of this shield can verify, so the list adds nothing.
              ...(token.apps.length > 0 ? { apps: [...token.apps] } : {}),
              ...(token.audiencesSource === 'route' ? { audiences: [...token.audiences] } : {}),
            },
      ...(token !== null ? { tokenMode: token.mode } : {}),
      identityHeaders: [...policy.identityHeaders],
      inject: {
        headers: Object.fromEntries(policy.inject.map((entry) => [entry.header, entry.template])),
      },
      // E-31: a route that injects a secret talks to a provider on the owner's behalf; the user's
      // session (Authorization, cookies) stays out, and the provider's cookies stay off our origin.
      ...(policy.credentials === 'strip'
        ? { removeHeaders: ['authorization', 'cookie'], removeResponseHeaders: ['set-cookie'] }
        : {}),
      maxBodyBytes: policy.maxBodyBytes,
      timeouts: { ...policy.timeouts },
    };
  });
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
export function proofRoutes(policies: readonly RoutePolicy[]): Record<string, ProofRoutePolicy> {
  return Object.fromEntries(
    policies.flatMap((policy) =>
      policy.proof === null
        ? []
        : [[policy.id, { skewSeconds: policy.proof.skewSeconds, onStoreOutage: policy.proof.onStoreOutage }]],
    ),
  );
}

/** Ids of the routes whose tokens must be bound to the Authorization header. */
export function bindingRoutes(policies: readonly RoutePolicy[]): string[] {
  return policies.filter((policy) => policy.token?.binding === true).map((policy) => policy.id);
}
