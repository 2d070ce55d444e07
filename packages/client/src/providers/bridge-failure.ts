import { decodeBase64, encodeBase64 } from '@portcullis/protocol';
import type { ClientErrorCode } from '../client-error-codes.js';
import { PortcullisError } from '../portcullis-error.js';

const BRIDGE_CODE = /^[A-Za-z0-9_.-]{1,80}$/;

/**
 * A bridge rejection as a `PortcullisError`: the bridge's own code (as `readCode` finds it) looked
 * up in `table`, `bridge_error` for a code the table does not know. The bridge's code goes in
 * `detail` (only when it looks like a code: a bridge message may hold anything).
 */
export function bridgeFailure(
  error: unknown,
  readCode: (error: unknown) => unknown,
  table: Readonly<Record<string, ClientErrorCode>>,
): PortcullisError {
  if (error instanceof PortcullisError) return error;
  const raw = readCode(error);
  const code = typeof raw === 'string' && BRIDGE_CODE.test(raw) ? raw : undefined;
  const mapped = code !== undefined && Object.hasOwn(table, code) ? table[code]! : 'bridge_error';
  return new PortcullisError(mapped, { detail: code, cause: error });
}

/** A bridge's base64 output as bytes; whitespace (line-wrapped Android output) is skipped. */
export function bridgeBytes(text: unknown, what: string): Uint8Array {
  const bytes = typeof text === 'string' ? decodeBase64(text, { skipWhitespace: true }) : undefined;
  if (bytes === undefined || bytes.length === 0) {
    throw new PortcullisError('bridge_error', { detail: `${what}_not_base64` });
  }
  return bytes;
}

/** A bridge's base64 output in the protocol's one spelling: standard base64 with padding. */
export function bridgeBase64(text: unknown, what: string): string {
  return encodeBase64(bridgeBytes(text, what));
}
