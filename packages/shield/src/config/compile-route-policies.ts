import { type AssuranceLevel, meetsLevel } from '@portcullis/protocol';
import { defaultMinLevel } from '@portcullis/protocol/verification';
import { deepFreeze } from './deep-freeze.js';
import { parseSecretTemplate } from './parse-secret-template.js';
import type { Config, RouteConfig } from './schema.js';

/**
 * The identity facts the gateway can pass to an upstream, by short name: the `X-Portcullis-*`
 * headers from the verified token, and `client-address` (`X-Forwarded-For`, `Forwarded`,
 * `X-Forwarded-Proto`).
 */
export const IDENTITY_HEADER_KINDS = [
  'app',
  'device',
  'level',
  'platform',
  'token-id',
  'client-address',
] as const;
export type IdentityHeaderKind = (typeof IDENTITY_HEADER_KINDS)[number];

/** Where a written-out value came from: the route itself, or the default the shield applied. */
export type PolicySource = 'route' | 'default';

/** Evidence kinds whose tokens carry no device key (`cnf`). */
export type KeylessEvidence = 'debug' | 'play-integrity';

/** What a token route asks of the app token. */
export interface RouteTokenPolicy {
  /** `enforce`: refuse what fails; `monitor`: record what would be refused and forward it. */
  readonly mode: 'enforce' | 'monitor';
  /** Lowest assurance level admitted. Default: `basic` in production, `debug` in development. */
  readonly minLevel: AssuranceLevel;
  readonly minLevelSource: PolicySource;
  /** App ids admitted. Default: every declared app. */
  readonly apps: readonly string[];
  readonly appsSource: PolicySource;
  /**
   * Audiences admitted: a token passes when its `aud` holds one of them. Default: every audience
   * of the admitted apps, and then a debug token its credential's scope narrowed (its `aud` lacks
   * one of its app's audiences) is refused, because the route names none of its audiences.
   */
  readonly audiences: readonly string[];
  readonly audiencesSource: PolicySource;
  /** Tokens must be bound to the request's Authorization header (`ath`). */
  readonly binding: boolean;
  /** Evidence kinds of the admitted apps that mint tokens without a device key and meet minLevel. */
  readonly keylessEvidence: readonly KeylessEvidence[];
}

/** The per-request proof settings of a proof route, defaults written out. */
export interface RouteProofPolicy {
  readonly skewSeconds: number;
  readonly onStoreOutage: 'refuse' | 'allow-signature-only';
  readonly retryAfterSeconds: number;
}

/** One rate limit or budget of a route, its mode written out. */
export interface RouteLimitRulePolicy {
  readonly per: RouteConfig['limits'][number]['per'];
  readonly max: number;
  readonly windowSeconds: number;
  /** Policy name in the RateLimit headers; null: derived from `per` by the limiter. */
  readonly name: string | null;
  /** Shared bucket group; null: the route's own bucket. */
  readonly group: string | null;
  readonly mode: 'enforce' | 'monitor';
  /** With `per: body`: the JSON path counted. */
  readonly field: string | null;
  /** A budget's cost reading; null for a plain request count. */
  readonly cost: {
    readonly paths: readonly string[];
    /** What a count is: e-mail addresses or phone numbers, or plain elements and numbers. */
    readonly count: 'addresses' | 'elements';
    readonly whenUnreadable: 'refuse' | number;
  } | null;
}

/** The limits and budgets of a route. */
export interface RouteLimitsPolicy {
  readonly mode: 'enforce' | 'monitor';
  readonly onStoreFailure: 'closed' | 'open';
  /** On proof routes limits count only requests whose proof verified (judged after the body). */
  readonly afterProof: boolean;
  readonly rules: readonly RouteLimitRulePolicy[];
}

/**
 * One route's whole policy, compiled once from the config with every default written out and
 * deep-frozen. The gateway, the proof check, the limiter, the start-up log and
 * `portcullis check --explain` all read this object, so no part of the shield decides a route's
 * policy on its own.
 */
export interface RoutePolicy {
  readonly id: string;
  readonly methods: readonly string[];
  readonly path: string;
  readonly upstream: string;
  readonly stripPrefix: string | null;
  readonly public: boolean;
  /** Null on a public route. */
  readonly token: RouteTokenPolicy | null;
  /** Null when the route needs no per-request proof. */
  readonly proof: RouteProofPolicy | null;
  readonly limits: RouteLimitsPolicy;
  /**
   * Identity facts passed to the upstream: `X-Portcullis-*` headers from the verified token and
   * the client's address. Listed by the route, else {@link defaultIdentityHeaders}.
   */
  readonly identityHeaders: readonly IdentityHeaderKind[];
  readonly identityHeadersSource: PolicySource;
  /**
   * `strip` (routes that inject a secret, by default): the client's Authorization and Cookie stay
   * out and the upstream's Set-Cookie is dropped (threat E-31). `forward`: both pass.
   */
  readonly credentials: 'forward' | 'strip';
  /**
   * Injected headers: the lower-case name, the template as written (`Bearer ${secret:NAME}`: a
   * secret's value is never in it) and the secrets it names.
   */
  readonly inject: readonly {
    readonly header: string;
    readonly template: string;
    readonly secrets: readonly string[];
  }[];
  readonly maxBodyBytes: number;
  readonly timeouts: { readonly connectMs: number; readonly headersMs: number; readonly bodyMs: number };
  /** PEM file of a private CA for an https upstream; null: the system roots. */
  readonly tlsCaFile: string | null;
}

