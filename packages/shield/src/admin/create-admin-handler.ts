import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../clock.js';
import { isShieldError, ShieldError } from '../errors.js';
import type { IdentifierHasher } from '../identifier-hasher.js';
import { sendProblem } from '../server/problem.js';
import { readJsonBody } from '../server/read-json-body.js';
import { type AuditLog, type AuditRecord, type DeviceStore, StoreUnavailableError } from '../stores/index.js';
import type { KeyInfo } from '../tokens/index.js';
import { adminError } from './admin-error.js';
import { createAdminMetrics } from './create-admin-metrics.js';
import {
  type AuthFailureThrottleOptions,
  createAuthFailureThrottle,
} from './create-auth-failure-throttle.js';
import {
  formatPrometheusText,
  type MetricFamily,
  PROMETHEUS_CONTENT_TYPE,
} from './format-prometheus-text.js';
import { parseKeyIdSegment } from './parse-key-id-segment.js';
import { presentDevice } from './present-device.js';
import { readAuditQuery } from './read-audit-query.js';
import { readDeviceListQuery } from './read-device-list-query.js';
import { readQueryParameters } from './read-query-parameters.js';
import { readRevokeRequest } from './read-revoke-request.js';
import { verifyAdminAuthorization } from './verify-admin-authorization.js';

/** Largest revoke body read, bytes: `{"reason": ...}` with 200 characters fits many times over. */
const MAX_REVOKE_BODY_BYTES = 4096;
const REALM = 'Bearer realm="portcullis-admin"';

export interface AdminHandlerOptions {
  /** SHA-256 of the admin bearer token, 64 hex digits (`admin.tokenSha256` of the config). */
  tokenSha256: string;
  /** The stores the admin API reads (audit, devices) and revokes devices in. */
  stores: {
    audit: Pick<AuditLog, 'query'>;
    devices: Pick<DeviceStore, 'get' | 'list' | 'revoke'>;
  };
  /** The signing keys (`KeyStore`); only `list()` is used, which holds no private material. */
  keys: { list(): KeyInfo[] };
  /** Hashes the revoked device's key id into its audit record, as the gateway does. */
  identifiers: IdentifierHasher;
  clock: Clock;
  /**
   * The shield's own numbers for `/metrics`, read at every scrape: lower_snake_case names, a name
   * ending in `_total` is a counter, any other a gauge; each is served as `portcullis_<name>`.
   */
  stats(): Record<string, number>;
  /** Further metric families of this process for `/metrics` (per-route counters, histograms). */
  families?(): MetricFamily[];
  /**
   * Where `/metrics` gets its families when this process is one of several workers: every
   * worker's, merged (see `mergeWorkerFamilies`). Absent: this process's own.
   */
  gather?(): Promise<MetricFamily[]>;
  /**
   * Receives an audit record (event `admin`) for every revocation attempt and every refused
   * admin token, never for reads. Must not throw; the shield passes its audit writer.
   */
  audit?(record: Omit<AuditRecord, 'instance'>): void;
  /** Told about errors answered with 500 (and the request id); never given the token. */
  onError?(error: unknown, requestId: string): void;
  /** The brake on wrong tokens per client address. Defaults: 10 per 60 s, 10 000 addresses. */
  throttle?: Omit<AuthFailureThrottleOptions, 'clock'>;
}

/** The admin listener's request handler; `close()` stops its event-loop monitor. */
export interface AdminHandler {
  (req: IncomingMessage, res: ServerResponse): void;
  /** This process's metric families now (starts a new event-loop delay interval). */
  collectMetrics(): MetricFamily[];
  close(): void;
}

/** What a route handler needs from the request. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  requestId: string;
  query: string;
  /** The raw (still encoded) key id segment, for the device routes. */
  segment: string;
  /** Filled in by the revoke route for its audit record. */
  audit: { appId: string | null; keyId: string | null; details: AuditRecord['details'] };
}

