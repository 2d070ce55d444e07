import type { AuditQuery } from '../stores/index.js';
import { AUDIT_DECISIONS, AUDIT_EVENTS } from '../stores/store-input.js';
import { adminError } from './admin-error.js';
import { readPageLimit } from './read-page-limit.js';
import { readQueryParameters } from './read-query-parameters.js';

/** The query parameters `GET /audit` takes. */
export const AUDIT_QUERY_PARAMETERS = ['limit', 'since', 'decision', 'event', 'requestId'] as const;

const EPOCH_MS = /^(?:0|[1-9][0-9]{0,15})$/;
const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z$/;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

function invalid(message: string): never {
  throw adminError('admin_query_parameter_invalid', { message });
}

/** Epoch milliseconds, or an ISO 8601 UTC instant that names a real calendar time. */
function readSince(value: string): number {
  if (EPOCH_MS.test(value)) {
    const ms = Number(value);
    if (Number.isSafeInteger(ms)) return ms;
  }
  const parts = ISO_UTC.exec(value);
  if (parts !== null) {
    const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number) as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const ms = Number((parts[7] ?? '').padEnd(3, '0'));
    const time = Date.UTC(year, month - 1, day, hour, minute, second, ms);
    const back = new Date(time);
    // Date.UTC rolls 2026-02-30 over to March: refuse instead of guessing.
    if (
      time >= 0 &&
      back.getUTCFullYear() === year &&
      back.getUTCMonth() === month - 1 &&
      back.getUTCDate() === day &&
      back.getUTCHours() === hour &&
      back.getUTCMinutes() === minute &&
      back.getUTCSeconds() === second
    ) {
      return time;
    }
  }
  return invalid('since must be epoch milliseconds or an ISO 8601 UTC time such as 2026-05-01T12:00:00Z');
}

function oneOf<T extends string>(name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  return invalid(`${name} must be one of ${allowed.join(', ')}`);
}

/**
 * Reads the query string of `GET /audit` into an `AuditQuery`: `limit` (1-1000, default 100),
 * `since` (epoch ms or ISO 8601 UTC; records at or after it), `decision`, `event` and
 * `requestId`. Anything else, a repeated parameter or a bad value is refused with a
 * `bad_request` naming the parameter.
 *
 * @example
 * ```ts
 * readAuditQuery('limit=20&decision=deny'); // { limit: 20, decision: 'deny' }
 * ```
 */
export function readAuditQuery(query: string): AuditQuery {
  const parameters = readQueryParameters(query, AUDIT_QUERY_PARAMETERS);
  const result: AuditQuery = { limit: readPageLimit(parameters.get('limit')) };
  const since = parameters.get('since');
  if (since !== undefined) result.since = readSince(since);
  const decision = parameters.get('decision');
  if (decision !== undefined) result.decision = oneOf('decision', decision, AUDIT_DECISIONS);
  const event = parameters.get('event');
  if (event !== undefined) result.event = oneOf('event', event, AUDIT_EVENTS);
  const requestId = parameters.get('requestId');
  if (requestId !== undefined) {
    if (!REQUEST_ID.test(requestId)) {
      invalid('requestId must be 1-128 letters, digits, ".", "_", ":" or "-"');
    }
    result.requestId = requestId;
  }
  return result;
}
