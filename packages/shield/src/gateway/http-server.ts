import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { SecureContextOptions } from 'node:tls';
import { ERROR_CODES, type ErrorCode, type Problem, problemType } from '@portcullis/protocol';
import { sendProblem } from '../server/problem.js';
import { expectContinue } from './expect-continue.js';
import type { GatewayReason } from './gateway-reasons.js';
import { isUpgradeAttempt } from './is-upgrade-attempt.js';

/** Hardened node:http settings. Every value is in milliseconds or bytes and must be > 0. */
export interface HttpServerOptions {
  /** Time allowed for the complete request headers (slowloris). Default 15000. */
  headersTimeoutMs?: number;
  /** Time allowed for the complete request, body included (slow bodies). Default 30000; ≥ headersTimeoutMs. */
  requestTimeoutMs?: number;
  /** Idle time of a keep-alive connection between requests. Default 5000. */
  keepAliveTimeoutMs?: number;
  /** Largest request head (request line and headers), bytes; more gets 431. Default 16384. */
  maxHeaderSize?: number;
  /** Socket inactivity (no bytes either way, e.g. a client that stops reading) before it is destroyed. Default 120000. */
  idleTimeoutMs?: number;
  /** How often headers and request timeouts are checked. Default 1000. */
  timeoutCheckIntervalMs?: number;
  /** Told about every request that was refused before it reached the handler (for audit and metrics). */
  onClientError?: (event: ClientErrorEvent) => void;
  /** Serve HTTPS (node:https) with this certificate, key and minimum version; the same hardening applies. */
  tls?: SecureContextOptions;
}

/**
 * A request refused by the server itself (malformed HTTP, too large, too slow, CONNECT, no HTTP
 * version, no Host, a protocol upgrade).
 */
export interface ClientErrorEvent {
  requestId: string;
  code: ErrorCode;
  /**
   * Node's error code (`HPE_INVALID_HEADER_TOKEN`, `ERR_HTTP_REQUEST_TIMEOUT`, ...), or one of the
   * gateway sub-codes `connect_method`, `http_version_unsupported`, `host_missing`, `upgrade_refused`.
   */
  reason: string;
  remoteAddress: string | null;
}

const DEFAULTS = {
  headersTimeoutMs: 15_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderSize: 16_384,
  idleTimeoutMs: 120_000,
  timeoutCheckIntervalMs: 1_000,
} as const;

function setting(options: HttpServerOptions, name: keyof typeof DEFAULTS): number {
  const value = options[name] ?? DEFAULTS[name];
  if (!Number.isSafeInteger(value) || value <= 0) throw new TypeError(`${name} must be a positive integer`);
  return value;
}

/** Refuses to run when Node's lenient HTTP parser could be turned on (request smuggling). */
function assertStrictParser(): void {
  const flag = '--insecure-http-parser';
  if (process.execArgv.includes(flag) || (process.env['NODE_OPTIONS'] ?? '').split(/\s+/).includes(flag)) {
    throw new Error(`refusing to start: ${flag} is set (in the node arguments or NODE_OPTIONS); remove it`);
  }
}

const REASON_PHRASES: Record<number, string> = {
  400: 'Bad Request',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  413: 'Content Too Large',
  414: 'URI Too Long',
  431: 'Request Header Fields Too Large',
};

