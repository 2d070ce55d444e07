import type { ServerResponse } from 'node:http';
import { ERROR_CODES, type ErrorCode, type Problem, problemType } from '@portcullis/protocol';

/**
 * Writes an RFC 9457 problem+json response. The body carries the stable code, the request id and
 * nothing else the client sent: no token, secret, upstream address or stack trace.
 */
export function sendProblem(
  res: ServerResponse,
  code: ErrorCode,
  requestId: string,
  options: { retryAfter?: number; headers?: Record<string, string>; detail?: string } = {},
): void {
  const { status, title } = ERROR_CODES[code];
  const problem: Problem = { type: problemType(code), title, status, code, requestId };
  if (options.detail !== undefined) problem.detail = options.detail;
  if (options.retryAfter !== undefined) problem.retryAfter = options.retryAfter;
  const body = JSON.stringify(problem);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = status;
  res.setHeader('content-type', 'application/problem+json');
  res.setHeader('cache-control', 'no-store');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.setHeader('x-request-id', requestId);
  if (options.retryAfter !== undefined) res.setHeader('retry-after', String(options.retryAfter));
  if (status === 401) res.setHeader('www-authenticate', 'Portcullis realm="app"');
  for (const [name, value] of Object.entries(options.headers ?? {})) res.setHeader(name, value);
  res.end(body);
}