interface Route {
  /** The path as written in docs and audit records (never the raw key id). */
  template: string;
  methods: readonly string[];
  auth: boolean;
  /** Audit every request that passed authentication (revocations). */
  audited: boolean;
  run(exchange: Exchange): Promise<void> | void;
}

function sendJson(res: ServerResponse, requestId: string, value: unknown, contentType = 'application/json') {
  const body = typeof value === 'string' ? value : JSON.stringify(value);
  res.statusCode = 200;
  res.setHeader('content-type', contentType);
  res.setHeader('cache-control', 'no-store');
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('content-length', Buffer.byteLength(body));
  res.setHeader('x-request-id', requestId);
  res.end(body);
}

/** Every value of one header, from the raw list (Node keeps only the first Authorization). */
function headerValues(rawHeaders: readonly string[], name: string): string[] {
  const values: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    if (rawHeaders[i]!.toLowerCase() === name) values.push(rawHeaders[i + 1]!);
  }
  return values;
}

function storeReason(error: StoreUnavailableError): string {
  const reason = (error as { reason?: unknown }).reason;
  return typeof reason === 'string' ? reason : 'store_unavailable';
}

/**
 * The admin listener's handler (threat A8-04: serve it only on its own loopback or private
 * listener, never on the public one): `GET /livez` without authentication; with
 * `Authorization: Bearer <admin token>` (its SHA-256 compared in constant time, C-33) `GET
 * /metrics` (Prometheus text), `GET /audit`, `GET /devices`, `GET /devices/{keyId}`, `POST
 * /devices/{keyId}/revoke` (C-29) and `GET /keys`. Paths are matched exactly; a key id is one
 * path segment, percent-decoded once. Every answer carries `Cache-Control: no-store`; every
 * refusal is problem+json with a stable code. The token is never logged, audited or echoed.
 *
 * @example
 * ```ts
 * const admin = createAdminHandler({ tokenSha256, stores, keys, identifiers, clock, stats: () => ({}) });
 * createHttpServer(admin).listen(9090, '127.0.0.1');
 * // on shutdown: admin.close();
 * ```
 */
