import type { MiddlewareHandler } from 'hono';
import type { VerifiedAppRequest, Verifier } from './create-verifier.js';
import { fetchAppRequest } from './fetch-request.js';
import { refusalResponse } from './refusal-response.js';
import { compileRouteRequirements, type RouteRequirements } from './route-requirements.js';

/** The Hono context variables the middleware sets. */
export interface PortcullisVariables {
  portcullis: VerifiedAppRequest;
}

/**
 * Hono middleware (Hono 4, any runtime: Node, Workers, Deno, Bun, Lambda): lets a request through
 * only with a valid app token meeting `requirements`, and answers every refusal as the shield
 * does (problem+json, `WWW-Authenticate`). The requirements are checked once, here. The verified
 * request is `c.get('portcullis')`. On proof routes the body is read from a clone (at most
 * `maxBodyBytes`), so `c.req.json()` still works afterwards.
 *
 * @example
 * ```ts
 * app.post('/pay', portcullis(verifier, { proof: true }), (c) => c.json({ app: c.get('portcullis').claims.sub }));
 * ```
 */
export function portcullis(
  verifier: Verifier,
  requirements?: RouteRequirements,
): MiddlewareHandler<{ Variables: PortcullisVariables }> {
  if (typeof verifier?.route !== 'function')
    throw new TypeError('portcullis (hono): pass the verifier from createVerifier()');
  const route = verifier.route(compileRouteRequirements(requirements, 'portcullis (hono)'));
  return async (c, next) => {
    const result = await route.verify(fetchAppRequest(c.req.raw));
    if (!result.ok) {
      const refusal = refusalResponse(result.error);
      return new Response(refusal.body, { status: refusal.status, headers: refusal.headers });
    }
    c.set('portcullis', result.request);
    await next();
    return undefined;
  };
}
