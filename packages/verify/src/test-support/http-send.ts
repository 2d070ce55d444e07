import { request } from 'node:http';
import type { Send, SentResponse } from './adapter-scenarios.js';

/**
 * A `Send` over node:http to a server on loopback: the path is sent byte for byte and every
 * header exactly once as given (fetch would do the same, but this keeps the target untouched).
 */
export function httpSend(baseUrl: string): Send {
  return (path, init) =>
    new Promise<SentResponse>((resolve, reject) => {
      const url = new URL(baseUrl);
      const body = init.body === undefined ? undefined : Buffer.from(init.body);
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          method: init.method,
          path,
          agent: false,
          headers: {
            ...init.headers,
            ...(body === undefined ? {} : { 'content-length': String(body.length) }),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: res.statusCode ?? 0,
              headers: { get: (name) => (res.headers[name.toLowerCase()] as string | undefined) ?? null },
              text: async () => text,
            });
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
}