/**
 * The identity facts a route passes on when it lists none: none to a third party (a route that
 * injects a secret has no use for the device key id, the token id or the user's address, and
 * each is a correlator the owner did not mean to hand out), only the client's address to the
 * owner's backend behind a public route (it has no token), all of them behind a token route.
 */
export function defaultIdentityHeaders(
  route: { public: boolean },
  injectsSecret: boolean,
): IdentityHeaderKind[] {
  if (injectsSecret) return [];
  return route.public ? ['client-address'] : [...IDENTITY_HEADER_KINDS];
}

// The level a token route admits when it names none (only attested levels in production) is
// decided in @portcullis/protocol, so a backend verifier (@portcullis/verify) applies the same rule.
export { defaultMinLevel };

function secretNames(template: string): string[] {
  return (parseSecretTemplate(template) ?? []).flatMap((part) => (part.type === 'secret' ? [part.name] : []));
}

function tokenPolicy(config: Config, route: RouteConfig): RouteTokenPolicy {
  const require = route.require;
  const minLevel = require?.level ?? defaultMinLevel(config.mode);
  const apps = require?.apps ?? Object.keys(config.apps);
  const appAudiences = apps.flatMap((appId) => config.apps[appId]?.audiences ?? []);
  const keyless = new Set<KeylessEvidence>();
  for (const appId of apps) {
    const evidence = config.apps[appId]?.evidence ?? [];
    if (evidence.includes('debug') && meetsLevel('debug', minLevel)) keyless.add('debug');
    if (evidence.includes('play-integrity')) keyless.add('play-integrity');
  }
  return {
    mode: route.tokenMode,
    minLevel,
    minLevelSource: require?.level === undefined ? 'default' : 'route',
    apps: [...apps],
    appsSource: require?.apps === undefined ? 'default' : 'route',
    audiences: [...new Set(require?.audiences ?? appAudiences)],
    audiencesSource: require?.audiences === undefined ? 'default' : 'route',
    binding: require?.binding === true,
    keylessEvidence: [...keyless],
  };
}

function compileRoute(config: Config, route: RouteConfig): RoutePolicy {
  const inject = Object.entries(route.inject?.headers ?? {}).map(([header, template]) => ({
    header: header.toLowerCase(),
    template,
    secrets: secretNames(template),
  }));
  const injectsSecret = inject.some((entry) => entry.secrets.length > 0);
  const proof = route.require?.proof === true;
  return {
    id: route.id,
    methods: [...route.match.methods],
    path: route.match.path,
    upstream: route.upstream,
    stripPrefix: route.stripPrefix ?? null,
    public: route.public,
    token: route.public ? null : tokenPolicy(config, route),
    proof: proof
      ? {
          skewSeconds: route.proof?.skewSeconds ?? config.proofs.skewSeconds,
          onStoreOutage: route.proof?.onStoreOutage ?? config.proofs.onStoreOutage,
          retryAfterSeconds: config.proofs.retryAfterSeconds,
        }
      : null,
    limits: {
      mode: route.limitMode,
      onStoreFailure: route.onStoreFailure,
      afterProof: proof,
      rules: route.limits.map((limit) => ({
        per: limit.per,
        max: limit.max,
        windowSeconds: limit.window,
        name: limit.name ?? null,
        group: limit.group ?? null,
        mode: limit.mode ?? route.limitMode,
        field: limit.field ?? null,
        cost:
          limit.cost === undefined
            ? null
            : {
                paths: [...limit.cost.paths],
                count: limit.cost.count,
                whenUnreadable: limit.cost.whenUnreadable,
              },
      })),
    },
    identityHeaders: [...(route.identityHeaders ?? defaultIdentityHeaders(route, injectsSecret))],
    identityHeadersSource: route.identityHeaders === undefined ? 'default' : 'route',
    credentials: injectsSecret && !route.forwardCredentials ? 'strip' : 'forward',
    inject,
    maxBodyBytes: route.maxBodyBytes ?? config.http.maxBodyBytes,
    timeouts: { ...route.timeouts },
    tlsCaFile: route.tls?.caFile ?? null,
  };
}

/**
 * Compiles every route of a loaded config into its frozen {@link RoutePolicy}, in config order.
 * Pure: the same config always yields the same policies.
 *
 * @example
 * ```ts
 * const [pay] = compileRoutePolicies(config);
 * pay.token?.minLevel; // 'basic' in production when the route names no level
 * ```
 */
export function compileRoutePolicies(config: Config): readonly RoutePolicy[] {
  return deepFreeze(config.routes.map((route) => compileRoute(config, route)));
}
