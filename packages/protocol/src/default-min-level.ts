import type { AssuranceLevel } from './wire.js';

/**
 * How a deployment treats debug tokens on routes that name no level: the shield's `mode`, and
 * the `mode` of a backend verifier (`@portcullis/verify`) that mirrors it.
 */
export type DeploymentMode = 'production' | 'development';

/**
 * The lowest level a token route admits when it names none. Production admits attested levels
 * only (`basic` and up): a debug credential pulled out of a CI or simulator build must not reach
 * every route, so debug tokens pass only where a route writes `level: debug`. Development admits
 * every level. The shield and `@portcullis/verify` both take their default from here.
 *
 * @example
 * ```ts
 * const minLevel = route.level ?? defaultMinLevel(config.mode); // 'basic' in production
 * ```
 */
export function defaultMinLevel(mode: DeploymentMode): AssuranceLevel {
  return mode === 'production' ? 'basic' : 'debug';
}
