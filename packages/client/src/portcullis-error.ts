import { ERROR_CODES, type ErrorCode, isErrorCode } from '@portcullis/protocol';
import { CLIENT_ERROR_CODES, type ClientErrorCode } from './client-error-codes.js';

/** Every code a `PortcullisError` can carry: the shield's codes and the SDK's own. */
export type PortcullisErrorCode = ErrorCode | ClientErrorCode;

const CLIENT_INFO: ReadonlyMap<string, { meaning: string; fix: string }> = new Map(
  CLIENT_ERROR_CODES.map((info) => [info.code, info]),
);

/** What a `PortcullisError` is made from. */
export interface PortcullisErrorInit {
  /** HTTP status of the shield's answer; undefined when no answer came (network, device). */
  status?: number | undefined;
  /** The shield's request id (problem body or `X-Request-Id`), to find the call in its audit log. */
  requestId?: string | undefined;
  /** Seconds to wait before trying again, when the shield or the SDK knows it. */
  retryAfter?: number | undefined;
  /** A short machine-readable detail: a bridge's own error code, a field name. Never a secret. */
  detail?: string | undefined;
  /** The underlying error (a fetch TypeError, a bridge rejection). */
  cause?: unknown;
}

/** True when `code` is a code the SDK raises itself. */
export function isClientErrorCode(code: unknown): code is ClientErrorCode {
  return typeof code === 'string' && CLIENT_INFO.has(code);
}

function titleOf(code: PortcullisErrorCode): string {
  return isErrorCode(code) ? ERROR_CODES[code].title : (CLIENT_INFO.get(code)?.meaning ?? code);
}

/**
 * The one error class of the SDK. `code` is the shield's stable code (`token_expired`,
 * `rate_limited`, ...) or one of the SDK's own (`network_error`, `attestation_unsupported`, ...);
 * `hint` says what to do about it. The message is stable (code and title) and never holds a
 * token, key or secret.
 *
 * @example
 * ```ts
 * try {
 *   await portcullis.fetch('/payments/session', { method: 'POST', body });
 * } catch (error) {
 *   if (error instanceof PortcullisError && error.code === 'rate_limited') {
 *     showRetryIn(error.retryAfter);
 *   }
 * }
 * ```
 */
export class PortcullisError extends Error {
  override readonly name = 'PortcullisError';
  readonly code: PortcullisErrorCode;
  /** HTTP status of the shield's answer; undefined when the failure happened on the device. */
  readonly status: number | undefined;
  /** What to do about it (the protocol's `fix` for shield codes). */
  readonly hint: string;
  readonly requestId: string | undefined;
  /** Seconds to wait before trying again, when known. */
  readonly retryAfter: number | undefined;
  readonly detail: string | undefined;

  constructor(code: PortcullisErrorCode, init: PortcullisErrorInit = {}) {
    super(`${code}: ${titleOf(code)}`, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = code;
    this.status = init.status;
    this.hint = isErrorCode(code) ? ERROR_CODES[code].fix : (CLIENT_INFO.get(code)?.fix ?? '');
    this.requestId = init.requestId;
    this.retryAfter = init.retryAfter;
    this.detail = init.detail;
  }
}

/** True when `error` is a `PortcullisError`, optionally with one of `codes`. */
export function isPortcullisError(
  error: unknown,
  ...codes: readonly PortcullisErrorCode[]
): error is PortcullisError {
  return error instanceof PortcullisError && (codes.length === 0 || codes.includes(error.code));
}
