import { type Problem, problemType } from '@portcullis/protocol';
import type { VerificationError } from './verification-error.js';

/** An HTTP answer to a refused request, for any framework to send as is. */
export interface RefusalResponse {
  status: number;
  headers: Record<string, string>;
  /** RFC 9457 problem+json: type, title, status, code (and retryAfter): nothing the client sent. */
  body: string;
}

/** Refusals that are about the credentials the client sent, which a challenge names. */
const CHALLENGED = new Set([400, 401, 403]);

/**
 * The answer to a refused request, as the shield gives it: the status of the protocol code, an
 * RFC 9457 problem+json body with the stable `code`, `Cache-Control: no-store`,
 * `WWW-Authenticate: Portcullis realm="app", error="<code>"` on 400, 401 and 403 (an SDK reads the
 * code from either), and `Retry-After` on 503. The audit-only reason is never in it.
 *
 * @example
 * ```ts
 * const { status, headers, body } = refusalResponse(result.error);
 * return new Response(body, { status, headers });
 * ```
 */
export function refusalResponse(error: VerificationError): RefusalResponse {
  const problem: Problem = {
    type: problemType(error.code),
    title: error.message,
    status: error.status,
    code: error.code,
  };
  if (error.retryAfter !== undefined) problem.retryAfter = error.retryAfter;
  const headers: Record<string, string> = {
    'content-type': 'application/problem+json',
    'cache-control': 'no-store',
  };
  if (CHALLENGED.has(error.status))
    headers['www-authenticate'] = `Portcullis realm="app", error="${error.code}"`;
  if (error.retryAfter !== undefined) headers['retry-after'] = String(error.retryAfter);
  return { status: error.status, headers, body: JSON.stringify(problem) };
}
