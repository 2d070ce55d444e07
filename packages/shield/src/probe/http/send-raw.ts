import { connect as connectTcp, isIP, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import {
  DEFAULT_RESPONSE_LIMITS,
  type HttpResponse,
  ResponseFormatError,
  readHttpResponses,
} from './read-http-responses.js';

/** What came back on one connection. */
export interface RawExchange {
  responses: HttpResponse[];
  /** The server closed the connection (or reset it). */
  closed: boolean;
  /** Set when the exchange did not end normally: `timeout`, `connect: ECONNREFUSED`, `malformed: chunk`, ... */
  error: string | null;
}

export interface SendRawOptions {
  /** Responses to wait for (one per request written). Default 1. */
  expect?: number;
  /** Method of each request, so a HEAD answer is read without a body. */
  methods?: readonly string[];
  /** Whole exchange, connect included. Default 10 s. */
  timeoutMs?: number;
  /** Once `expect` responses are in, how long to wait for more bytes or the close. Default 100 ms. */
  quietMs?: number;
}

const MAX_RECEIVED_BYTES = 4 * 1024 * 1024;

function openSocket(url: URL): Socket {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const secure = url.protocol === 'https:';
  const port = Number(url.port || (secure ? 443 : 80));
  if (!secure) return connectTcp({ host, port });
  return connectTls({ host, port, ...(isIP(host) === 0 ? { servername: host } : {}) });
}

/**
 * Writes `data` as it is on a fresh connection to `url`'s origin and reads the responses. The
 * bytes are not checked or re-encoded, so malformed requests (smuggling shapes, raw targets,
 * duplicate headers) reach the server exactly as written. Never throws: connection failures,
 * timeouts and malformed answers are reported in `error`. Received bytes are capped at 4 MiB.
 */
export function sendRaw(url: URL, data: Buffer, options: SendRawOptions = {}): Promise<RawExchange> {
  const expect = options.expect ?? 1;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const quietMs = options.quietMs ?? 100;
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    let quiet: NodeJS.Timeout | undefined;
    let closed = false;
    const socket = openSocket(url);

    const finish = (error: string | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(overall);
      clearTimeout(quiet);
      socket.destroy();
      let responses: HttpResponse[] = [];
      let problem = error;
      try {
        responses = readHttpResponses(Buffer.concat(chunks), {
          ended: true,
          ...(options.methods !== undefined ? { methods: options.methods } : {}),
          limits: DEFAULT_RESPONSE_LIMITS,
        }).responses;
      } catch (caught) {
        if (!(caught instanceof ResponseFormatError)) throw caught;
        problem ??= `malformed: ${caught.reason}`;
      }
      if (problem === null && responses.length < expect && !closed) problem = 'timeout';
      resolve({ responses, closed, error: problem });
    };

    const overall = setTimeout(() => finish(null), timeoutMs);
    overall.unref();

    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      received += chunk.length;
      if (received > MAX_RECEIVED_BYTES) {
        finish('response_too_large');
        return;
      }
      let count = 0;
      try {
        count = readHttpResponses(Buffer.concat(chunks), {
          ended: false,
          ...(options.methods !== undefined ? { methods: options.methods } : {}),
        }).responses.length;
      } catch (caught) {
        if (!(caught instanceof ResponseFormatError)) throw caught;
        finish(`malformed: ${caught.reason}`);
        return;
      }
      if (count >= expect) {
        clearTimeout(quiet);
        quiet = setTimeout(() => finish(null), quietMs);
        quiet.unref();
      }
    });
    socket.on('end', () => {
      closed = true;
      finish(null);
    });
    socket.on('close', () => {
      closed = true;
      finish(null);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      closed = true;
      // A reset after the answer arrived is how many servers end a refused request.
      if (chunks.length > 0 && (error.code === 'ECONNRESET' || error.code === 'EPIPE')) {
        finish(null);
      } else {
        finish(`connect: ${error.code ?? error.message}`);
      }
    });
    socket.write(data);
  });
}
