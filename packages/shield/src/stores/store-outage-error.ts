import { StoreUnavailableError } from './ports.js';
import type { StoreReason } from './store-reasons.js';

/**
 * A `StoreUnavailableError` that also says why (`reason`, a stable sub-code for the audit log and
 * metrics). Catch `StoreUnavailableError` to answer 503 `store_unavailable`; read `reason` when
 * the error is a `StoreOutageError`. The message names the operation and the cause's kind, never
 * a URL, password or key; the driver error is kept as `cause` for the operator's log.
 *
 * @example
 * ```ts
 * catch (error) {
 *   if (error instanceof StoreUnavailableError) {
 *     const reason = error instanceof StoreOutageError ? error.reason : 'store_unavailable';
 *     sendProblem(res, 'store_unavailable', requestId, { retryAfter: 1 });
 *   }
 * }
 * ```
 */
export class StoreOutageError extends StoreUnavailableError {
  readonly reason: StoreReason;

  constructor(reason: StoreReason, message: string, options: { cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.reason = reason;
  }
}
