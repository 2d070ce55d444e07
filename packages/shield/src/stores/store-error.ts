import type { StoreReason } from './store-reasons.js';

/**
 * A store refused to start or refused a call that is not an outage: an evicting Redis, a
 * database written by a newer version, the memory store under several instances, a challenge
 * issued twice. Not retryable as is; `reason` is the stable sub-code (STORE_REASONS).
 *
 * @example
 * ```ts
 * try {
 *   await createStores(config, { instances: 4 });
 * } catch (error) {
 *   if (error instanceof StoreError && error.reason === 'memory_multi_instance') process.exit(78);
 * }
 * ```
 */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  readonly reason: StoreReason;

  constructor(reason: StoreReason, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
  }
}
