import { decodeBase64 } from '@portcullis/protocol';
import type { AppRequest } from './app-request.js';
import type { VerifiedAppRequest, Verifier } from './create-verifier.js';
import { refusalResponse } from './refusal-response.js';
import { compileRouteRequirements, type RouteRequirements } from './route-requirements.js';

/**
 * The parts of an API Gateway HTTP API event (payload format 2.0, also Lambda function URLs) the
 * verifier reads, as AWS documents them: header names lower-cased, repeated headers joined with
 * commas, the body a string (base64 when `isBase64Encoded`).
 */
export interface ApiGatewayV2Event {
  version: '2.0';
  routeKey: string;
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers?: Record<string, string | undefined>;
  queryStringParameters?: Record<string, string | undefined>;
  pathParameters?: Record<string, string | undefined>;
  stageVariables?: Record<string, string | undefined>;
  requestContext: {
    requestId: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    [other: string]: unknown;
  };
  body?: string;
  isBase64Encoded: boolean;
}

/** A payload format 2.0 response. */
export interface ApiGatewayV2Result {
  statusCode: number;
  headers?: Record<string, string>;
  body?: string;
  isBase64Encoded?: boolean;
  cookies?: string[];
}

/** A Lambda handler that runs only for verified requests. */
export type VerifiedLambdaHandler<TEvent extends ApiGatewayV2Event, TContext, TResult> = (
  event: TEvent,
  context: TContext,
  app: VerifiedAppRequest,
) => Promise<TResult>;

/** Options of {@link withPortcullis}. */
export interface LambdaOptions {
  /** Built once, at module scope: the JWKS and token caches then live as long as the execution environment. */
  verifier: Verifier;
  require?: RouteRequirements;
}

const utf8 = new TextEncoder();

function appRequest(event: ApiGatewayV2Event): AppRequest {
  const headers = event.headers ?? {};
  return {
    method: event.requestContext.http.method,
    target: event.rawQueryString === '' ? event.rawPath : `${event.rawPath}?${event.rawQueryString}`,
    header: (name) => headers[name] ?? undefined,
    async body(maxBytes) {
      const text = event.body ?? '';
      const bytes = event.isBase64Encoded ? decodeBase64(text) : utf8.encode(text);
      if (bytes === undefined)
        throw new Error('withPortcullis: the event body is not base64 though isBase64Encoded is true');
      return bytes.length > maxBytes ? null : bytes;
    },
  };
}

/**
 * Wraps an AWS Lambda handler behind API Gateway HTTP API (payload 2.0) or a function URL: the
 * handler runs only for a request with a valid app token meeting `require` and receives it
 * verified as a third argument; every refusal is answered as the shield does (problem+json,
 * `WWW-Authenticate`). The requirements are checked once, here. The proof target is
 * `rawPath` + `?rawQueryString`, as API Gateway passes them. AWS documents that with an API
 * mapping on a custom domain name, rawPath lacks the mapping's path: the client signs the path
 * it called, so proofs fail there unless the mapping is at the root.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ jwksUrl: process.env.JWKS_URL!, issuer: process.env.ISSUER!, audiences: ['shop-api'] });
 * export const handler = withPortcullis(async (event, context, app) => ({ statusCode: 200, body: app.claims.sub }), { verifier });
 * ```
 */
export function withPortcullis<TEvent extends ApiGatewayV2Event, TContext, TResult>(
  handler: VerifiedLambdaHandler<TEvent, TContext, TResult>,
  options: LambdaOptions,
): (event: TEvent, context: TContext) => Promise<TResult | ApiGatewayV2Result> {
  if (typeof handler !== 'function') throw new TypeError('withPortcullis: handler must be a function');
  if (typeof options?.verifier?.route !== 'function') {
    throw new TypeError('withPortcullis: options.verifier must be the verifier from createVerifier()');
  }
  const route = options.verifier.route(compileRouteRequirements(options.require, 'withPortcullis'));
  return async (event, context) => {
    if (
      event?.version !== '2.0' ||
      typeof event.rawPath !== 'string' ||
      typeof event.requestContext?.http?.method !== 'string'
    ) {
      throw new TypeError('withPortcullis: the event is not an API Gateway HTTP API payload 2.0 event');
    }
    const result = await route.verify(appRequest(event));
    if (!result.ok) {
      const refusal = refusalResponse(result.error);
      return {
        statusCode: refusal.status,
        headers: refusal.headers,
        body: refusal.body,
        isBase64Encoded: false,
      };
    }
    return handler(event, context, result.request);
  };
}
