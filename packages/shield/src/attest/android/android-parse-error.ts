import type { AndroidFailureCode } from './failure-codes.js';

/**
 * Thrown by the Android decoders (`parseKeyDescription`, `parseRevocationStatus`) for input they
 * cannot decode. `code` is a stable sub-code of ANDROID_FAILURE_CODES; the message never quotes
 * the input.
 */
export class AndroidParseError extends Error {
  override readonly name = 'AndroidParseError';
  readonly code: AndroidFailureCode;

  constructor(code: AndroidFailureCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
