import { Readable } from 'node:stream';
import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
  preParsingHookHandler,
  preValidationHookHandler,
} from 'fastify';
import type { VerifiedAppRequest, Verifier } from './create-verifier.js';
import { nodeHeaderReader, readNodeBody } from './node-request.js';
import { refusalResponse } from './refusal-response.js';
import { compileRouteRequirements, type RouteRequirements } from './route-requirements.js';
import { VerificationError } from './verification-error.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The verified app token and claims (null on routes the plugin leaves public). */
    portcullis: VerifiedAppRequest | null;
  }
  interface FastifyContextConfig {
    /** This route's requirements, merged over the plugin's; `false` leaves the route public. */
    portcullis?: RouteRequirements | false;
  }
}

/** Options of the Fastify plugin. */
export interface PortcullisFastifyOptions {
  verifier: Verifier;
  /** Requirements of every route in this scope (a route's `config.portcullis` adds to them). */
  require?: RouteRequirements;
}

type Hook<T> = T | T[] | undefined;

function append<T>(existing: Hook<T>, hook: T): T[] {
  if (existing === undefined) return [hook];
  return Array.isArray(existing) ? [...existing, hook] : [existing, hook];
}

function refuse(reply: FastifyReply, error: VerificationError): FastifyReply {
  const refusal = refusalResponse(error);
  reply.code(refusal.status).headers(refusal.headers);
  if (refusal.status === 413) reply.header('connection', 'close');
  return reply.send(refusal.body);
}

/**
 * Fastify plugin (Fastify 5): every route registered after it in its scope needs a valid app
 * token meeting `require`, merged with the route's own `config: { portcullis: {...} }`
 * (`portcullis: false` leaves a route public). Each route's requirements are checked once, when
 * the route is registered (a TypeError stops the start-up). Token and policy are checked in
 * `onRequest`, before the body is read; on proof routes the raw body is captured in `preParsing`
 * (at most `maxBodyBytes`, then handed on, so Fastify parses it as usual) and the proof checked
 * in `preValidation`. Refusals are the shield's: problem+json and `WWW-Authenticate`.
 * The verified request is `request.portcullis`.
 *
 * @example
 * ```ts
 * await app.register(portcullis, { verifier, require: { level: 'device' } });
 * app.post('/pay', { config: { portcullis: { proof: true } } }, async (req) => ({ app: req.portcullis?.claims.sub }));
 * ```
 */
export const portcullis: FastifyPluginAsync<PortcullisFastifyOptions> = async (
  app: FastifyInstance,
  options: PortcullisFastifyOptions,
) => {
  const verifier = options?.verifier;
  if (typeof verifier?.route !== 'function') {
    throw new TypeError('portcullis (fastify): pass the verifier from createVerifier()');
  }
  const defaults = options.require ?? {};
  // Checked now, so a bad plugin option fails at registration, not at the first request.
  verifier.route(compileRouteRequirements(defaults, 'portcullis (fastify)'));
  const bodies = new WeakMap<FastifyRequest, Uint8Array>();
  if (!app.hasRequestDecorator('portcullis')) app.decorateRequest('portcullis', null);

  app.addHook('onRoute', (routeOptions) => {
    const own = routeOptions.config?.portcullis;
    if (own === false) return;
    const route = verifier.route(
      compileRouteRequirements(
        { ...defaults, ...(own ?? {}) },
        `portcullis (fastify) route ${routeOptions.url}`,
      ),
    );
    const head: onRequestHookHandler = async (request, reply) => {
      const result = await route.checkHead({
        method: request.raw.method ?? request.method,
        target: request.raw.url ?? request.url,
        header: nodeHeaderReader(request.raw),
      });
      if (!result.ok) return refuse(reply, result.error);
      request.portcullis = result.request;
      return undefined;
    };
    routeOptions.onRequest = append(routeOptions.onRequest, head);
    if (!route.needsBody) return;

    const capture: preParsingHookHandler = async (request, reply, payload) => {
      const bytes = await readNodeBody(
        payload,
        route.requirements.maxBodyBytes,
        request.headers['content-length'],
      );
      if (bytes === null) {
        refuse(reply, new VerificationError('payload_too_large', 'body_too_large'));
        return payload;
      }
      bodies.set(request, bytes);
      const replay = Readable.from(bytes.length === 0 ? [] : [Buffer.from(bytes)]);
      (replay as Readable & { receivedEncodedLength?: number }).receivedEncodedLength = bytes.length;
      return replay;
    };
    const proof: preValidationHookHandler = async (request, reply) => {
      const admitted = request.portcullis;
      if (admitted === null) return undefined;
      const result = await route.checkBody(admitted, bodies.get(request) ?? new Uint8Array(0));
      bodies.delete(request);
      if (!result.ok) return refuse(reply, result.error);
      request.portcullis = result.request;
      return undefined;
    };
    routeOptions.preParsing = append(routeOptions.preParsing, capture);
    routeOptions.preValidation = append(routeOptions.preValidation, proof);
  });
};

// Like fastify-plugin: the hooks apply to the scope that registers the plugin, not to a child.
(portcullis as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')] = true;
(portcullis as unknown as Record<symbol, unknown>)[Symbol.for('fastify.display-name')] = '@portcullis/verify';
