import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import { filterResponseHeaders, type UpstreamHeaders } from './filter-response-headers.js';
import type { GatewayReason } from './gateway-reasons.js';

/** One request to send upstream, already scrubbed and injected. */
export interface ForwardRequest {
  method: string;
  /** Upstream path and query (the canonical path after the route's prefix rewrite). */
  path: string;
  /** Flat `[name, value, ...]` header list. */
  headers: string[];
  /** The buffered body, or null. */
  body: Buffer | null;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** Secret values injected into this request; response headers that echo one are dropped. */
  secrets: readonly string[] | null;
  requestId: string;
  /** Extra `[name, value, ...]` response headers set by checks. */
  responseHeaders: readonly string[] | null;
  /** Upstream response header names the route drops (lower-case), or null. */
  dropResponseNames: ReadonlySet<string> | null;
}

/** Told exactly once how the exchange ended. */
export interface ForwardListener {
  /**
   * `failure` is null when the upstream response was relayed completely. When `responseStarted` is
   * false nothing was written to the client yet and the listener answers (502/504); when true the
   * client connection has already been cut.
   */
  onForwardEnd(status: number | null, failure: GatewayReason | null, responseStarted: boolean): void;
}

/** Handle on an in-flight upstream request. */
export interface ForwardHandle {
  /** Aborts the upstream request (the client went away); the listener is not called after this. */
  abort(): void;
  /** The upstream status once its response headers arrived, else null. */
  readonly status: number | null;
}

class ClientGoneError extends Error {
  override readonly name = 'ClientGoneError';
}

const TLS_CODE = /CERT|^ERR_TLS_|^ERR_SSL_|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER/;

/** Maps an undici or socket error to a gateway sub-code. */
export function classifyUpstreamError(error: unknown): GatewayReason {
  const code =
    typeof error === 'object' && error !== null ? String((error as { code?: unknown }).code ?? '') : '';
  const name = error instanceof Error ? error.name : '';
  switch (code) {
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'upstream_connect_timeout';
    case 'UND_ERR_HEADERS_TIMEOUT':
      return 'upstream_headers_timeout';
    case 'UND_ERR_BODY_TIMEOUT':
      return 'upstream_body_timeout';
    case 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH':
    case 'UND_ERR_RES_EXCEEDED_MAX_SIZE':
    case 'UND_ERR_INFO':
      return 'upstream_protocol_error';
  }
  if (name === 'HTTPParserError' || code.startsWith('HPE_')) return 'upstream_protocol_error';
  if (TLS_CODE.test(code)) return 'upstream_tls_error';
  return 'upstream_connect_failed';
}

class UpstreamCall implements Dispatcher.DispatchHandler, ForwardHandle {
  status: number | null = null;
  private controller: Dispatcher.DispatchController | null = null;
  private settled = false;
  private started = false;
  /** Made on the first backpressure only: a class-field closure would cost every request an allocation. */
  private resumeOnDrain: (() => void) | null = null;

  constructor(
    private readonly res: ServerResponse,
    private readonly request: ForwardRequest,
    private readonly listener: ForwardListener,
  ) {}

  abort(): void {
    if (this.settled) return;
    this.settled = true;
    this.controller?.abort(new ClientGoneError('client closed the connection'));
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.settled) controller.abort(new ClientGoneError('client closed the connection'));
  }

  onResponseStart(
    controller: Dispatcher.DispatchController,
    statusCode: number,
    headers: UpstreamHeaders,
  ): void {
    if (this.settled || statusCode < 200) return;
    const { request, res } = this;
    const list = filterResponseHeaders(
      headers,
      request.secrets,
      request.requestId,
      request.responseHeaders,
      request.dropResponseNames,
    );
    try {
      res.writeHead(statusCode, list);
    } catch {
      // Header bytes Node refuses to write: nothing reached the client yet, answer 502.
      this.finish(null, 'upstream_response_invalid', false);
      controller.abort(new Error('upstream response headers cannot be relayed'));
      return;
    }
    this.started = true;
    this.status = statusCode;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    if (!this.res.write(chunk)) {
      controller.pause();
      this.resumeOnDrain ??= () => this.controller?.resume();
      this.res.once('drain', this.resumeOnDrain);
    }
  }

  onResponseEnd(): void {
    if (this.settled) return;
    this.res.end();
    this.finish(this.status, null, true);
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.fail(classifyUpstreamError(error));
  }

  fail(reason: GatewayReason): void {
    if (this.settled) return;
    if (this.started) this.res.destroy();
    this.finish(this.status, reason, this.started);
  }

  private finish(status: number | null, failure: GatewayReason | null, responseStarted: boolean): void {
    if (this.settled) return;
    this.settled = true;
    this.listener.onForwardEnd(status, failure, responseStarted);
  }
}

/**
 * Sends one request through an undici dispatcher (a keep-alive Pool) and streams the response to
 * `res`: status and filtered headers, then the body with backpressure. Redirects are relayed, never
 * followed. Errors before the response headers (refused, reset, timeouts, malformed framing such
 * as Content-Length with Transfer-Encoding or two Content-Lengths) leave `res` untouched for the
 * listener to answer; undici discards the socket of any response it could not parse. Errors after
 * the headers cut the client connection.
 */
export function forward(
  dispatcher: Dispatcher,
  request: ForwardRequest,
  res: ServerResponse,
  listener: ForwardListener,
): ForwardHandle {
  const call = new UpstreamCall(res, request, listener);
  try {
    dispatcher.dispatch(
      {
        method: request.method,
        path: request.path,
        headers: request.headers,
        body: request.body,
        headersTimeout: request.headersTimeoutMs,
        bodyTimeout: request.bodyTimeoutMs,
        idempotent: false,
      },
      call,
    );
  } catch {
    // undici validates the request synchronously; a refusal here is a gateway bug, nothing was sent.
    call.fail('internal_failure');
  }
  return call;
}