export function createAdminHandler(options: AdminHandlerOptions): AdminHandler {
  if (typeof options.tokenSha256 !== 'string' || !/^[0-9a-fA-F]{64}$/.test(options.tokenSha256)) {
    throw new TypeError('createAdminHandler: tokenSha256 must be 64 hex digits (the SHA-256 of the token)');
  }
  if (typeof options.identifiers?.audit !== 'function') {
    throw new TypeError('createAdminHandler: identifiers must be an IdentifierHasher');
  }
  const expected = Buffer.from(options.tokenSha256, 'hex');
  const { stores, keys, clock, identifiers } = options;
  const throttle = createAuthFailureThrottle({ ...options.throttle, clock });
  const metrics = createAdminMetrics({
    stats: () => options.stats(),
    keys,
    ...(options.families === undefined ? {} : { families: () => options.families!() }),
  });

  const report = (error: unknown, requestId: string) => {
    try {
      options.onError?.(error, requestId);
    } catch {
      // A failing observer must not turn an answer into a crash.
    }
  };
  const audit = (record: Omit<AuditRecord, 'instance'>) => {
    try {
      options.audit?.(record);
    } catch {
      // The audit sink reports its own failures; the admin answer stands.
    }
  };

  async function findDevice(keyId: string) {
    const device = await stores.devices.get(keyId);
    if (device === null) throw adminError('admin_device_unknown', { message: 'no device has this key id' });
    return device;
  }

  const GET = ['GET', 'HEAD'] as const;
  const routes = new Map<string, Route>([
    [
      '/livez',
      {
        template: '/livez',
        methods: GET,
        auth: false,
        audited: false,
        run: ({ res, requestId, query }) => {
          readQueryParameters(query, []);
          sendJson(res, requestId, { status: 'ok' });
        },
      },
    ],
    [
      '/metrics',
      {
        template: '/metrics',
        methods: GET,
        auth: true,
        audited: false,
        run: async ({ res, requestId, query }) => {
          readQueryParameters(query, []);
          const text =
            options.gather === undefined ? metrics.render() : formatPrometheusText(await options.gather());
          sendJson(res, requestId, text, PROMETHEUS_CONTENT_TYPE);
        },
      },
    ],
    [
      '/audit',
      {
        template: '/audit',
        methods: GET,
        auth: true,
        audited: false,
        run: async ({ res, requestId, query }) => {
          const records = await stores.audit.query(readAuditQuery(query));
          sendJson(res, requestId, { records });
        },
      },
    ],
    [
      '/devices',
      {
        template: '/devices',
        methods: GET,
        auth: true,
        audited: false,
        run: async ({ res, requestId, query }) => {
          const { limit, ...filter } = readDeviceListQuery(query);
          // One more than asked tells whether another page exists (the store caps a page at 1000).
          const page = await stores.devices.list({ ...filter, limit: Math.min(limit + 1, 1000) });
          const shown = page.slice(0, limit);
          const more = page.length > limit || (limit === 1000 && page.length === limit);
          sendJson(res, requestId, {
            devices: shown.map(presentDevice),
            next: more ? (shown.at(-1)?.keyId ?? null) : null,
          });
        },
      },
    ],
    [
      '/devices/{keyId}',
      {
        template: '/devices/{keyId}',
        methods: GET,
        auth: true,
        audited: false,
        run: async ({ res, requestId, query, segment }) => {
          const keyId = parseKeyIdSegment(segment);
          readQueryParameters(query, []);
          sendJson(res, requestId, { device: presentDevice(await findDevice(keyId)) });
        },
      },
    ],
    [
      '/devices/{keyId}/revoke',
      {
        template: '/devices/{keyId}/revoke',
        methods: ['POST'],
        auth: true,
        audited: true,
        run: async (exchange) => {
          const { req, res, requestId, query, segment } = exchange;
          const keyId = parseKeyIdSegment(segment);
          exchange.audit.keyId = keyId;
          readQueryParameters(query, []);
          const { reason } = readRevokeRequest(await readJsonBody(req, MAX_REVOKE_BODY_BYTES));
          const before = await findDevice(keyId);
          exchange.audit.appId = before.appId;
          // The store keeps the first revocation (its time bounds how long the key's tokens
          // stayed usable), so repeating the call changes nothing: idempotent.
          if (!(await stores.devices.revoke(keyId, reason, clock.now()))) {
            throw adminError('admin_device_unknown', { message: 'no device has this key id' });
          }
          const after = await findDevice(keyId);
          const alreadyRevoked = before.revokedAt !== null;
          exchange.audit.details = { alreadyRevoked, revokedAt: after.revokedAt ?? 0 };
          sendJson(res, requestId, { device: presentDevice(after), alreadyRevoked });
        },
      },
    ],
    [
      '/keys',
      {
        template: '/keys',
        methods: GET,
        auth: true,
        audited: false,
        run: ({ res, requestId, query }) => {
          readQueryParameters(query, []);
          // Field by field: the list holds no private material, and this keeps it that way.
          const list = keys.list().map((key) => ({
            kid: key.kid,
            alg: key.alg,
            status: key.status,
            createdAt: key.createdAt,
            activatesAt: key.activatesAt,
            deactivatesAt: key.deactivatesAt,
            retiresAt: key.retiresAt,
          }));
          sendJson(res, requestId, { keys: list });
        },
      },
    ],
  ]);

  function match(path: string): { route: Route; segment: string } | undefined {
    const exact = routes.get(path);
    if (exact !== undefined && !exact.template.includes('{')) return { route: exact, segment: '' };
    const device = /^\/devices\/([^/]*)(\/revoke)?$/.exec(path);
    if (device === null) return undefined;
    const route = routes.get(device[2] === undefined ? '/devices/{keyId}' : '/devices/{keyId}/revoke');
    return route === undefined ? undefined : { route, segment: device[1]! };
  }

  function refuse(
    res: ServerResponse,
    requestId: string,
    failure: ShieldError,
    headers?: Record<string, string>,
  ) {
    sendProblem(res, failure.code, requestId, {
      ...(failure.retryAfter !== undefined ? { retryAfter: failure.retryAfter } : {}),
      // Only the admin API's own validation messages are shown: they name, never echo.
      ...(failure.code === 'bad_request' ? { detail: failure.message } : {}),
      headers: {
        ...(failure.code === 'payload_too_large' ? { connection: 'close' } : {}),
        ...headers,
      },
    });
  }

  /** Authentication, with the throttle; returns the refusal, or undefined when the token is right. */
  function authenticate(req: IncomingMessage, clientIp: string): ShieldError | undefined {
    const wait = throttle.blockedFor(clientIp);
    if (wait > 0) {
      return adminError('admin_auth_throttled', { retryAfter: wait });
    }
    const result = verifyAdminAuthorization(headerValues(req.rawHeaders, 'authorization'), expected);
    if (result.ok) {
      throttle.recordSuccess(clientIp);
      return undefined;
    }
    // A missing header is no guess at the token; everything else counts toward the brake.
    if (result.reason !== 'admin_token_missing') throttle.recordFailure(clientIp);
    return adminError(result.reason);
  }

  async function serve(route: Route, exchange: Exchange, clientIp: string): Promise<void> {
    const { req, res, requestId } = exchange;
    const started = clock.now();
    let failure: ShieldError | undefined;
    let authenticated = !route.auth;
    try {
      if (route.auth) {
        failure = authenticate(req, clientIp);
        if (failure !== undefined) {
          const challenge =
            failure.status !== 401
              ? undefined
              : failure.code === 'token_missing'
                ? REALM
                : `${REALM}, error="invalid_token"`;
          refuse(res, requestId, failure, challenge === undefined ? {} : { 'www-authenticate': challenge });
          return;
        }
        authenticated = true;
      }
      await route.run(exchange);
    } catch (error) {
      failure = isShieldError(error)
        ? error
        : error instanceof StoreUnavailableError
          ? new ShieldError('store_unavailable', storeReason(error), { retryAfter: 5 })
          : undefined;
      if (failure === undefined || failure.code === 'internal_error') report(error, requestId);
      failure ??= adminError('admin_unexpected_error');
      refuse(res, requestId, failure);
    } finally {
      if (!authenticated || route.audited) {
        const reason = failure?.reason ?? null;
        audit({
          ts: started,
          requestId,
          event: 'admin',
          decision:
            failure === undefined
              ? 'allow'
              : failure.code === 'rate_limited'
                ? 'limit'
                : failure.status >= 500
                  ? 'error'
                  : 'deny',
          code: failure?.code ?? 'ok',
          reason,
          appId: exchange.audit.appId,
          routeId: null,
          method: req.method ?? null,
          path: route.template,
          clientIp,
          deviceIdHash: exchange.audit.keyId === null ? null : identifiers.audit(exchange.audit.keyId),
          userIdHash: null,
          tokenJti: null,
          level: null,
          upstreamStatus: null,
          latencyMs: clock.now() - started,
          details: exchange.audit.details,
        });
      }
    }
  }

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const requestId = randomUUID();
    const url = req.url ?? '';
    const mark = url.indexOf('?');
    const path = mark === -1 ? url : url.slice(0, mark);
    const query = mark === -1 ? '' : url.slice(mark + 1);
    const found = match(path);
    if (found === undefined) {
      refuse(res, requestId, adminError('admin_route_unknown'));
      return;
    }
    const { route, segment } = found;
    if (!route.methods.includes(req.method ?? '')) {
      refuse(res, requestId, adminError('admin_method_not_allowed'), { allow: route.methods.join(', ') });
      return;
    }
    const exchange: Exchange = {
      req,
      res,
      requestId,
      query,
      segment,
      audit: { appId: null, keyId: null, details: null },
    };
    void serve(route, exchange, req.socket.remoteAddress ?? '');
  };
  return Object.assign(handle, { collectMetrics: () => metrics.collect(), close: () => metrics.close() });
}
