import type { ServerResponse } from 'node:http';
import type { Dispatcher } from 'undici';
import type { SecretMatcher } from './compile-secret-matcher.js';
import {
  filterResponseHeaders,
  type SecretEchoTally,
  type UpstreamHeaders,
} from './filter-response-headers.js';
import type { GatewayReason } from './gateway-reasons.js';
import { ResponseSecretScanner } from './response-secret-scanner.js';

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
  /**
   * Every form of every secret injected into this request, or null when none was: response
   * headers that hold one are dropped, and a body that holds one is cut.
   */
  secrets: SecretMatcher | null;
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
  /** Response headers dropped because they carried a form of an injected secret. */
  readonly secretHeadersDropped: number;
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

/** True unless every coding in Content-Encoding is `identity`: the body cannot be scanned as it is. */
function encodedBody(value: string | string[] | undefined): boolean {
  if (value === undefined) return false;
  for (const item of typeof value === 'string' ? [value] : value) {
    for (const coding of item.split(',')) {
      const name = coding.trim().toLowerCase();
      if (name !== '' && name !== 'identity') return true;
    }
  }
  return false;
}

class UpstreamCall implements Dispatcher.DispatchHandler, ForwardHandle {
  status: number | null = null;
  private controller: Dispatcher.DispatchController | null = null;
  private settled = false;
  private started = false;
  /** Made on the first backpressure only: a class-field closure would cost every request an allocation. */
  private resumeOnDrain: (() => void) | null = null;
  private paused = false;
  /** Routes that inject a secret: the body scanner, the head kept until the first safe bytes. */
  private readonly scanner: ResponseSecretScanner | null;
  private head: string[] | null = null;
  private unscannable = false;
  private readonly tally: SecretEchoTally = { headers: 0 };

  constructor(
    private readonly res: ServerResponse,
    private readonly request: ForwardRequest,
    private readonly listener: ForwardListener,
  ) {
    this.scanner = request.secrets === null ? null : new ResponseSecretScanner(request.secrets);
  }

  get secretHeadersDropped(): number {
    return this.tally.headers;
  }

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
    const { request } = this;
    const list = filterResponseHeaders(
      headers,
      request.secrets,
      request.requestId,
      request.responseHeaders,
      request.dropResponseNames,
      this.tally,
    );
    this.status = statusCode;
    if (this.scanner !== null) {
      // Sent with the first bytes the scanner releases (Node sends a head with the first write
      // anyway), so a secret in the first chunk still gets a clean 502 instead of a cut response.
      this.head = list;
      this.unscannable = encodedBody(headers['content-encoding']);
      return;
    }
    this.sendHead(controller, statusCode, list);
  }

  /** Writes the status line and headers; false (and a 502 on its way) when Node refuses them. */
  private sendHead(controller: Dispatcher.DispatchController, statusCode: number, list: string[]): boolean {
    try {
      this.res.writeHead(statusCode, list);
    } catch {
      // Header bytes Node refuses to write: nothing reached the client yet, answer 502.
      this.finish(null, 'upstream_response_invalid', false);
      controller.abort(new Error('upstream response headers cannot be relayed'));
      return false;
    }
    this.started = true;
    return true;
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.settled) return;
    const scanner = this.scanner;
    if (scanner === null) {
      this.write(controller, chunk);
      return;
    }
    // A compressed body cannot be scanned: the route asked for identity, so this is refused.
    const safe = this.unscannable ? null : scanner.push(chunk);
    if (safe === null) {
      this.fail(this.unscannable ? 'upstream_encoding_unscannable' : 'upstream_echoed_secret');
      controller.abort(new Error('upstream response refused'));
      return;
    }
    if (!this.started && !this.sendHead(controller, this.status!, this.head!)) return;
    for (let i = 0; i < safe.length; i++) this.write(controller, safe[i]!);
  }

  /** Writes to the client; on backpressure pauses the upstream until the client drains (once per pause). */
  private write(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.res.write(chunk) && !this.paused) {
      this.paused = true;
      controller.pause();
      this.resumeOnDrain ??= () => {
        this.paused = false;
        this.controller?.resume();
      };
      this.res.once('drain', this.resumeOnDrain);
    }
  }

  onResponseEnd(controller: Dispatcher.DispatchController): void {
    if (this.settled) return;
    if (this.scanner !== null) {
      if (!this.started && !this.sendHead(controller, this.status!, this.head!)) return;
      const held = this.scanner.end();
      if (held !== null) this.res.write(held);
    }
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
