import { TOKEN_ALGORITHMS, type TokenAlgorithm } from './app-token-profile.js';

/** What a verifier accepts beyond the fixed profile: the options every app-token verifier shares. */
export interface AppTokenPolicyOptions {
  /** The exact `iss` expected (compared byte for byte: no case folding, no trailing-slash fixing). */
  issuer: string;
  /** Audiences this verifier serves: every `aud` entry must be one of them. Non-empty. */
  audiences: readonly string[];
  /** Seconds of clock skew allowed on `exp`, `iat` and `nbf`. Default 30, at most 60. */
  clockToleranceSeconds?: number;
  /** Largest `exp - iat` accepted, in seconds (1..86400). */
  maxLifetimeSeconds: number;
  /** Algorithms accepted (a subset of ES256, EdDSA). Default both. */
  algorithms?: readonly TokenAlgorithm[];
  /** Accept tokens with `dev: true` (minted from a test-kit root). Default false: production. */
  allowDev?: boolean;
}

/** A checked, frozen {@link AppTokenPolicyOptions} with the defaults filled in. */
export interface AppTokenPolicy {
  readonly issuer: string;
  readonly audiences: ReadonlySet<string>;
  readonly toleranceSeconds: number;
  readonly maxLifetimeSeconds: number;
  readonly algorithms: readonly TokenAlgorithm[];
  readonly allowDev: boolean;
}

const MAX_AUDIENCE_LENGTH = 256;

function isShortString(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= max;
}

/**
 * Checks a verifier's token options once, when the verifier is built, and returns them frozen
 * with the defaults (tolerance 30 s, both algorithms, no development tokens). Throws a TypeError
 * prefixed with `caller` and naming the option.
 *
 * @example
 * ```ts
 * const policy = appTokenPolicy({ issuer, audiences: ['shop-api'], maxLifetimeSeconds: 3600 }, 'createVerifier');
 * ```
 */
export function appTokenPolicy(options: AppTokenPolicyOptions, caller: string): AppTokenPolicy {
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`${caller}: options must be an object`);
  if (!isShortString(options.issuer, 2048)) {
    throw new TypeError(`${caller}: issuer must be a non-empty string`);
  }
  if (
    !Array.isArray(options.audiences) ||
    options.audiences.length === 0 ||
    !options.audiences.every((aud) => isShortString(aud, MAX_AUDIENCE_LENGTH))
  ) {
    throw new TypeError(`${caller}: audiences must be a non-empty array of non-empty strings`);
  }
  const tolerance = options.clockToleranceSeconds ?? 30;
  if (!Number.isSafeInteger(tolerance) || tolerance < 0 || tolerance > 60) {
    throw new TypeError(`${caller}: clockToleranceSeconds must be an integer from 0 to 60`);
  }
  if (
    !Number.isSafeInteger(options.maxLifetimeSeconds) ||
    options.maxLifetimeSeconds < 1 ||
    options.maxLifetimeSeconds > 86400
  ) {
    throw new TypeError(`${caller}: maxLifetimeSeconds must be an integer from 1 to 86400`);
  }
  const algorithms = options.algorithms ?? TOKEN_ALGORITHMS;
  if (
    !Array.isArray(algorithms) ||
    algorithms.length === 0 ||
    !algorithms.every((alg) => (TOKEN_ALGORITHMS as readonly string[]).includes(alg))
  ) {
    throw new TypeError(`${caller}: algorithms must be a non-empty subset of ES256, EdDSA`);
  }
  if (options.allowDev !== undefined && typeof options.allowDev !== 'boolean') {
    throw new TypeError(`${caller}: allowDev must be a boolean`);
  }
  return Object.freeze({
    issuer: options.issuer,
    audiences: new Set(options.audiences),
    toleranceSeconds: tolerance,
    maxLifetimeSeconds: options.maxLifetimeSeconds,
    algorithms: Object.freeze([...algorithms]),
    allowDev: options.allowDev ?? false,
  });
}
