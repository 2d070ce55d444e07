import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AppTokenClaims, AssuranceLevel } from '@portcullis/protocol';
import type { Clock } from '../clock.js';
import type { IdentifierHasher } from '../identifier-hasher.js';
import type { AuditRecord } from '../stores/ports.js';

/**
 * A header value template, compiled once when the gateway is created: literal text with
 * `${secret:NAME}` references resolved through `GatewayOptions.resolveSecret`, for example
 * `'Bearer ${secret:stripe}'`. Any other `${...}` form is refused at compile time.
 */
export type InjectTemplate = string;

/** Upstream timeouts of one route, in milliseconds (each > 0). */
export interface RouteTimeouts {
  /** TCP connect plus TLS handshake. */
  connectMs: number;
  /** From the request being written until the upstream's response headers are complete. */
  headersMs: number;
  /** Longest silence between two chunks of the upstream's response body. */
  bodyMs: number;
}

/**
 * An identity fact the gateway can pass to an upstream: one `X-Portcullis-*` header from the
 * verified token (`app`, `device`, `level`, `platform`, `token-id`), or the client's address
 * (`client-address`: `X-Forwarded-For`, `Forwarded`, `X-Forwarded-Proto`).
 */
export type IdentityHeaderKind = 'app' | 'device' | 'level' | 'platform' | 'token-id' | 'client-address';

/**
 * One route of the gateway. Everything is explicit: nothing is inferred from the request's
 * Host, forwarding headers or any other client input.
 *
 * @example
 * ```ts
 * const route: RouteSpec = {
 *   id: 'stripe',
 *   methods: ['POST'],
 *   path: '/stripe/**',
 *   upstream: new URL('https://api.stripe.com/v1'),
 *   stripPrefix: '/stripe',
 *   public: false,
 *   require: { token: true, level: 'device', apps: ['shop'] },
 *   inject: { headers: { authorization: 'Bearer ${secret:stripe}' } },
 *   maxBodyBytes: 64 * 1024,
 *   timeouts: { connectMs: 2_000, headersMs: 10_000, bodyMs: 10_000 },
 * };
 * ```
 */
export interface RouteSpec {
  /** Stable id: audit records and compile errors name it. */
  id: string;
  /** Upper-case method tokens. TRACE, TRACK and CONNECT are refused; HEAD and OPTIONS only when listed. */
  methods: string[];
  /**
   * Canonical path pattern, matched case-sensitively: `/a/b` exact; a segment that is just `*`
   * matches exactly one segment (also in the middle: `/users/` + `*` + `/profile`); a last segment
   * `**` matches one or more segments (`/a/**` matches `/a/x` and `/a/x/y`, not `/a`).
   */
  path: string;
  /** `http:` or `https:` origin plus an optional base path that forwarded paths are appended to. */
  upstream: URL;
  /** A leading part of `path` (whole segments) removed before the base path is prepended. */
  stripPrefix?: string;
  /** True for routes that need no app token. Must be the opposite of `require.token`. */
  public: boolean;
  require: {
    token: boolean;
    /** Minimum assurance level (`meetsLevel`). */
    level?: AssuranceLevel;
    /** Allowed app ids (the token's `sub`). Absent: every app. */
    apps?: string[];
    /**
     * Accepted audiences: the token's `aud` must hold one of them (else 403 `audience_forbidden`).
     * Absent: any audience, except a debug-level token narrowed by its credential's scope (see
     * `GatewayOptions.appAudiences`).
     */
    audiences?: string[];
  };
  /**
   * `enforce` (default): the token requirement refuses. `monitor`: a request it would refuse is
   * forwarded without identity headers, its audit record says what would have been refused, and
   * `Gateway.stats().tokenMonitorWouldRefuse` counts it. Protocol errors (a duplicate token
   * header, a token in the query next to the header) are refused in both modes.
   */
  tokenMode?: 'enforce' | 'monitor';
  /**
   * Identity facts passed to the upstream (`X-Portcullis-*` headers from the verified token on
   * token routes; the client's address on any route). Absent: all of them on a route that
   * injects no secret, none on a route that injects one (a third party). `X-Request-Id` is
   * always sent.
   */
  identityHeaders?: readonly IdentityHeaderKind[];
  /** Headers set on the upstream request; client copies of these names are removed first. */
  inject: { headers: Record<string, InjectTemplate> };
  /**
   * Extra client header names removed before forwarding (any casing), e.g. the user's
   * `authorization` or `cookie` on a route to a third-party provider.
   */
  removeHeaders?: string[];
  /**
   * Upstream response header names never passed to the client (any casing), e.g. `set-cookie` on a
   * route to a third-party provider, whose cookies must not land on the shield's origin.
   */
  removeResponseHeaders?: string[];
  /** Largest request body accepted, in bytes (0 refuses every body). */
  maxBodyBytes: number;
  timeouts: RouteTimeouts;
}

/**
 * What a check sees. Everything here has already passed the gateway's own steps: the path is
 * canonical, the route matched, the token (when the route needs one) is verified.
 */
