import { ERROR_CODES, type ErrorCode } from '@portcullis/protocol';

/**
 * Why a request or token was refused: `code` is the protocol's client-facing code (the one the
 * shield would answer with), `status` its HTTP status, `reason` the precise sub-code for your
 * log (never send it to the client: telling an attacker which check failed is an oracle).
 * The message is the code's title: it never holds the token, a key or anything the client sent.
 */
export class VerificationError extends Error {
  override readonly name = 'VerificationError';
  readonly code: ErrorCode;
  readonly status: number;
  readonly reason: string;
  /** Seconds the client should wait before retrying (503). */
  readonly retryAfter: number | undefined;

  constructor(code: ErrorCode, reason: string, options: { retryAfter?: number; cause?: unknown } = {}) {
    super(ERROR_CODES[code].title, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = ERROR_CODES[code].status;
    this.reason = reason;
    this.retryAfter = options.retryAfter;
  }
}
