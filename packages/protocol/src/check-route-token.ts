import type { ErrorCode } from './error-codes.js';
import { type AppTokenClaims, type AssuranceLevel, meetsLevel } from './wire.js';

/** What a route admits of a verified app token, compiled once per route. */
export interface RouteTokenRule {
  /** Lowest level admitted; null admits every level. Fill it with `defaultMinLevel` when the route names none. */
  readonly minLevel: AssuranceLevel | null;
  /** Apps (`sub`) admitted; null: every app. */
  readonly apps: ReadonlySet<string> | null;
  /**
   * Audiences the route names: the token's `aud` must hold one of them. Null: the route names
   * none, and then a debug token its credential's scope narrowed is refused (see `appAudiences`).
   */
  readonly audiences: ReadonlySet<string> | null;
}

/** Every audience of each app, by app id (a `Map` will do). */
export interface AppAudiences {
  get(app: string): readonly string[] | undefined;
}

/**
 * The refusals of {@link checkRouteToken}, each with the client code it is answered with. The
 * shield's gateway and `@portcullis/verify` answer them alike; each lists them, in its own words,
 * in its reason catalog (a test keeps the codes equal).
 */
export const ROUTE_TOKEN_REFUSALS = {
  level_below_minimum: 'level_insufficient',
  app_not_allowed: 'app_forbidden',
  audience_not_accepted: 'audience_forbidden',
  audience_scope_narrowed: 'audience_forbidden',
} as const satisfies Record<string, ErrorCode>;

/** A reason of {@link ROUTE_TOKEN_REFUSALS}. */
export type RouteTokenRefusal = keyof typeof ROUTE_TOKEN_REFUSALS;

/**
 * Whether a route admits a verified token: its level meets `minLevel`, its app is admitted, and
 * its `aud` holds one of the audiences the route names. On a route that names no audiences, a
 * debug token must carry every audience of its app (`appAudiences`): a debug credential's scope
 * narrows its tokens' `aud`, and the scope must hold on every route, not only on those that name
 * an audience. A debug token of an app `appAudiences` does not know is refused (fail closed);
 * `appAudiences` null skips that check. Returns the refusal reason, or null when admitted. Pure
 * and allocation-free: the gateway calls it on every request.
 *
 * @example
 * ```ts
 * const refusal = checkRouteToken(claims, route, appAudiences);
 * if (refusal !== null) refuse(ROUTE_TOKEN_REFUSALS[refusal], refusal);
 * ```
 */
export function checkRouteToken(
  claims: Pick<AppTokenClaims, 'sub' | 'lvl' | 'aud'>,
  rule: RouteTokenRule,
  appAudiences: AppAudiences | null,
): RouteTokenRefusal | null {
  if (rule.minLevel !== null && !meetsLevel(claims.lvl, rule.minLevel)) return 'level_below_minimum';
  if (rule.apps !== null && !rule.apps.has(claims.sub)) return 'app_not_allowed';
  const named = rule.audiences;
  if (named !== null) {
    for (const audience of claims.aud) if (named.has(audience)) return null;
    return 'audience_not_accepted';
  }
  if (appAudiences !== null && claims.lvl === 'debug') {
    const full = appAudiences.get(claims.sub);
    if (full === undefined) return 'audience_scope_narrowed';
    for (const audience of full) if (!claims.aud.includes(audience)) return 'audience_scope_narrowed';
  }
  return null;
}
