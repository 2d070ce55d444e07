// The benchmark's upstream when nginx is not installed: a small JSON answer for GET /api/**, given
// only when the injected provider key is present (so a proxy that forgets to inject is seen), and
// the streaming setups' large answer for GET /large/items, written in 64 KiB chunks.
// Prints {"benchReady":true,"port":N} once listening on 127.0.0.1.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { STREAM_UPSTREAM_PATH, streamBody, UPSTREAM_BODY } from '../bench-constants.js';

const secret = process.env['BENCH_SECRET'] ?? '';
if (secret === '') throw new Error('BENCH_SECRET is required');
const body = Buffer.from(UPSTREAM_BODY);
const denied = Buffer.from('{"error":"provider key missing"}');
const large = streamBody();
const CHUNK = 64 * 1024;

const server = createServer({ keepAliveTimeout: 65_000, noDelay: true }, (req, res) => {
  if (req.url === STREAM_UPSTREAM_PATH) {
    res.writeHead(200, { 'content-type': 'application/json' });
    let offset = 0;
    const pump = () => {
      while (offset < large.length) {
        const chunk = large.subarray(offset, offset + CHUNK);
        offset += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      res.end();
    };
    pump();
    return;
  }
  const ok = req.url?.startsWith('/api/') === true && req.headers['x-provider-key'] === secret;
  res.writeHead(ok ? 200 : 403, {
    'content-type': 'application/json',
    'content-length': ok ? body.length : denied.length,
  });
  res.end(ok ? body : denied);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({ benchReady: true, port: (server.address() as AddressInfo).port })}\n`,
  );
});
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
