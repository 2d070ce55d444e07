import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ErrorCode, problemType } from '@portcullis/protocol';

/**
 * Test support: a programmable HTTP server on 127.0.0.1 standing in for a shield whose answers
 * a test must control (429 with Retry-After, 503, garbage, silence).
 */
export interface StubRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export type StubHandler = (req: StubRequest, res: ServerResponse) => void | Promise<void>;

export interface StubServer {
  url: string;
  requests: StubRequest[];
  /** Requests to `path` (query ignored). */
  to(path: string): StubRequest[];
  close(): Promise<void>;
}

export async function startStubServer(handler: StubHandler): Promise<StubServer> {
  const requests: StubRequest[] = [];
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const request = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks).toString('utf8'),
    };
    requests.push(request);
    await handler(request, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    to: (path) => requests.filter((r) => r.url.split('?')[0] === path),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Answers like the shield refusing with `code`. */
export function sendProblem(
  res: ServerResponse,
  code: ErrorCode,
  status: number,
  options: { retryAfter?: number; headers?: Record<string, string> } = {},
): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/problem+json');
  if (options.retryAfter !== undefined) res.setHeader('retry-after', String(options.retryAfter));
  for (const [name, value] of Object.entries(options.headers ?? {})) res.setHeader(name, value);
  res.end(
    JSON.stringify({
      type: problemType(code),
      title: code,
      status,
      code,
      requestId: 'stub-request-id',
      ...(options.retryAfter === undefined ? {} : { retryAfter: options.retryAfter }),
    }),
  );
}

export function sendJson(res: ServerResponse, body: unknown, headers: Record<string, string> = {}): void {
  res.statusCode = 200;
  res.setHeader('content-type', 'application/json');
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  res.end(JSON.stringify(body));
}

/** A syntactically valid compact JWS for stubs (the SDK treats tokens as opaque). */
export function stubToken(n: number): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'ES256', typ: 'app+jwt', kid: 'stub' })}.${part({ sub: 'shop', n })}.${Buffer.from(`sig${n}`).toString('base64url')}`;
}

/** A challenge as the shield makes them (43 base64url characters). */
export function stubChallenge(n: number): string {
  return Buffer.from(`challenge-${String(n).padStart(22, '0')}`)
    .toString('base64url')
    .slice(0, 43);
}
