import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../clock.js';
import { isShieldError, ShieldError } from '../errors.js';
import type { IdentifierHasher } from '../identifier-hasher.js';
import { sendProblem } from '../server/problem.js';
import { readJsonBody } from '../server/read-json-body.js';
import {
  type AuditLog,
  type AuditRecord,
  type DebugCredentialStore,
  type DeviceRecord,
  type DeviceStore,
  type StoredDebugCredential,
  StoreUnavailableError,
} from '../stores/index.js';
import type { KeyInfo } from '../tokens/index.js';
import { adminError } from './admin-error.js';
import {
  debugCredentialRequestSchema,
  emptyRequestSchema,
  loginRequestSchema,
  MAX_DEBUG_CREDENTIAL_DAYS,
  overviewQuerySchema,
} from './admin-schemas.js';
import { CONSOLE_ASSET_PATHS, type ConsoleAssetPath, createConsoleAssets } from './console/console-assets.js';
import { type ConsoleSession, createConsoleSessions } from './console/create-console-sessions.js';
import { createOpenApiDocument } from './console/create-openapi-document.js';
import { bucketWidth, summarizeOverview, whatBreaks } from './console/summarize-overview.js';
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
import { readBodyWithSchema, readQueryWithSchema } from './read-with-schema.js';
import { verifyAdminAuthorization } from './verify-admin-authorization.js';

/** Largest revoke body read, bytes: `{"reason": ...}` with 200 characters fits many times over. */
const MAX_REVOKE_BODY_BYTES = 4096;
const REALM = 'Bearer realm="portcullis-admin"';
const SESSION_COOKIE = 'portcullis_console';
const CONSOLE_API = '/console/api';
/** Every admin answer carries these; the console page needs nothing looser. */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
} as const;

/** A route as the console's routes page shows it: the effective policy, never secret values. */
export interface AdminRouteView {
  id: string;
  methods: string[];
  path: string;
  public: boolean;
  require: { token: boolean; level?: string; apps?: string[]; proof: boolean; binding: boolean };
  limits: number;
  injects: string[];
  /** `tokenMode` of the route: monitor forwards what the token requirement would refuse, and records it. */
  tokenMode: 'enforce' | 'monitor';
  /** `limitMode` of the route: monitor records limit hits without refusing. */
  limitMode: 'enforce' | 'monitor';
}

/** A debug credential from the config, as the console lists it (its hash is not shown). */
export interface ConfiguredDebugCredential {
  appId: string;
  name: string;
  expires: Date;
  audiences?: readonly string[];
}

export interface AdminHandlerOptions {
  /** SHA-256 of the admin bearer token, 64 hex digits (`admin.tokenSha256` of the config). */
  tokenSha256: string;
  /** The stores the admin API reads (audit, devices) and revokes devices in. */
  stores: {
    audit: Pick<AuditLog, 'query' | 'summarize'>;
    devices: Pick<DeviceStore, 'get' | 'list' | 'revoke'>;
    debugCredentials?: DebugCredentialStore;
  };
  /**
   * The signing keys (`KeyStore`): `list()` holds no private material; `rotate` (optional) adds
   * a key for `POST /keys/rotate`, with the retirement settings of the shield's key maintenance.
   */
  keys: { list(): KeyInfo[] };
  rotateKey?(): Promise<KeyInfo>;
  /** Each route's effective policy, for `GET /routes`. */
  routes?(): AdminRouteView[];
  /**
   * Debug credentials: those of the config (listed, never changed here), and whether the console
   * may issue more (`admin.debugCredentials`; off by default in production). `apps` names the
   * apps that accept debug evidence and their audiences; `keyedHash` hashes a new credential
   * with the deployment's identifier key.
   */
  debugCredentials?: {
    configured: readonly ConfiguredDebugCredential[];
    issuing: boolean;
    apps: ReadonlyMap<string, readonly string[]>;
    keyedHash(credential: string): string;
  };
  /** Console session lifetimes (ms): idle 15 minutes and 8 hours at most by default. */
  sessions?: { idleMs?: number; maxAgeMs?: number };
  /** Where the built console is (default: the package's `console/dist`). */
  consoleDir?: string;
  /** Version shown in the OpenAPI document. */
  version?: string;
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
  /** The console session's cookie value, when the request came through /console/api. */
  sessionId: string | undefined;
  /** The console session, once its cookie was verified. */
  session?: ConsoleSession;
}

