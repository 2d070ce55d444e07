import type { z } from 'zod';
import { adminError } from './admin-error.js';
import { readQueryParameters } from './read-query-parameters.js';

/**
 * Reads an admin query string with one of the admin schemas (admin-schemas.ts): the parameters
 * strictly (unknown, repeated, empty or badly encoded ones refused by `readQueryParameters`),
 * then their values with the schema, whose message names the parameter and never its value.
 *
 * @example
 * ```ts
 * const { limit, since } = readQueryWithSchema('limit=5&since=0', auditQuerySchema);
 * ```
 */
export function readQueryWithSchema<S extends z.ZodObject>(query: string, schema: S): z.output<S> {
  const parameters = readQueryParameters(query, Object.keys(schema.shape));
  const result = schema.safeParse(Object.fromEntries(parameters));
  if (result.success) return result.data;
  throw adminError('admin_query_parameter_invalid', {
    message: result.error.issues[0]?.message ?? 'invalid',
  });
}

/**
 * Reads a parsed JSON body with one of the admin schemas; a refusal carries `reason` and the
 * schema's message (which names the member, never its value).
 *
 * @example
 * ```ts
 * const { reason } = readBodyWithSchema(await readJsonBody(req, 4096), revokeRequestSchema, 'admin_revoke_body_invalid');
 * ```
 */
export function readBodyWithSchema<S extends z.ZodType>(
  body: unknown,
  schema: S,
  reason: Parameters<typeof adminError>[0],
): z.output<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  throw adminError(reason, { message: result.error.issues[0]?.message ?? 'invalid body' });
}
