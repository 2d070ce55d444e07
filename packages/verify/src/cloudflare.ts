import type { VerifiedAppRequest, Verifier } from './create-verifier.js';
import { fetchAppRequest } from './fetch-request.js';
import { refusalResponse } from './refusal-response.js';
import { compileRouteRequirements, type RouteRequirements } from './route-requirements.js';

/** A Workers fetch handler that runs only for verified requests. */
export type VerifiedFetchHandler<Env, Ctx> = (
  request: Request,
  env: Env,
  ctx: Ctx,
  app: VerifiedAppRequest,
) => Response | Promise<Response>;

/** Options of {@link withPortcullis}. */
export interface WorkersOptions<Env> {
  /**
   * The verifier, or how to build it from the Worker's bindings (built once per isolate and
   * kept, so the JWKS and token caches live across requests).
   */
  verifier: Verifier | ((env: Env) => Verifier);
  require?: RouteRequirements;
}

/**
 * Wraps a Cloudflare Workers fetch handler (`export default { fetch: withPortcullis(handler, options) }`):
 * the handler runs only for a request with a valid app token meeting `require`, and receives it
 * verified as a fourth argument; every refusal is answered as the shield does (problem+json,
 * `WWW-Authenticate`). The requirements are checked once, here; a verifier built from `env` is
 * checked against them on the first request. Only Web APIs are used (no `nodejs_compat` needed).
 *
 * @example
 * ```ts
 * export default {
 *   fetch: withPortcullis((request, env, ctx, app) => Response.json({ app: app.claims.sub }), {
 *     verifier: (env) => createVerifier({ jwksUrl: env.JWKS_URL, issuer: env.ISSUER, audiences: ['shop-api'] }),
 *   }),
 * };
 * ```
 */
export function withPortcullis<Env = unknown, Ctx = unknown>(
  handler: VerifiedFetchHandler<Env, Ctx>,
  options: WorkersOptions<Env>,
): (request: Request, env: Env, ctx: Ctx) => Promise<Response> {
  if (typeof handler !== 'function') throw new TypeError('withPortcullis: handler must be a function');
  if (typeof options !== 'object' || options === null)
    throw new TypeError('withPortcullis: options must be an object');
  const requirements = compileRouteRequirements(options.require, 'withPortcullis');
  const given = options.verifier;
  if (typeof given !== 'function' && typeof given?.route !== 'function') {
    throw new TypeError('withPortcullis: verifier must be a verifier or a function of env returning one');
  }
  const fixed = typeof given === 'function' ? null : given.route(requirements);
  const perEnv = new WeakMap<object, ReturnType<Verifier['route']>>();
  let withoutEnv: ReturnType<Verifier['route']> | undefined;

  function routeFor(env: Env): ReturnType<Verifier['route']> {
    if (fixed !== null) return fixed;
    const build = given as (env: Env) => Verifier;
    if (typeof env !== 'object' || env === null) {
      withoutEnv ??= build(env).route(requirements);
      return withoutEnv;
    }
    let route = perEnv.get(env);
    if (route === undefined) {
      route = build(env).route(requirements);
      perEnv.set(env, route);
    }
    return route;
  }

  return async (request, env, ctx) => {
    const result = await routeFor(env).verify(fetchAppRequest(request));
    if (!result.ok) {
      const refusal = refusalResponse(result.error);
      return new Response(refusal.body, { status: refusal.status, headers: refusal.headers });
    }
    return handler(request, env, ctx, result.request);
  };
}