interface Route {
  /** The path as written in docs and audit records (never the raw key id). */
  template: string;
  methods: readonly string[];
  auth: boolean;
  /** Audit every request that passed authentication (revocations). */
  audited: boolean;
  /** Reachable from the console with its session cookie (under /console/api). Default true. */
  console?: boolean;
  run(exchange: Exchange): Promise<void> | void;
}

function sendJson(
  res: ServerResponse,
  requestId: string,
  value: unknown,
  contentType = 'application/json',
  status = 200,
) {
  const body = typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value);
  res.statusCode = status;
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

/** Field by field: the key list holds no private material, and this keeps it that way. */
function presentKey(key: KeyInfo) {
  return {
    kid: key.kid,
    alg: key.alg,
    status: key.status,
    createdAt: key.createdAt,
    activatesAt: key.activatesAt,
    deactivatesAt: key.deactivatesAt,
    retiresAt: key.retiresAt,
  };
}

/** The console session cookie's value, when the request carries exactly one. */
function sessionCookie(req: IncomingMessage): string | undefined {
  const found: string[] = [];
  for (const header of headerValues(req.rawHeaders, 'cookie')) {
    for (const part of header.split(';')) {
      const equals = part.indexOf('=');
      if (equals !== -1 && part.slice(0, equals).trim() === SESSION_COOKIE)
        found.push(part.slice(equals + 1).trim());
    }
  }
  return found.length === 1 ? found[0] : undefined;
}

