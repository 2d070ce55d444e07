import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AppRequest } from './app-request.js';
import type { VerifiedAppRequest, Verifier } from './create-verifier.js';
import { nodeHeaderReader, readNodeBody } from './node-request.js';
import { refusalResponse } from './refusal-response.js';
import { compileRouteRequirements, type RouteRequirements } from './route-requirements.js';

const BODY_CONSUMED =
  '@portcullis/verify: this proof route needs the request body as sent, but a body parser has already read it. ' +
  'Mount requireAppToken() before express.json() / express.urlencoded() on proof routes ' +
  '(it leaves the body in req.body as a Buffer), or put express.raw() before it.';

function appRequest(req: Request): AppRequest {
  return {
    method: req.method,
    // The target as the client sent it, before any router mounted a prefix.
    target: req.originalUrl,
    header: nodeHeaderReader(req),
    async body(maxBytes) {
      const parsed: unknown = req.body;
      if (parsed instanceof Uint8Array) return parsed.length > maxBytes ? null : parsed;
      if (req.readableEnded) throw new Error(BODY_CONSUMED);
      const bytes = await readNodeBody(req, maxBytes, req.headers['content-length']);
      // Like express.raw(): later body parsers see a finished request and leave this alone.
      if (bytes !== null && req.body === undefined) req.body = bytes;
      return bytes;
    },
  };
}

/**
 * Express middleware (Express 5) that lets a request through only with a valid app token
 * meeting `requirements` (see `RouteRequirements`), and answers every refusal as the shield
 * does: the protocol's status, problem+json, `WWW-Authenticate`. The requirements are checked
 * once, here (a TypeError names a bad one). The verified token and claims are in
 * `res.locals.portcullis` (typed: {@link appTokenOf}). On proof routes the middleware reads the
 * body itself, at most `maxBodyBytes`, and leaves it in `req.body` as a Buffer: mount it before
 * `express.json()` there (or after `express.raw()`).
 *
 * @example
 * ```ts
 * app.post('/pay', requireAppToken(verifier, { level: 'hardware', proof: true }), (req, res) => {
 *   res.json({ app: appTokenOf(res).claims.sub, order: JSON.parse(req.body) });
 * });
 * ```
 */
export function requireAppToken(verifier: Verifier, requirements?: RouteRequirements): RequestHandler {
  if (typeof verifier?.route !== 'function')
    throw new TypeError('requireAppToken: pass the verifier from createVerifier()');
  const route = verifier.route(compileRouteRequirements(requirements, 'requireAppToken'));
  return async (req: Request, res: Response, next: NextFunction) => {
    const result = await route.verify(appRequest(req));
    if (result.ok) {
      res.locals['portcullis'] = result.request;
      next();
      return;
    }
    const refusal = refusalResponse(result.error);
    res.status(refusal.status).set(refusal.headers);
    // The unread rest of an oversized body is not drained: the connection goes.
    if (refusal.status === 413) res.set('connection', 'close');
    res.send(refusal.body);
  };
}

/**
 * The verified app request `requireAppToken` left on the response. Throws when the route has no
 * `requireAppToken` in front of it: a handler that expects a verified app must not run without one.
 */
export function appTokenOf(res: Response): VerifiedAppRequest {
  const verified: unknown = res.locals['portcullis'];
  if (typeof verified !== 'object' || verified === null) {
    throw new Error('appTokenOf: no requireAppToken() ran before this handler');
  }
  return verified as VerifiedAppRequest;
}
