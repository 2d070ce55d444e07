import { ERROR_CODES, type ErrorCode } from '@portcullis/protocol';

/**
 * The one error type the shield throws for anything a client or operator did wrong. `code` is
 * the stable client-facing code; `reason` is the precise audit-only sub-code
 * (`apple_nonce_mismatch`, `token_alg_not_allowed`, ...). Messages never carry secrets, tokens
 * or upstream addresses: they are safe to log and, for `publicMessage`, to return.
 */
export class ShieldError extends Error {
  override readonly name = 'ShieldError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly reason: string;
  /** Seconds the client should wait before retrying (429, 503). */
  readonly retryAfter: number | undefined;
  /**
   * A client-safe explanation sent as the problem's `detail` (never a secret, token or upstream
   * address). Absent: the client gets the code and its title only.
   */
  readonly detail: string | undefined;

  constructor(
    code: ErrorCode,
    reason: string = code,
    options: { message?: string; retryAfter?: number; cause?: unknown; detail?: string } = {},
  ) {
    super(
      options.message ?? ERROR_CODES[code].title,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.reason = reason;
    this.retryAfter = options.retryAfter;
    this.detail = options.detail;
  }
}

/** True for a ShieldError (also across realms, by shape). */
export function isShieldError(value: unknown): value is ShieldError {
  return value instanceof ShieldError;
}
