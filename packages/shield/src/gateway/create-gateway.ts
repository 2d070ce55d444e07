import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { type AppTokenClaims, ERROR_CODES, type ErrorCode, HEADER_REQUEST_ID } from '@portcullis/protocol';
import { checkRouteToken } from '@portcullis/protocol/verification';
import { isShieldError, type ShieldError } from '../errors.js';
import { sendProblem } from '../server/problem.js';
import { type AuditDecision, type AuditRecord, StoreUnavailableError } from '../stores/ports.js';
import { type CanonicalTarget, canonicalizePath } from './canonicalize-path.js';
import { type CompiledRoute, compileRoute } from './compile-route.js';
import { createRouteTable } from './create-route-table.js';
import { createSecretMatchers } from './create-secret-matchers.js';
import { createUpstreamPools } from './create-upstream-pools.js';
import { expectContinue } from './expect-continue.js';
import { type ForwardHandle, type ForwardListener, forward } from './forward.js';
import { GATEWAY_REASONS, type GatewayReason } from './gateway-reasons.js';
import { isUpgradeAttempt } from './is-upgrade-attempt.js';
import { type RequestHeaderFacts, readRequestHeaders } from './read-request-headers.js';
import { IDENTITY_HEADERS } from './request-header-policy.js';
import {
  formHasMethodOverride,
  jsonHasMethodOverride,
  METHOD_OVERRIDE,
  scanRequestParameters,
  TOKEN_IN_COOKIE,
  TOKEN_IN_QUERY,
} from './scan-request-parameters.js';
import type { Gateway, GatewayCheck, GatewayCheckContext, GatewayOptions } from './types.js';

const DEFAULT_MAX_URL_BYTES = 8192;
const DEFAULT_MAX_HEADERS = 100;
const DEFAULT_MAX_TOKEN_BYTES = 4096;
/** Audit code of a request whose client left before it was answered (no response was sent). */
const CLIENT_CLOSED = 'client_closed';
const REASON_CODES = new Map<string, ErrorCode | null>(GATEWAY_REASONS.map((r) => [r.reason, r.code]));
const HEADER_SAFE = /^[\x21-\x7e]{1,512}$/;
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const HEADER_VALUE = /^[\t\x20-\x7e]*$/;
const OVER_LIMIT = Symbol('over limit');
const EMPTY_BODY = Buffer.alloc(0);

