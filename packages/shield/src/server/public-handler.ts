import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ZodType } from 'zod';
import type { Clock } from '../clock.js';
import { isShieldError, ShieldError } from '../errors.js';
import { expectContinue } from '../gateway/expect-continue.js';
import type { IdentifierHasher } from '../identifier-hasher.js';
import { type AuditRecord, StoreUnavailableError } from '../stores/ports.js';
import type { AttestOutcome, AttestService } from './attest-service.js';
import { sendProblem } from './problem.js';
import { readJsonBody } from './read-json-body.js';
import { assertRequestSchema, attestRequestSchema, challengeRequestSchema } from './request-schemas.js';

/** The gateway as the public handler sees it: anything that is not a shield endpoint goes there. */
export interface GatewayHandler {
  handle(req: IncomingMessage, res: ServerResponse, requestId: string, clientIp: string): void;
}

export interface PublicHandlerOptions {
  attest: AttestService;
  gateway: GatewayHandler;
  jwks(): { body: string; etag: string; cacheControl: string };
  ready(): Promise<boolean>;
  /** Receives the audit record of every endpoint call, with the device platform when known (metrics). */
  audit(record: Omit<AuditRecord, 'instance'>, platform?: string | null): void;
  /** Hashes device key ids into audit records, as the gateway does. */
  identifiers: IdentifierHasher;
  clock: Clock;
  /** Limit for the attestation endpoints' JSON bodies. */
  maxAttestBodyBytes: number;
  resolveClientIp(req: IncomingMessage): string;
  /** Per-IP and per-key limits of the attestation endpoints, and the lockout after failures. */
  endpointLimiter?: {
    consume(kind: 'challenge' | 'attest' | 'assert', ip: string, keyId?: string): Promise<void>;
    recordFailure(kind: 'challenge' | 'attest' | 'assert', ip: string, keyId?: string): Promise<void>;
  };
  onError(error: unknown, requestId: string): void;
}

type Endpoint = {
  event: 'challenge' | 'attest' | 'assert';
  run(body: unknown, outcome: AttestOutcome, req: IncomingMessage): Promise<unknown>;
  schema: ZodType;
};

function countHeader(rawHeaders: readonly string[], name: string): number {
  let count = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) if (rawHeaders[i]!.toLowerCase() === name) count += 1;
  return count;
}

/** The device key id a request names, if any (for per-key limits). */
function keyIdOf(body: unknown): string | undefined {
  const value = body as { keyId?: unknown; evidence?: Array<{ keyId?: unknown }> };
  if (typeof value.keyId === 'string') return value.keyId;
  const fromEvidence = value.evidence?.find((item) => typeof item.keyId === 'string')?.keyId;
  return typeof fromEvidence === 'string' ? fromEvidence : undefined;
}

const EVIDENCE_PLATFORMS: Readonly<Record<string, string>> = {
  'apple-app-attest': 'ios',
  'android-key-attestation': 'android',
  'play-integrity': 'android',
  debug: 'debug',
};

/** The platform an attestation request names by its evidence, before anything is verified. */
function platformOf(body: unknown): string | null {
  const evidence = (body as { evidence?: Array<{ type?: unknown }> }).evidence ?? [];
  for (const item of evidence) {
    const platform = typeof item.type === 'string' ? EVIDENCE_PLATFORMS[item.type] : undefined;
    if (platform !== undefined) return platform;
  }
  return null;
}

function storeReason(error: StoreUnavailableError): string {
  const reason = (error as { reason?: unknown }).reason;
  return typeof reason === 'string' ? reason : 'store_unavailable';
}

/**
 * The public listener's request handler: the shield's own endpoints (protocol §2) are answered
 * here, everything else is the gateway's. Exact path matches only; any other form of these paths
 * falls to the gateway, whose default deny refuses it.
 */
