import type { AuditQuery } from '../stores/index.js';
import { auditQuerySchema } from './admin-schemas.js';
import { readQueryWithSchema } from './read-with-schema.js';

/** The query parameters `GET /audit` takes. */
export const AUDIT_QUERY_PARAMETERS = Object.keys(auditQuerySchema.shape) as readonly string[];

/** An audit query as read from the URL: `keyId` is still to be hashed into `deviceIdHash`. */
export type AuditQueryParameters = AuditQuery & { keyId?: string };

/**
 * Reads the query string of `GET /audit` (auditQuerySchema): `limit` (1-1000, default 100),
 * `since` and `until` (epoch ms or ISO 8601 UTC), `decision`, `event`, `requestId`, `keyId` (a
 * device key id, which the handler turns into its audit hash), `deviceIdHash`, `routeId` and
 * `reason`. Anything else, a repeated parameter or a bad value is refused with a `bad_request`
 * naming the parameter.
 *
 * @example
 * ```ts
 * readAuditQuery('limit=20&decision=deny'); // { limit: 20, decision: 'deny' }
 * ```
 */
export function readAuditQuery(query: string): AuditQueryParameters {
  const read = readQueryWithSchema(query, auditQuerySchema);
  const result: AuditQueryParameters = { limit: read.limit };
  for (const [name, value] of Object.entries(read)) {
    if (value !== undefined) (result as unknown as Record<string, unknown>)[name] = value;
  }
  return result;
}