function headerSafe(value: unknown): value is string {
  return typeof value === 'string' && HEADER_SAFE.test(value);
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

function decisionFor(code: ErrorCode): AuditDecision {
  const status = ERROR_CODES[code].status;
  if (status === 429) return 'limit';
  return status >= 500 ? 'error' : 'deny';
}

/** `Forwarded: for=` node syntax (RFC 7239 §6): IPv6 is quoted and bracketed. */
const FOR_PAIR = /^\s*for\s*=\s*("[^"\\]*"|[A-Za-z0-9._:\-[\]]+)\s*$/i;

/**
 * The client's Forwarded elements reduced to their `for=` pairs, then ours appended. A client's
 * `host=` or `proto=` would otherwise reach backends that trust the first element (host header
 * poisoning), as X-Forwarded-Host/Proto would, which are stripped (E-21).
 */
function appendForwarded(client: string | null, element: string): string {
  if (client === null) return element;
  const kept: string[] = [];
  for (const part of client.split(',')) {
    for (const pair of part.split(';')) {
      const match = FOR_PAIR.exec(pair);
      if (match !== null) kept.push(`for=${match[1]}`);
    }
  }
  return kept.length === 0 ? element : `${kept.join(', ')}, ${element}`;
}

function forwardedNode(address: string): string {
  return address.includes(':') ? `"[${address}]"` : address;
}

function positiveLimit(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new TypeError(`limits.${name} must be a positive integer`);
  return value;
}

interface DenyOptions {
  allow?: string;
  /** Close the connection after answering (a body may still be on its way). */
  close?: boolean;
  retryAfter?: number | undefined;
  /** A client-safe explanation for the problem's `detail`. */
  detail?: string | undefined;
  details?: Record<string, string | number | boolean>;
}

type CheckContext = GatewayCheckContext & { body: Buffer | undefined };

/** The token requirement's verdict: the verified token, or why it would refuse the request. */
type TokenVerdict =
  | { ok: true; claims: AppTokenClaims; token: string }
  | { ok: false; reason: GatewayReason; error?: undefined }
  | { ok: false; reason?: undefined; error: unknown };

/** State of one request; also the forward listener, so the hot path allocates no closures for it. */
class Exchange implements ForwardListener {
  path: string | null = null;
  /** Set on a `tokenMode: monitor` route when the token requirement would have refused. */
  monitored: Record<string, string> | null = null;
  routeId: string | null = null;
  claims: AppTokenClaims | null = null;
  userIdHash: string | null = null;
  deviceIdHash: string | null = null;
  recorded = false;
  closed = false;
  readingBody = false;
  upstream: ForwardHandle | null = null;
  responseHeaders: string[] | null = null;

  constructor(
    readonly core: GatewayCore,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    readonly requestId: string,
    readonly clientIp: string,
    readonly started: number,
  ) {}

  onForwardEnd(status: number | null, failure: GatewayReason | null, responseStarted: boolean): void {
    this.core.forwardEnded(this, status, failure, responseStarted);
  }
}

interface GatewayCore {
  forwardEnded(
    ex: Exchange,
    status: number | null,
    failure: GatewayReason | null,
    responseStarted: boolean,
  ): void;
}

/**
 * Builds the gateway from its routes and policy hooks. Routes are compiled once (bad routes,
 * ambiguous routes and unresolvable secrets throw a TypeError here, never per request). The
 * pipeline, in order: target size (414) and header count (431) → canonical path (400) → route
 * (404/405) → duplicate protocol headers and tokens outside the header (400) → app token (401),
 * level (403), app (403) → header-phase checks → Content-Encoding (415), Content-Length (413),
 * body buffered up to the limit (413) → body-phase checks → forward. Every request ends with exactly
 * one audit record.
 *
 * @example
 * const identifiers = createIdentifierHasher(await loadIdentifierKey(keyDir, { create: true, now: Date.now() }));
 * const gateway = createGateway({ routes, verifyToken, resolveSecret, audit, identifiers, clock: systemClock });
 * const server = createHttpServer((req, res) => gateway.handle(req, res, randomUUID(), req.socket.remoteAddress ?? ''));
 */
/** An app version as the console shows it: 1-32 of letters, digits and . _ + - */
const APP_VERSION = /^[0-9A-Za-z][0-9A-Za-z._+-]{0,31}$/;

export function createGateway(options: GatewayOptions): Gateway {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const { verifyToken, resolveSecret, audit, identifiers, clock, logger } = options;
  if (typeof verifyToken !== 'function') throw new TypeError('verifyToken must be a function');
  if (typeof resolveSecret !== 'function') throw new TypeError('resolveSecret must be a function');
  if (typeof audit !== 'function') throw new TypeError('audit must be a function');
  if (typeof identifiers?.audit !== 'function')
    throw new TypeError('identifiers must be an IdentifierHasher');
  if (typeof clock?.now !== 'function') throw new TypeError('clock must be a Clock');
  if (!Array.isArray(options.routes)) throw new TypeError('routes must be an array');
  if (process.env['NODE_TLS_REJECT_UNAUTHORIZED'] === '0') {
    throw new TypeError('NODE_TLS_REJECT_UNAUTHORIZED=0 turns off upstream certificate checks: unset it');
  }
  const maxUrlBytes = positiveLimit(options.limits?.maxUrlBytes, 'maxUrlBytes', DEFAULT_MAX_URL_BYTES);
  const maxHeaderFields = 2 * positiveLimit(options.limits?.maxHeaders, 'maxHeaders', DEFAULT_MAX_HEADERS);
  const maxTokenBytes = positiveLimit(
    options.limits?.maxTokenBytes,
    'maxTokenBytes',
    DEFAULT_MAX_TOKEN_BYTES,
  );
  const checks: readonly GatewayCheck[] = options.checks ?? [];
  for (const [i, check] of checks.entries()) {
    if (typeof check?.name !== 'string' || typeof check.run !== 'function') {
      throw new TypeError(`checks[${i}] must have a name and a run function`);
    }
    if (check.phase !== undefined && check.phase !== 'headers' && check.phase !== 'body') {
      throw new TypeError(`checks[${i}].phase must be 'headers' or 'body'`);
    }
  }
  const headerChecks = checks.filter((c) => c.phase !== 'body');
  const bodyChecks = checks.filter((c) => c.phase === 'body');

  const appAudiences =
    options.appAudiences === undefined
      ? null
      : new Map(Object.entries(options.appAudiences).map(([appId, list]) => [appId, [...list]]));
  const stats = { tokenMonitorWouldRefuse: 0 };

  const table = createRouteTable(options.routes);
  const routes: CompiledRoute[] = options.routes.map(compileRoute);
  const secretMatchers = createSecretMatchers();
  for (const route of routes) {
    const secrets: string[] = [];
    for (const injection of route.injections) {
      try {
        injection.template.render(resolveSecret, secrets);
      } catch {
        throw new TypeError(
          `route "${route.id}" inject.headers.${injection.name}: a secret it names cannot be resolved`,
        );
      }
    }
    // Compiled now, so the first request does not pay for it (a rotated secret compiles once, later).
    if (secrets.length > 0) secretMatchers(secrets);
  }
  const pools = createUpstreamPools(options.upstreamPool);
  for (const route of routes) pools.get(route.origin, route.connectMs);

  // ---- audit and answers -------------------------------------------------------------------------

  function record(
    ex: Exchange,
    decision: AuditDecision,
    code: string,
    reason: string | null,
    upstreamStatus: number | null,
    details: Record<string, string | number | boolean> | null = null,
  ): void {
    ex.recorded = true;
    const claims = ex.claims;
    if (ex.monitored !== null) {
      reason ??= 'token_monitor_forwarded';
      details = { ...ex.monitored, ...details };
    }
    // The console groups requests by platform and app version: the token's platform, and the
    // version the app reports in X-App-Version (display only; never a policy input).
    if (claims !== null) {
      const version = ex.req.headers['x-app-version'];
      details = {
        platform: claims.plt,
        ...(typeof version === 'string' && APP_VERSION.test(version) ? { appVersion: version } : {}),
        ...details,
      };
    }
    const entry: Omit<AuditRecord, 'instance'> = {
      ts: ex.started,
      requestId: ex.requestId,
      event: 'gateway',
      decision,
      code,
      reason,
      appId: claims === null ? null : claims.sub,
      routeId: ex.routeId,
      method: ex.req.method ?? null,
      path: ex.path,
      clientIp: ex.clientIp,
      deviceIdHash: ex.deviceIdHash,
      userIdHash: ex.userIdHash,
      tokenJti: claims === null ? null : claims.jti,
      level: claims === null ? null : claims.lvl,
      upstreamStatus,
      latencyMs: clock.now() - ex.started,
      details,
    };
    try {
      audit(entry);
    } catch (error) {
      logger?.error({ requestId: ex.requestId, error: errorName(error) }, 'gateway audit sink threw');
    }
  }

  function answer(ex: Exchange, code: ErrorCode, reason: string, opts: DenyOptions = {}): void {
    if (ex.closed || ex.recorded) return;
    let headers: Record<string, string> | undefined;
    if (opts.allow !== undefined || opts.close === true || ex.responseHeaders !== null) {
      headers = {};
      const extra = ex.responseHeaders;
      if (extra !== null) for (let i = 0; i + 1 < extra.length; i += 2) headers[extra[i]!] = extra[i + 1]!;
      if (opts.allow !== undefined) headers['allow'] = opts.allow;
      if (opts.close === true) headers['connection'] = 'close';
    }
    const problemOptions: { retryAfter?: number; headers?: Record<string, string>; detail?: string } = {};
    if (opts.retryAfter !== undefined) problemOptions.retryAfter = opts.retryAfter;
    if (opts.detail !== undefined) problemOptions.detail = opts.detail;
    if (headers !== undefined) problemOptions.headers = headers;
    sendProblem(ex.res, code, ex.requestId, problemOptions);
    record(ex, decisionFor(code), code, reason, null, opts.details ?? null);
  }

  function deny(ex: Exchange, reason: GatewayReason, opts?: DenyOptions): void {
    answer(ex, REASON_CODES.get(reason) ?? 'internal_error', reason, opts);
  }

  /** A verifier or check threw: its ShieldError decides; anything else fails closed. */
  function refuse(ex: Exchange, error: unknown, fallback: GatewayReason, checkName: string | null): void {
    if (isShieldError(error)) {
      answer(ex, error.code, error.reason, { retryAfter: error.retryAfter, detail: error.detail });
      return;
    }
    if (error instanceof StoreUnavailableError) {
      deny(ex, 'store_unavailable', checkName === null ? {} : { details: { check: checkName } });
      return;
    }
    logger?.error(
      { requestId: ex.requestId, routeId: ex.routeId, check: checkName, error: errorName(error) },
      'gateway step failed unexpectedly',
    );
    deny(ex, fallback, checkName === null ? {} : { details: { check: checkName } });
  }

  function clientClosed(ex: Exchange): void {
    if (ex.recorded) return;
    ex.closed = true;
    const upstream = ex.upstream;
    if (upstream !== null) {
      const status = upstream.status;
      upstream.abort();
      record(ex, 'allow', CLIENT_CLOSED, 'client_aborted', status);
    } else {
      record(ex, 'error', CLIENT_CLOSED, ex.readingBody ? 'body_incomplete' : 'client_aborted', null);
    }
  }

  const core: GatewayCore = {
    forwardEnded(ex, status, failure, responseStarted) {
      if (ex.recorded) return;
      if (failure === null) {
        const dropped = ex.upstream?.secretHeadersDropped ?? 0;
        record(ex, 'allow', 'ok', null, status, dropped === 0 ? null : { secretHeadersDropped: dropped });
      } else if (!responseStarted) {
        deny(ex, failure);
      } else {
        record(ex, 'error', REASON_CODES.get(failure) ?? 'upstream_unavailable', failure, status);
      }
    },
  };

  // ---- pipeline steps ----------------------------------------------------------------------------

  function readBody(ex: Exchange, limit: number): Promise<Buffer | typeof OVER_LIMIT | null> {
    const { req, res } = ex;
    expectContinue.release(req, res);
    ex.readingBody = true;
    return new Promise((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const cleanup = () => {
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('error', onGone);
        req.off('close', onGone);
      };
      const onData = (chunk: Buffer) => {
        size += chunk.length;
        if (size > limit) {
          cleanup();
          ex.readingBody = false;
          resolve(OVER_LIMIT);
          return;
        }
        chunks.push(chunk);
      };
      const onEnd = () => {
        cleanup();
        ex.readingBody = false;
        resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
      };
      const onGone = () => {
        cleanup();
        resolve(null);
      };
      req.on('data', onData);
      req.on('end', onEnd);
      req.on('error', onGone);
      req.on('close', onGone);
    });
  }

  async function runChecks(
    ex: Exchange,
    list: readonly GatewayCheck[],
    context: CheckContext,
  ): Promise<boolean> {
    for (const check of list) {
      try {
        await check.run(context);
      } catch (error) {
        refuse(ex, error, 'check_failed', check.name);
        return false;
      }
      if (ex.closed) return false;
    }
    return true;
  }

  function checkContext(
    ex: Exchange,
    route: CompiledRoute,
    claims: AppTokenClaims | null,
    token: string | null,
    canonical: CanonicalTarget,
  ): CheckContext {
    return {
      requestId: ex.requestId,
      route: route.spec,
      claims,
      token,
      method: ex.req.method ?? '',
      path: canonical.path,
      query: canonical.query,
      target: ex.req.url ?? '',
      headers: ex.req.headers,
      clientIp: ex.clientIp,
      body: undefined,
      now: ex.started,
      setResponseHeader(name, value) {
        if (!HEADER_NAME.test(name) || !HEADER_VALUE.test(value))
          throw new TypeError('invalid response header');
        ex.responseHeaders ??= [];
        ex.responseHeaders.push(name.toLowerCase(), value);
      },
    };
  }

  function sendUpstream(
    ex: Exchange,
    route: CompiledRoute,
    canonical: CanonicalTarget,
    facts: RequestHeaderFacts,
    claims: AppTokenClaims | null,
    body: Buffer | null,
  ): void {
    const headers = facts.forward;
    const send = route.identityHeaders;
    if (claims !== null) {
      const kid = claims.cnf?.kid;
      if (
        !headerSafe(claims.sub) ||
        !headerSafe(claims.lvl) ||
        !headerSafe(claims.plt) ||
        !headerSafe(claims.jti) ||
        (kid !== undefined && !headerSafe(kid))
      ) {
        deny(ex, 'claims_not_header_safe');
        return;
      }
      if (send.has('app')) headers.push(IDENTITY_HEADERS.app, claims.sub);
      if (send.has('level')) headers.push(IDENTITY_HEADERS.level, claims.lvl);
      if (send.has('platform')) headers.push(IDENTITY_HEADERS.platform, claims.plt);
      if (send.has('token-id')) headers.push(IDENTITY_HEADERS.tokenId, claims.jti);
      if (kid !== undefined && send.has('device')) headers.push(IDENTITY_HEADERS.device, kid);
    }
    let secrets: string[] | null = null;
    if (route.injections.length > 0) {
      secrets = [];
      try {
        for (const injection of route.injections)
          headers.push(injection.name, injection.template.render(resolveSecret, secrets));
      } catch {
        logger?.error(
          { requestId: ex.requestId, routeId: route.id },
          'gateway could not resolve an injected secret',
        );
        deny(ex, 'secret_unavailable');
        return;
      }
    }
    if (route.scansResponses) headers.push('accept-encoding', 'identity');
    if (send.has('client-address')) {
      const socket = ex.req.socket;
      const peer = socket.remoteAddress ?? 'unknown';
      const proto = (socket as TLSSocket).encrypted === true ? 'https' : 'http';
      const element = `for=${forwardedNode(peer)};proto=${proto}`;
      headers.push(
        'x-forwarded-for',
        facts.forwardedFor === null ? peer : `${facts.forwardedFor}, ${peer}`,
        'forwarded',
        appendForwarded(facts.forwarded, element),
        'x-forwarded-proto',
        proto,
      );
    }
    headers.push(HEADER_REQUEST_ID, ex.requestId);
    const path = route.forwardPath(canonical.path);
    ex.upstream = forward(
      pools.get(route.origin, route.connectMs),
      {
        method: ex.req.method ?? 'GET',
        path: canonical.query === null ? path : `${path}?${canonical.query}`,
        headers,
        body,
        headersTimeoutMs: route.headersMs,
        bodyTimeoutMs: route.bodyMs,
        secrets: secrets === null || secrets.length === 0 ? null : secretMatchers(secrets),
        requestId: ex.requestId,
        responseHeaders: ex.responseHeaders,
        dropResponseNames: route.dropResponseNames,
      },
      ex.res,
      ex,
    );
  }

  /**
   * The token requirement of a route: present, not oversized, verified, then level, app and
   * audience. Sets the audit fields of the exchange as it learns them.
   */
  async function judgeToken(
    ex: Exchange,
    route: CompiledRoute,
    token: string | null,
    carriers: number,
  ): Promise<TokenVerdict> {
    if (token === null) {
      return {
        ok: false,
        reason:
          (carriers & (TOKEN_IN_QUERY | TOKEN_IN_COOKIE)) !== 0 ? 'token_not_in_header' : 'token_missing',
      };
    }
    if (token.length > maxTokenBytes) return { ok: false, reason: 'token_too_long' };
    let claims: AppTokenClaims;
    try {
      claims = await verifyToken(token);
    } catch (error) {
      return { ok: false, error };
    }
    ex.claims = claims;
    const kid = claims.cnf?.kid;
    if (typeof kid === 'string') ex.deviceIdHash = identifiers.audit(kid);
    // Level, app and audience (a debug credential's scope included): the rule @portcullis/verify
    // applies too, decided in one place.
    const refusal = checkRouteToken(claims, route, appAudiences);
    if (refusal !== null) return { ok: false, reason: refusal };
    return { ok: true, claims, token };
  }

  /** The whole pipeline, in order. Each step either answers (and returns) or falls through. */
  async function serve(ex: Exchange): Promise<void> {
    const { req } = ex;
    const target = req.url ?? '';
    const method = req.method ?? '';

    // 1. Request target size and header count.
    if (target.length > maxUrlBytes) return deny(ex, 'target_too_long');
    if (req.rawHeaders.length > maxHeaderFields) return deny(ex, 'too_many_headers');
    if (method === 'CONNECT') return deny(ex, 'connect_method');
    if (target === '*' && method === 'OPTIONS') {
      ex.res.writeHead(204, [HEADER_REQUEST_ID, ex.requestId]);
      ex.res.end();
      return record(ex, 'allow', 'ok', null, null);
    }

    // 2. One canonical path, or a refusal.
    const canonical = canonicalizePath(target);
    if (!canonical.ok) {
      const rawPath = target.startsWith('/')
        ? target.slice(0, Math.min(256, (target + '?').indexOf('?')))
        : '';
      return deny(ex, canonical.reason, rawPath === '' ? {} : { details: { rawPath } });
    }
    ex.path = canonical.path;

    // 3. Route: default deny.
    const match = table.match(method, canonical.path);
    if (match.kind === 'not_found') return deny(ex, 'no_route');
    if (match.kind === 'method_not_allowed') return deny(ex, 'method_not_listed', { allow: match.allow });
    const route = routes[match.index]!;
    ex.routeId = route.id;

    // 4. No protocol switch (createHttpServer refuses these first; this covers other servers):
    // no route can opt in to WebSocket or h2c yet, and a plain forward would carry the handshake.
    if (isUpgradeAttempt(req.rawHeaders)) return deny(ex, 'upgrade_refused', { close: true });

    // Protocol headers and credentials: one of each, only where they belong.
    const facts = readRequestHeaders(req.rawHeaders, route.removeNames);
    if (facts.authorization !== null) ex.userIdHash = identifiers.audit(facts.authorization);
    if (facts.tokenCount > 1) return deny(ex, 'duplicate_token');
    if (facts.proofCount > 1) return deny(ex, 'duplicate_proof');
    if (facts.authorizationCount > 1) return deny(ex, 'duplicate_authorization');
    if (facts.hostCount > 1) return deny(ex, 'duplicate_host');
    if (facts.contentTypeCount > 1) return deny(ex, 'duplicate_content_type');
    const carriers = scanRequestParameters(canonical.query, facts.cookie, facts.token);
    if ((carriers & METHOD_OVERRIDE) !== 0) return deny(ex, 'method_override');
    if (facts.token !== null && (carriers & TOKEN_IN_QUERY) !== 0)
      return deny(ex, 'token_in_query_and_header');
    if (facts.token !== null && (carriers & TOKEN_IN_COOKIE) !== 0)
      return deny(ex, 'token_in_cookie_and_header');
    // A public route reads no token, and a monitor route forwards a request whose token it would
    // refuse: nothing else would stop a token in the query from reaching the upstream.
    if ((!route.requireToken || route.monitorToken) && (carriers & TOKEN_IN_QUERY) !== 0)
      return deny(ex, 'token_in_query_unverified');

    // 5. App token, level, app, audience. In monitor mode a refusal is recorded instead, and the
    //    request goes on as one without a token (no claims for the checks, no identity headers).
    let claims: AppTokenClaims | null = null;
    let token: string | null = null;
    if (route.requireToken) {
      const verdict = await judgeToken(ex, route, facts.token, carriers);
      if (ex.closed) return;
      if (verdict.ok) {
        claims = verdict.claims;
        token = verdict.token;
      } else {
        const { reason, error } = verdict;
        // Only a refusal is monitored; a verifier that fails unexpectedly still fails closed.
        if (!route.monitorToken || (reason === undefined && !isShieldError(error))) {
          return reason === undefined ? refuse(ex, error, 'verifier_failed', null) : deny(ex, reason);
        }
        stats.tokenMonitorWouldRefuse++;
        ex.monitored =
          reason === undefined
            ? { wouldRefuse: (error as ShieldError).code, wouldRefuseReason: (error as ShieldError).reason }
            : { wouldRefuse: REASON_CODES.get(reason) ?? 'internal_error', wouldRefuseReason: reason };
      }
    }

    // 6. Header-phase checks (rate limits, ...).
    const context = checks.length === 0 ? null : checkContext(ex, route, claims, token, canonical);
    if (context !== null && headerChecks.length > 0 && !(await runChecks(ex, headerChecks, context))) return;

    // 7. Body: encoding, declared size, then buffered up to the limit before any upstream socket.
    if (facts.contentEncoding) return deny(ex, 'content_encoding');
    const declared = facts.contentLength;
    if (declared !== null && declared > route.maxBodyBytes)
      return deny(ex, 'content_length_over_limit', { close: true });
    let body: Buffer | null = null;
    if (facts.chunked || (declared !== null && declared > 0)) {
      const read = await readBody(ex, route.maxBodyBytes);
      if (read === null) return;
      if (read === OVER_LIMIT) return deny(ex, 'body_over_limit', { close: true });
      if (ex.closed) return;
      body = read;
      if (formHasMethodOverride(facts.contentType, read) || jsonHasMethodOverride(facts.contentType, read))
        return deny(ex, 'method_override');
    }

    // 8. Body-phase checks (proofs over the body hash, ...).
    if (context !== null && bodyChecks.length > 0) {
      context.body = body ?? EMPTY_BODY;
      if (!(await runChecks(ex, bodyChecks, context))) return;
    }

    // 9. Scrub, inject, forward.
    sendUpstream(ex, route, canonical, facts, claims, body);
  }

  return {
    handle(req, res, requestId, clientIp) {
      const ex = new Exchange(core, req, res, requestId, clientIp, clock.now());
      res.once('close', () => clientClosed(ex));
      serve(ex).catch((error: unknown) => {
        logger?.error({ requestId, error: errorName(error) }, 'gateway pipeline failed');
        if (ex.upstream === null && !ex.res.headersSent) {
          deny(ex, 'internal_failure');
        } else if (!ex.recorded) {
          ex.res.destroy();
          record(ex, 'error', 'internal_error', 'internal_failure', null);
        }
      });
    },
    stats() {
      return { ...stats };
    },
    close() {
      return pools.close();
    },
  };
}