export function createPublicHandler(options: PublicHandlerOptions) {
  const { attest } = options;
  const endpoints = new Map<string, Endpoint>([
    [
      '/v1/challenge',
      {
        event: 'challenge',
        schema: challengeRequestSchema,
        run: (body, outcome) => attest.challenge((body as { appId: string }).appId, outcome),
      },
    ],
    [
      '/v1/attest',
      {
        event: 'attest',
        schema: attestRequestSchema,
        run: (body, outcome) => attest.attest(body as never, outcome),
      },
    ],
    [
      '/v1/assert',
      {
        event: 'assert',
        schema: assertRequestSchema,
        run: (body, outcome, req) => attest.assert(body as never, outcome, req.headers.authorization),
      },
    ],
  ]);

  async function runEndpoint(
    endpoint: Endpoint,
    req: IncomingMessage,
    res: ServerResponse,
    requestId: string,
    clientIp: string,
  ): Promise<void> {
    const started = options.clock.now();
    const outcome: AttestOutcome = { appId: null, keyId: null, level: null, jti: null, details: {} };
    let code = 'ok';
    let reason: string | null = null;
    let decision: AuditRecord['decision'] = 'allow';
    let keyId: string | undefined;
    let platform: string | null = null;
    let bodyRead = false;
    try {
      // Node keeps the first of two Content-Type or Authorization headers; another hop may keep
      // the last. The gateway refuses such requests, and so do the shield's own endpoints.
      if (
        countHeader(req.rawHeaders, 'content-type') > 1 ||
        countHeader(req.rawHeaders, 'authorization') > 1
      ) {
        throw new ShieldError('duplicate_header', 'duplicate_header');
      }
      expectContinue.release(req, res);
      const raw = await readJsonBody(req, options.maxAttestBodyBytes);
      bodyRead = true;
      const parsed = endpoint.schema.safeParse(raw);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new ShieldError('bad_request', 'request_shape_invalid', {
          message: `${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'}`,
        });
      }
      keyId = keyIdOf(parsed.data);
      platform = platformOf(parsed.data);
      await options.endpointLimiter?.consume(endpoint.event, clientIp, keyId);
      const result = await endpoint.run(parsed.data, outcome, req);
      const body = JSON.stringify(result);
      res.statusCode = 200;
      res.setHeader('content-type', 'application/json');
      res.setHeader('cache-control', 'no-store');
      res.setHeader('x-request-id', requestId);
      res.end(body);
    } catch (error) {
      const shieldError = isShieldError(error)
        ? error
        : error instanceof StoreUnavailableError
          ? new ShieldError('store_unavailable', storeReason(error), { retryAfter: 5 })
          : undefined;
      if (shieldError === undefined) options.onError(error, requestId);
      const failure = shieldError ?? new ShieldError('internal_error', 'unexpected_error');
      code = failure.code;
      reason = failure.reason;
      if (
        (code === 'evidence_invalid' || code === 'challenge_invalid') &&
        options.endpointLimiter !== undefined
      ) {
        // Failures count toward a per-IP and per-key lockout (A2-03); a store problem here must
        // not turn a 401 into a 500, so it is only logged.
        await options.endpointLimiter
          .recordFailure(endpoint.event, clientIp, keyId)
          .catch((error: unknown) => options.onError(error, requestId));
      }
      decision = failure.code === 'internal_error' || failure.status >= 500 ? 'error' : 'deny';
      sendProblem(res, failure.code, requestId, {
        ...(failure.retryAfter !== undefined ? { retryAfter: failure.retryAfter } : {}),
        // Only our own validation messages are shown; verifier messages stay in the audit log.
        ...(failure.code === 'bad_request' ? { detail: failure.message } : {}),
        // Refused before its body was read: the rest of it is still on the wire, so the
        // connection is closed rather than left half-read.
        ...(!bodyRead ? { headers: { connection: 'close' } } : {}),
      });
    } finally {
      options.audit(
        {
          ts: started,
          requestId,
          event: endpoint.event,
          decision,
          code,
          reason,
          appId: outcome.appId,
          routeId: null,
          method: req.method ?? null,
          path: req.url ?? null,
          clientIp,
          deviceIdHash: outcome.keyId === null ? null : options.identifiers.audit(outcome.keyId),
          userIdHash: null,
          tokenJti: outcome.jti,
          level: outcome.level,
          upstreamStatus: null,
          latencyMs: options.clock.now() - started,
          details: Object.keys(outcome.details).length === 0 ? null : outcome.details,
        },
        outcome.platform ?? platform,
      );
    }
  }

  function sendJson(
    res: ServerResponse,
    status: number,
    body: string,
    requestId: string,
    cacheControl = 'no-store',
  ) {
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.setHeader('cache-control', cacheControl);
    res.setHeader('x-request-id', requestId);
    res.end(body);
  }

  return function handle(req: IncomingMessage, res: ServerResponse): void {
    const requestId = randomUUID();
    const clientIp = options.resolveClientIp(req);
    const url = req.url ?? '';
    const endpoint = endpoints.get(url);
    if (endpoint !== undefined) {
      if (req.method !== 'POST') {
        sendProblem(res, 'method_not_allowed', requestId, { headers: { allow: 'POST' } });
        return;
      }
      void runEndpoint(endpoint, req, res, requestId, clientIp);
      return;
    }
    if (url === '/.well-known/jwks.json' || url === '/livez' || url === '/readyz') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        sendProblem(res, 'method_not_allowed', requestId, { headers: { allow: 'GET, HEAD' } });
        return;
      }
      if (url === '/livez') {
        sendJson(res, 200, '{"status":"ok"}', requestId);
      } else if (url === '/readyz') {
        options.ready().then(
          (ready) =>
            sendJson(
              res,
              ready ? 200 : 503,
              ready ? '{"status":"ready"}' : '{"status":"not ready"}',
              requestId,
            ),
          () => sendJson(res, 503, '{"status":"not ready"}', requestId),
        );
      } else {
        const jwks = options.jwks();
        if (req.headers['if-none-match'] === jwks.etag) {
          res.statusCode = 304;
          res.setHeader('etag', jwks.etag);
          res.setHeader('cache-control', jwks.cacheControl);
          res.end();
          return;
        }
        res.setHeader('etag', jwks.etag);
        sendJson(res, 200, jwks.body, requestId, jwks.cacheControl);
      }
      return;
    }
    options.gateway.handle(req, res, requestId, clientIp);
  };
}