/** True when the request's Origin is this listener itself (the console page). */
function sameOrigin(req: IncomingMessage): boolean {
  const origins = headerValues(req.rawHeaders, 'origin');
  const hosts = headerValues(req.rawHeaders, 'host');
  if (origins.length !== 1 || hosts.length !== 1) return false;
  const scheme = (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
  return origins[0] === `${scheme}://${hosts[0]}`;
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
  // Stateless, so every worker (and every instance sharing the key directory) accepts the cookie.
  const sessions = createConsoleSessions({
    clock,
    mac: (value) => identifiers.consoleSession(value),
    binding: options.tokenSha256.toLowerCase(),
    ...options.sessions,
  });
  const assets = createConsoleAssets(options.consoleDir);
  const openApi = JSON.stringify(createOpenApiDocument(options.version ?? '0.0.0'));
  const showDevice = (device: DeviceRecord) => ({
    ...presentDevice(device),
    deviceIdHash: identifiers.audit(device.keyId),
  });
  const window = (query: string) => {
    const read = readQueryWithSchema(query, overviewQuerySchema);
    const until = read.until ?? clock.now() + 1;
    const since = read.since ?? until - 3_600_000;
    if (since >= until) {
      throw adminError('admin_query_parameter_invalid', { message: 'since must be before until' });
    }
    return { since, until };
  };
  const debugStore = stores.debugCredentials;
  const presentCredential = (credential: StoredDebugCredential) => ({
    id: credential.id,
    appId: credential.appId,
    name: credential.name,
    audiences: credential.audiences,
    createdAt: credential.createdAt,
    expiresAt: credential.expiresAt,
    revokedAt: credential.revokedAt,
    source: 'console' as const,
  });
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
          const { limit, platform, level, ...filter } = readDeviceListQuery(query);
          const wanted = (device: DeviceRecord) =>
            (platform === undefined || device.platform === platform) &&
            (level === undefined || device.level === level);
          // One more than asked tells whether another page exists (the store caps a page at 1000).
          // Platform and level are filtered here, over at most 20 store pages per answer.
          const found: DeviceRecord[] = [];
          let after = filter.afterKeyId;
          let exhausted = false;
          for (let pages = 0; pages < 20 && found.length <= limit && !exhausted; pages += 1) {
            const size = platform === undefined && level === undefined ? Math.min(limit + 1, 1000) : 1000;
            const page = await stores.devices.list({
              ...filter,
              ...(after === undefined ? {} : { afterKeyId: after }),
              limit: size,
            });
            found.push(...page.filter(wanted));
            exhausted = page.length < size;
            after = page.at(-1)?.keyId;
          }
          const shown = found.slice(0, limit);
          const more =
            found.length > limit ||
            (!exhausted && found.length === limit) ||
            (limit === 1000 && found.length === limit);
          sendJson(res, requestId, {
            devices: shown.map(showDevice),
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
          sendJson(res, requestId, { device: showDevice(await findDevice(keyId)) });
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
          sendJson(res, requestId, { device: showDevice(after), alreadyRevoked });
        },
      },
    ],
    [
      '/overview',
      {
        template: '/overview',
        methods: GET,
        auth: true,
        audited: false,
        run: async ({ res, requestId, query }) => {
          const { since, until } = window(query);
          const bucketMs = bucketWidth(since, until);
          const rows = await stores.audit.summarize({ since, until, bucketMs });
          sendJson(res, requestId, summarizeOverview(rows, { since, until, bucketMs }));
        },
      },
    ],
    [
      '/what-breaks',
      {
        template: '/what-breaks',
        methods: GET,
        auth: true,
        audited: false,
        run: async ({ res, requestId, query }) => {
          const { since, until } = window(query);
          const bucketMs = Math.max(1000, until - since);
          const rows = await stores.audit.summarize({ since, until, bucketMs });
          sendJson(res, requestId, whatBreaks(rows, { since, until }));
        },
      },
    ],
    [
      '/routes',
      {
        template: '/routes',
        methods: GET,
        auth: true,
        audited: false,
        run: ({ res, requestId, query }) => {
          readQueryParameters(query, []);
          sendJson(res, requestId, { routes: options.routes?.() ?? [] });
        },
      },
    ],
    [
      '/debug-credentials',
      {
        template: '/debug-credentials',
        methods: ['GET', 'HEAD', 'POST'],
        auth: true,
        audited: true,
        run: async (exchange) => {
          const { req, res, requestId, query } = exchange;
          readQueryParameters(query, []);
          const settings = options.debugCredentials;
          if (req.method !== 'POST') {
            exchange.audit.details = null;
            const issued = debugStore === undefined ? [] : await debugStore.list({ limit: 1000 });
            const configured = (settings?.configured ?? []).map((credential) => ({
              id: `config:${credential.appId}:${credential.name}`,
              appId: credential.appId,
              name: credential.name,
              audiences: credential.audiences === undefined ? null : [...credential.audiences],
              createdAt: null,
              expiresAt: credential.expires.getTime(),
              revokedAt: null,
              source: 'config' as const,
            }));
            sendJson(res, requestId, {
              credentials: [...issued.map(presentCredential), ...configured],
              issuing: settings?.issuing === true && debugStore !== undefined,
              apps: Object.fromEntries(settings?.apps ?? []),
            });
            return;
          }
          if (settings?.issuing !== true || debugStore === undefined) {
            throw adminError('admin_debug_credentials_disabled');
          }
          const request = readBodyWithSchema(
            await readJsonBody(req, MAX_REVOKE_BODY_BYTES),
            debugCredentialRequestSchema,
            'admin_debug_credential_invalid',
          );
          exchange.audit.appId = request.appId;
          const audiences = settings.apps.get(request.appId);
          if (audiences === undefined) {
            throw adminError('admin_debug_credential_invalid', {
              message: 'appId must name an app that accepts debug evidence',
            });
          }
          if (!request.audiences.every((audience) => audiences.includes(audience))) {
            throw adminError('admin_debug_credential_invalid', {
              message: "audiences must be among the app's audiences",
            });
          }
          const now = clock.now();
          if (request.expiresAt <= now || request.expiresAt > now + MAX_DEBUG_CREDENTIAL_DAYS * 86_400_000) {
            throw adminError('admin_debug_credential_invalid', {
              message: `expiresAt must be in the future and at most ${MAX_DEBUG_CREDENTIAL_DAYS} days ahead`,
            });
          }
          const secret = `pcd_${randomBytes(32).toString('base64url')}`;
          const credential: StoredDebugCredential = {
            id: randomBytes(12).toString('base64url'),
            appId: request.appId,
            name: request.name,
            keyedHash: settings.keyedHash(secret),
            audiences: [...request.audiences],
            createdAt: now,
            expiresAt: request.expiresAt,
            revokedAt: null,
          };
          await debugStore.add(credential);
          exchange.audit.details = {
            action: 'debug_credential_issued',
            credentialId: credential.id,
            credential: credential.name,
          };
          sendJson(
            res,
            requestId,
            { credential: presentCredential(credential), secret },
            'application/json',
            201,
          );
        },
      },
    ],
    [
      '/debug-credentials/{id}/revoke',
      {
        template: '/debug-credentials/{id}/revoke',
        methods: ['POST'],
        auth: true,
        audited: true,
        run: async (exchange) => {
          const { req, res, requestId, query, segment } = exchange;
          readQueryParameters(query, []);
          if (!/^[A-Za-z0-9_-]{16}$/.test(segment)) throw adminError('admin_debug_credential_unknown');
          readBodyWithSchema(
            await readJsonBody(req, MAX_REVOKE_BODY_BYTES),
            emptyRequestSchema,
            'admin_debug_credential_invalid',
          );
          if (debugStore === undefined || !(await debugStore.revoke(segment, clock.now()))) {
            throw adminError('admin_debug_credential_unknown');
          }
          const found = (await debugStore.list({ limit: 1000 })).find((c) => c.id === segment);
          exchange.audit.appId = found?.appId ?? null;
          exchange.audit.details = { action: 'debug_credential_revoked', credentialId: segment };
          sendJson(res, requestId, { credential: found === undefined ? null : presentCredential(found) });
        },
      },
    ],
    [
      '/keys/rotate',
      {
        template: '/keys/rotate',
        methods: ['POST'],
        auth: true,
        audited: true,
        run: async (exchange) => {
          const { req, res, requestId, query } = exchange;
          readQueryParameters(query, []);
          readBodyWithSchema(
            await readJsonBody(req, MAX_REVOKE_BODY_BYTES),
            emptyRequestSchema,
            'admin_key_rotate_invalid',
          );
          if (options.rotateKey === undefined) throw adminError('admin_key_rotation_unavailable');
          const key = await options.rotateKey();
          exchange.audit.details = { action: 'key_rotated', kid: key.kid };
          sendJson(res, requestId, { key: presentKey(key) });
        },
      },
    ],
    [
      '/openapi.json',
      {
        template: '/openapi.json',
        methods: GET,
        auth: false,
        audited: false,
        console: false,
        run: ({ res, requestId, query }) => {
          readQueryParameters(query, []);
          sendJson(res, requestId, openApi);
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
          sendJson(res, requestId, {
            keys: keys.list().map(presentKey),
            rotatable: options.rotateKey !== undefined,
          });
        },
      },
    ],
  ]);

  function match(path: string): { route: Route; segment: string } | undefined {
    const exact = routes.get(path);
    if (exact !== undefined && !exact.template.includes('{')) return { route: exact, segment: '' };
    const credential = /^\/debug-credentials\/([^/]*)\/revoke$/.exec(path);
    if (credential !== null)
      return { route: routes.get('/debug-credentials/{id}/revoke')!, segment: credential[1]! };
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
  function authenticate(exchange: Exchange, clientIp: string): ShieldError | undefined {
    const { req } = exchange;
    if (exchange.sessionId !== undefined) return authenticateSession(exchange);
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

  /**
   * A console request: the session cookie names a live session, and a state-changing request
   * also carries the session's CSRF token and comes from this listener's own origin.
   */
  function authenticateSession(exchange: Exchange): ShieldError | undefined {
    const used = exchange.sessionId === '' ? undefined : sessions.use(exchange.sessionId!);
    if (used === undefined) return adminError('admin_session_missing');
    const { session } = used;
    exchange.session = session;
    const { req, res } = exchange;
    // The re-issued cookie carries this use, so the idle limit counts from now on every worker.
    res.setHeader('set-cookie', `${SESSION_COOKIE}=${used.renewed}; ${cookieAttributes(req)}`);
    if (req.method === 'GET' || req.method === 'HEAD') return undefined;
    if (!sameOrigin(req)) return adminError('admin_origin_mismatch');
    const csrf = headerValues(req.rawHeaders, 'x-csrf-token');
    if (csrf.length !== 1 || !sessions.checkCsrf(session, csrf[0])) return adminError('admin_csrf_invalid');
    return undefined;
  }

  const cookieAttributes = (req: IncomingMessage) =>
    `Path=/console; HttpOnly; SameSite=Strict${(req.socket as { encrypted?: boolean }).encrypted === true ? '; Secure' : ''}`;

  /** `POST /console/api/login`: the admin token (JSON) for a session cookie; throttled like bearer tokens. */
  async function login(exchange: Exchange, clientIp: string): Promise<ShieldError | undefined> {
    const { req, res, requestId } = exchange;
    const wait = throttle.blockedFor(clientIp);
    if (wait > 0) return adminError('admin_auth_throttled', { retryAfter: wait });
    if (!sameOrigin(req)) return adminError('admin_origin_mismatch');
    const { token } = readBodyWithSchema(
      await readJsonBody(req, MAX_REVOKE_BODY_BYTES),
      loginRequestSchema,
      'admin_login_body_invalid',
    );
    const result = verifyAdminAuthorization([`Bearer ${token}`], expected);
    if (!result.ok) {
      throttle.recordFailure(clientIp);
      return adminError(
        result.reason === 'admin_token_mismatch' ? 'admin_token_mismatch' : 'admin_token_malformed',
      );
    }
    throttle.recordSuccess(clientIp);
    const { id, session } = sessions.create();
    res.setHeader('set-cookie', `${SESSION_COOKIE}=${id}; ${cookieAttributes(req)}`);
    sendJson(res, requestId, {
      csrfToken: session.csrfToken,
      idleExpiresAt: session.lastUsedAt + sessions.idleMs,
      expiresAt: session.expiresAt,
    });
    return undefined;
  }

  async function serve(route: Route, exchange: Exchange, clientIp: string): Promise<void> {
    const { req, res, requestId } = exchange;
    const started = clock.now();
    let failure: ShieldError | undefined;
    let authenticated = !route.auth;
    try {
      if (route.auth) {
        failure = authenticate(exchange, clientIp);
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

  const consoleRoutes = new Map<string, Route>([
    [
      '/login',
      {
        template: '/console/api/login',
        methods: ['POST'],
        auth: false,
        audited: true,
        run: async (exchange) => {
          const failure = await login(exchange, exchange.req.socket.remoteAddress ?? '');
          if (failure !== undefined) throw failure;
          exchange.audit.details = { action: 'console_login' };
        },
      },
    ],
    [
      '/logout',
      {
        template: '/console/api/logout',
        methods: ['POST'],
        auth: true,
        audited: true,
        run: ({ req, res, requestId, sessionId }) => {
          if (sessionId !== undefined) sessions.end(sessionId);
          res.setHeader('set-cookie', `${SESSION_COOKIE}=; Max-Age=0; ${cookieAttributes(req)}`);
          sendJson(res, requestId, { signedOut: true });
        },
      },
    ],
    [
      '/session',
      {
        template: '/console/api/session',
        methods: GET,
        auth: true,
        audited: false,
        run: ({ res, requestId, session }) => {
          if (session === undefined) throw adminError('admin_session_missing');
          sendJson(res, requestId, {
            csrfToken: session.csrfToken,
            idleExpiresAt: session.lastUsedAt + sessions.idleMs,
            expiresAt: session.expiresAt,
          });
        },
      },
    ],
  ]);

  function serveAsset(res: ServerResponse, requestId: string, path: ConsoleAssetPath, method: string): void {
    if (method !== 'GET' && method !== 'HEAD') {
      refuse(res, requestId, adminError('admin_method_not_allowed'), { allow: 'GET, HEAD' });
      return;
    }
    const asset = assets.get(path);
    if (asset === undefined) {
      refuse(res, requestId, adminError('admin_console_not_built'));
      return;
    }
    res.statusCode = 200;
    res.setHeader('content-type', asset.type);
    res.setHeader('cache-control', 'no-cache');
    res.setHeader('content-length', asset.body.length);
    res.setHeader('x-request-id', requestId);
    res.end(method === 'HEAD' ? undefined : asset.body);
  }

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const requestId = randomUUID();
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    const url = req.url ?? '';
    const mark = url.indexOf('?');
    let path = mark === -1 ? url : url.slice(0, mark);
    const query = mark === -1 ? '' : url.slice(mark + 1);
    if ((CONSOLE_ASSET_PATHS as string[]).includes(path)) {
      serveAsset(res, requestId, path as ConsoleAssetPath, req.method ?? '');
      return;
    }
    if (path === '/console/') {
      res.statusCode = 308;
      res.setHeader('location', '/console');
      res.setHeader('content-length', 0);
      res.end();
      return;
    }
    // The console reaches the API under /console/api with its cookie (never a bearer token);
    // the bearer API at the root never reads the cookie.
    let sessionId: string | undefined;
    let found: { route: Route; segment: string } | undefined;
    if (path.startsWith(`${CONSOLE_API}/`)) {
      path = path.slice(CONSOLE_API.length);
      sessionId = sessionCookie(req) ?? '';
      const own = consoleRoutes.get(path);
      found = own !== undefined ? { route: own, segment: '' } : match(path);
      if (found !== undefined && found.route.console === false) found = undefined;
    } else {
      found = match(path);
    }
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
      sessionId: route.template === '/console/api/login' ? undefined : sessionId,
    };
    void serve(route, exchange, req.socket.remoteAddress ?? '');
  };
  return Object.assign(handle, { collectMetrics: () => metrics.collect(), close: () => metrics.close() });
}
