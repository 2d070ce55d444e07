import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the echo upstream received, as it received it. */
export interface EchoedRequest {
  method: string;
  target: string;
  /** Header lines in order (names as sent by the shield). */
  headers: [string, string][];
  body: Buffer;
}

/** The built-in echo upstream of a dry run, on 127.0.0.1. */
export interface EchoUpstream {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  /** Every request received so far, oldest first. */
  readonly requests: readonly EchoedRequest[];
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
/** Not reflected: they frame this response or this connection, not the request. */
const NOT_REFLECTED = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'upgrade',
]);

function headerPairs(req: IncomingMessage): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2)
    pairs.push([req.rawHeaders[i]!, req.rawHeaders[i + 1]!]);
  return pairs;
}

/**
 * Starts the upstream a dry run puts behind every route: it answers every request with 200 and
 * everything it received, the way a misbehaving provider or a debug endpoint would. Each request
 * header comes back as a response header `x-echo-<name>`, and the body is JSON with the method,
 * the target, every header line and the SHA-256 of the body. Nothing it receives leaves the
 * machine.
 */
export async function startEchoUpstream(): Promise<EchoUpstream> {
  const requests: EchoedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      const headers = headerPairs(req);
      const body = Buffer.concat(chunks);
      requests.push({ method: req.method ?? '', target: req.url ?? '', headers, body });
      const reflected = new Map<string, string[]>();
      for (const [name, value] of headers) {
        const lower = name.toLowerCase();
        if (NOT_REFLECTED.has(lower) || lower.startsWith('proxy-')) continue;
        reflected.set(`x-echo-${lower}`, [...(reflected.get(`x-echo-${lower}`) ?? []), value]);
      }
      for (const [name, values] of reflected) res.setHeader(name, values);
      const answer = JSON.stringify({
        method: req.method,
        target: req.url,
        headers,
        bodyBytes: size,
        bodySha256: createHash('sha256').update(body).digest('hex'),
      });
      res.setHeader('content-type', 'application/json');
      res.setHeader('content-length', Buffer.byteLength(answer));
      res.end(answer);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