export interface GatewayCheckContext {
  readonly requestId: string;
  readonly route: RouteSpec;
  /** Verified claims; null on public routes. */
  readonly claims: AppTokenClaims | null;
  /** The app token exactly as sent (for proof binding); null on public routes. */
  readonly token: string | null;
  readonly method: string;
  /** The canonical path the route matched. */
  readonly path: string;
  /** The query string without `?`, verbatim; null when the target has no `?`. */
  readonly query: string | null;
  /** The request target exactly as sent (path and query), as protocol §4 signs it. */
  readonly target: string;
  /** Node's parsed request headers (lower-case names). */
  readonly headers: IncomingHttpHeaders;
  readonly clientIp: string;
  /** The buffered request body, for checks with `phase: 'body'`; undefined for `'headers'` checks. */
  readonly body: Buffer | undefined;
  /** `clock.now()` when the request arrived, epoch milliseconds. */
  readonly now: number;
  /** Adds a header to the response the client gets, whether it is a refusal or the upstream's answer. */
  setResponseHeader(name: string, value: string): void;
}

/**
 * An extra policy step (per-request proofs, rate limits, budgets). Checks run in order after the
 * token, level and app checks; a check refuses the request by throwing a `ShieldError` (a
 * `StoreUnavailableError` becomes 503 `store_unavailable`; anything else 500 `internal_error`).
 */
export interface GatewayCheck {
  /** Names the check in logs and in the audit record when it fails unexpectedly. */
  readonly name: string;
  /**
   * `'headers'` (default): runs before the body is read. `'body'`: runs once the body is
   * buffered (after the size and encoding checks), with `context.body` set.
   */
  readonly phase?: 'headers' | 'body';
  run(context: GatewayCheckContext): void | Promise<void>;
}

/** The subset of pino's Logger the gateway uses (only off the hot path: unexpected failures). */
export interface GatewayLogger {
  error(details: Record<string, unknown>, message: string): void;
}

/** Options of the undici Pool kept per upstream origin. */
export interface UpstreamPoolOptions {
  /** Most sockets per upstream origin. Default 128. */
  connections?: number;
  /** How long an idle keep-alive socket is kept, ms. Default 4000. */
  keepAliveTimeoutMs?: number;
  /** Upper bound on a keep-alive hint from the upstream, ms. Default 600000. */
  keepAliveMaxTimeoutMs?: number;
  /** PEM CA bundle that replaces the system roots for `https:` upstreams (explicit pinning). */
  ca?: string | Buffer;
}

/** Request limits applied before anything else. */
export interface GatewayLimits {
  /** Longest request target (path and query), bytes. Default 8192; longer gets 414. */
  maxUrlBytes?: number;
  /** Most request header fields. Default 100; more gets 431. */
  maxHeaders?: number;
  /** Longest `Portcullis-Token` value, bytes, refused before any decoding. Default 4096. */
  maxTokenBytes?: number;
}

/** Everything `createGateway` needs. Bad options throw a TypeError naming the option. */
export interface GatewayOptions {
  routes: readonly RouteSpec[];
  /** Verifies an app token; throws a `ShieldError` (token_invalid, token_expired, ...) to refuse it. */
  verifyToken(token: string): Promise<AppTokenClaims>;
  /** Returns the current value of a named secret (called per request); throws or returns '' when unknown. */
  resolveSecret(name: string): string;
  /**
   * Every audience of each app, by app id. On a route that names no audiences, a debug-level token
   * whose `aud` lacks one of its app's audiences (a debug credential's scope narrowed it) is
   * refused with 403 `audience_forbidden`: the scope holds on every route. Absent: not checked.
   */
  appAudiences?: Readonly<Record<string, readonly string[]>>;
  /** Extra steps after the token, level and app checks, in order. */
  checks?: readonly GatewayCheck[];
  /** Receives exactly one record per request. Must not throw (a throw is logged and ignored). */
  audit(record: Omit<AuditRecord, 'instance'>): void;
  /**
   * Hashes the device key id and the Authorization value into the audit record
   * (`createIdentifierHasher` over the deployment's identifier key).
   */
  identifiers: IdentifierHasher;
  clock: Clock;
  limits?: GatewayLimits;
  logger?: GatewayLogger;
  upstreamPool?: UpstreamPoolOptions;
}

/** The gateway: mount `handle` on a node:http server (see `createHttpServer`). */
export interface Gateway {
  /**
   * Serves one request. `requestId` is echoed in `X-Request-Id` (response and upstream) and in the
   * audit record; `clientIp` is the resolved client address (socket peer or trusted-proxy hop).
   * Never throws and never rejects: every failure becomes a response and an audit record.
   */
  handle(req: IncomingMessage, res: ServerResponse, requestId: string, clientIp: string): void;
  /** Counters since the gateway was created. */
  stats(): GatewayStats;
  /** Closes the upstream pools after their in-flight requests finish. */
  close(): Promise<void>;
}

/** What the gateway counts itself (the checks keep their own counters). */
export interface GatewayStats {
  /** Requests a `tokenMode: monitor` route forwarded although its token requirement would refuse them. */
  tokenMonitorWouldRefuse: number;
}