/** A complete problem+json response that closes the connection, as raw bytes. */
function rawProblem(code: ErrorCode, requestId: string): string {
  const { status, title } = ERROR_CODES[code];
  const problem: Problem = { type: problemType(code), title, status, code, requestId };
  const body = JSON.stringify(problem);
  return (
    `HTTP/1.1 ${status} ${REASON_PHRASES[status] ?? 'Error'}\r\n` +
    'content-type: application/problem+json\r\n' +
    'cache-control: no-store\r\n' +
    `x-request-id: ${requestId}\r\n` +
    'connection: close\r\n' +
    `content-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  );
}

/** Why a parsed request is refused before the handler sees it, with the detail the client reads. */
const REFUSALS = {
  http_version_unsupported: {
    code: 'bad_request',
    detail: 'only HTTP/1.1 and HTTP/1.0 are served: the request line must end with HTTP/1.1',
  },
  host_missing: { code: 'bad_request', detail: 'the request has no Host header' },
  upgrade_refused: {
    code: 'upgrade_not_allowed',
    detail: 'protocol upgrades (WebSocket, h2c) are not tunnelled',
  },
} as const satisfies Partial<Record<GatewayReason, { code: ErrorCode; detail: string }>>;

/**
 * A request Node parsed but the shield refuses on every listener: a request line without a
 * version (`GET /path`, read by Node as HTTP/0.9) or with one other than 1.0 and 1.1 (Node also
 * accepts 0.9 and 2.0 spelled out), no Host at all (Node requires it only of HTTP/1.1, and answers
 * that with a bare 400), or an attempt to switch protocols.
 */
function refusalOf(req: IncomingMessage): keyof typeof REFUSALS | null {
  if (req.httpVersionMajor !== 1 || req.httpVersionMinor > 1) return 'http_version_unsupported';
  if (req.headers.host === undefined) return 'host_missing';
  if (isUpgradeAttempt(req.rawHeaders)) return 'upgrade_refused';
  return null;
}

function clientErrorCode(error: NodeJS.ErrnoException): ErrorCode {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return 'headers_too_large';
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'request_timeout';
    default:
      return 'bad_request';
  }
}

/**
 * Creates a node:http server with hardened settings for the gateway and the shield's endpoints:
 * strict parser (`insecureHTTPParser: false`; refuses to start when `--insecure-http-parser` is in
 * the node arguments or NODE_OPTIONS), headers timeout 15 s, request timeout 30 s, no header-count
 * truncation (the gateway counts headers itself), `Expect: 100-continue` left to the handler (the
 * gateway sends 100 only when it accepts the body), CONNECT answered 405, malformed requests
 * answered with a problem+json 400/408/431 before the socket is destroyed, and, before the handler
 * sees them, requests without an HTTP/1.0 or HTTP/1.1 version or without a Host header (400
 * `bad_request`) and protocol upgrade attempts (400 `upgrade_not_allowed`) answered with
 * problem+json and the connection closed.
 *
 * @example
 * const server = createHttpServer((req, res) => gateway.handle(req, res, randomUUID(), req.socket.remoteAddress ?? ''));
 * server.listen(8080, '127.0.0.1');
 */
export function createHttpServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  options: HttpServerOptions = {},
): Server {
  assertStrictParser();
  const headersTimeout = setting(options, 'headersTimeoutMs');
  const requestTimeout = setting(options, 'requestTimeoutMs');
  if (requestTimeout < headersTimeout)
    throw new TypeError('requestTimeoutMs must be at least headersTimeoutMs');
  const { onClientError } = options;

  const report = (code: ErrorCode, reason: string, socket: Duplex): string => {
    const requestId = randomUUID();
    if (onClientError !== undefined) {
      try {
        onClientError({
          requestId,
          code,
          reason,
          remoteAddress: (socket as { remoteAddress?: string }).remoteAddress ?? null,
        });
      } catch {
        // A failing observer must not keep the socket open.
      }
    }
    return requestId;
  };

  const guarded = (req: IncomingMessage, res: ServerResponse): void => {
    const refusal = refusalOf(req);
    if (refusal === null) {
      handler(req, res);
      return;
    }
    const { code, detail } = REFUSALS[refusal];
    const requestId = report(code, refusal, req.socket);
    // The connection is closed: a body, or the bytes of a protocol the client hoped to switch
    // to, may follow on the wire.
    sendProblem(res, code, requestId, { detail, headers: { connection: 'close' } });
  };

  const settings = {
    insecureHTTPParser: false,
    // Host is required of every version below (Node checks only HTTP/1.1, with a bare 400).
    requireHostHeader: false,
    joinDuplicateHeaders: false,
    maxHeaderSize: setting(options, 'maxHeaderSize'),
    headersTimeout,
    requestTimeout,
    keepAliveTimeout: setting(options, 'keepAliveTimeoutMs'),
    connectionsCheckingInterval: setting(options, 'timeoutCheckIntervalMs'),
    noDelay: true,
  } as const;
  const server: Server =
    options.tls === undefined
      ? createServer(settings, guarded)
      : createHttpsServer({ ...settings, ...options.tls }, guarded);
  // 0: Node keeps every header instead of silently dropping those past 2000 (which can hide a
  // Content-Length); the head stays bounded by maxHeaderSize and the gateway refuses > maxHeaders.
  server.maxHeadersCount = 0;
  server.setTimeout(setting(options, 'idleTimeoutMs'), (socket) => socket.destroy());

  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    if (error.code === 'ECONNRESET' || error.code === 'EPIPE' || !socket.writable) {
      socket.destroy();
      return;
    }
    const code = clientErrorCode(error);
    const inFlight = (socket as { _httpMessage?: ServerResponse | null })._httpMessage ?? null;
    if (inFlight !== null) {
      if (inFlight.headersSent) {
        socket.destroy();
        return;
      }
      if (inFlight.req.complete && code !== 'request_timeout') {
        // Garbage after a complete request that is still being served (pipelined bytes, data after
        // a close-delimited HTTP/1.0 message): answer that request as it deserves, then close.
        // Answering 400 now would hide the response of a request that may already be upstream.
        inFlight.shouldKeepAlive = false;
        report(code, error.code ?? 'client_error', socket);
        return;
      }
    }
    const requestId = report(code, error.code ?? 'client_error', socket);
    socket.end(rawProblem(code, requestId), () => socket.destroy());
  });

  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    const requestId = report('method_not_allowed', 'connect_method', socket);
    socket.on('error', () => socket.destroy());
    socket.end(rawProblem('method_not_allowed', requestId), () => socket.destroy());
  });

  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    expectContinue.mark(req);
    guarded(req, res);
  });

  return server;
}
