import { HEADER_REQUEST_ID, isErrorCode, problemType } from '@portcullis/protocol';
import { parseRetryAfter } from './parse-retry-after.js';
import { PortcullisError } from './portcullis-error.js';

const MAX_PROBLEM_CHARS = 16_384;

function isProblemContentType(value: string | null): boolean {
  return value !== null && value.toLowerCase().split(';')[0]!.trim() === 'application/problem+json';
}

/**
 * Turns a refusal by the shield (an RFC 9457 problem whose `type` is the protocol's URI for its
 * `code`) into a `PortcullisError`. Returns undefined for any other answer, including an
 * upstream's own problem documents: those belong to the app.
 */
export function shieldProblem(
  status: number,
  headers: Headers,
  text: string,
  nowMs: number,
): PortcullisError | undefined {
  if (status < 400 || !isProblemContentType(headers.get('content-type'))) return undefined;
  if (text.length > MAX_PROBLEM_CHARS) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof body !== 'object' || body === null) return undefined;
  const { code, type, requestId, retryAfter } = body as Record<string, unknown>;
  if (!isErrorCode(code) || type !== problemType(code)) return undefined;
  const hinted =
    typeof retryAfter === 'number' && Number.isSafeInteger(retryAfter) && retryAfter >= 0
      ? retryAfter
      : parseRetryAfter(headers.get('retry-after'), nowMs);
  return new PortcullisError(code, {
    status,
    requestId: typeof requestId === 'string' ? requestId : (headers.get(HEADER_REQUEST_ID) ?? undefined),
    retryAfter: hinted,
  });
}

/** `shieldProblem` of a gateway answer, read from a clone so the body stays unread for the app. */
export async function readShieldProblem(
  response: Response,
  nowMs: number,
): Promise<PortcullisError | undefined> {
  if (response.status < 400 || !isProblemContentType(response.headers.get('content-type'))) {
    return undefined;
  }
  let text: string;
  try {
    text = await response.clone().text();
  } catch {
    return undefined;
  }
  return shieldProblem(response.status, response.headers, text, nowMs);
}
