import { ASSURANCE_LEVELS, type AssuranceLevel } from '@portcullis/protocol';

/**
 * What a route asks of a request beyond a valid app token. The empty object is a route that
 * needs a valid token and nothing else; every field makes it stricter. A token that carries
 * `ath` is always held to its Authorization header, whatever the route says.
 */
export interface RouteRequirements {
  /**
   * Least assurance level (`debug` < `basic` < `device` < `hardware`). Default: the verifier's
   * `mode`: `basic` in production (debug tokens only where `level: 'debug'` is written), `debug`
   * in development.
   */
  level?: AssuranceLevel;
  /** Apps (the token's `sub`) admitted; default every app the verifier's audiences admit. */
  apps?: readonly string[];
  /**
   * Audiences the route accepts (each one of the verifier's `audiences`): the token's `aud` must
   * hold one of them. Default: any, except that a debug token its credential's scope narrowed
   * (its `aud` lacks one of its app's audiences) is refused.
   */
  audiences?: readonly string[];
  /** Refuse tokens not bound to the Authorization header (no `ath`). Default false. */
  binding?: boolean;
  /** Require a per-request proof signed by the device key (the verifier needs `proofs`). Default false. */
  proof?: boolean;
  /** Proof routes: allowed |ts - arrival|, seconds, 1..300. Default the verifier's `proofs.skewSeconds`. */
  proofSkewSeconds?: number;
  /** Proof routes: the largest body read and hashed, bytes. Default 1 MiB, at most 64 MiB. */
  maxBodyBytes?: number;
}

/** {@link RouteRequirements} checked and frozen, defaults filled in. */
export interface CompiledRouteRequirements {
  /** Null: not written, the verifier's `mode` decides. */
  readonly level: AssuranceLevel | null;
  readonly apps: ReadonlySet<string> | null;
  readonly audiences: ReadonlySet<string> | null;
  readonly binding: boolean;
  readonly proof: boolean;
  readonly proofSkewSeconds: number | null;
  readonly maxBodyBytes: number;
}

const MEMBERS = new Set([
  'level',
  'apps',
  'audiences',
  'binding',
  'proof',
  'proofSkewSeconds',
  'maxBodyBytes',
]);
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const COMPILED = new WeakSet<object>();

function boolean(value: unknown, name: string, caller: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new TypeError(`${caller}: ${name} must be true or false`);
  return value;
}

function integer(value: unknown, name: string, caller: string, min: number, max: number): number | null {
  if (value === undefined) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new TypeError(`${caller}: ${name} must be an integer from ${min} to ${max}`);
  }
  return value;
}

/** True for what {@link compileRouteRequirements} returned. */
export function isCompiledRouteRequirements(value: unknown): value is CompiledRouteRequirements {
  return typeof value === 'object' && value !== null && COMPILED.has(value);
}

/**
 * Checks a route's requirements once, when the adapter is built, and freezes them. Throws a
 * TypeError naming the member for anything it does not know (a misspelt `levle` must not
 * silently leave a route weaker than written), a level that does not exist, an empty `apps` or
 * `audiences`, and numbers out of range. Whether `proof` and `audiences` fit the verifier, and
 * the default level, are decided by `verifier.route()`.
 *
 * @example
 * ```ts
 * const pay = compileRouteRequirements({ level: 'hardware', proof: true }, 'requireAppToken');
 * ```
 */
export function compileRouteRequirements(
  requirements: RouteRequirements | CompiledRouteRequirements = {},
  caller = 'compileRouteRequirements',
): CompiledRouteRequirements {
  if (isCompiledRouteRequirements(requirements)) return requirements;
  if (typeof requirements !== 'object' || requirements === null || Array.isArray(requirements)) {
    throw new TypeError(`${caller}: route requirements must be an object`);
  }
  const raw = requirements as RouteRequirements;
  const { level, apps, audiences } = raw;
  for (const name of Object.keys(raw)) {
    if (!MEMBERS.has(name)) {
      throw new TypeError(
        `${caller}: unknown route requirement "${name}" (known: ${[...MEMBERS].join(', ')})`,
      );
    }
  }
  if (level !== undefined && !(ASSURANCE_LEVELS as readonly unknown[]).includes(level)) {
    throw new TypeError(`${caller}: level must be one of ${ASSURANCE_LEVELS.join(', ')}`);
  }
  if (
    apps !== undefined &&
    (!Array.isArray(apps) || apps.length === 0 || !apps.every((app) => typeof app === 'string' && app !== ''))
  ) {
    throw new TypeError(`${caller}: apps must be a non-empty array of app ids`);
  }
  if (
    audiences !== undefined &&
    (!Array.isArray(audiences) ||
      audiences.length === 0 ||
      !audiences.every((aud) => typeof aud === 'string' && aud !== '' && aud.length <= 256))
  ) {
    throw new TypeError(`${caller}: audiences must be a non-empty array of audiences`);
  }
  const proof = boolean(raw.proof, 'proof', caller);
  const proofSkewSeconds = integer(raw.proofSkewSeconds, 'proofSkewSeconds', caller, 1, 300);
  if (proofSkewSeconds !== null && !proof) {
    throw new TypeError(`${caller}: proofSkewSeconds is set but proof is not true`);
  }
  const compiled: CompiledRouteRequirements = Object.freeze({
    level: level ?? null,
    apps: apps === undefined ? null : new Set(apps),
    audiences: audiences === undefined ? null : new Set(audiences),
    binding: boolean(raw.binding, 'binding', caller),
    proof,
    proofSkewSeconds,
    maxBodyBytes:
      integer(raw.maxBodyBytes, 'maxBodyBytes', caller, 0, 64 * 1024 * 1024) ?? DEFAULT_MAX_BODY_BYTES,
  });
  COMPILED.add(compiled);
  return compiled;
}
