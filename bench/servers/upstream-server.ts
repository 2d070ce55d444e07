// The benchmark's upstream when nginx is not installed: a small JSON answer for GET /api/**, given
// only when the injected provider key is present (so a proxy that forgets to inject is seen).
// Prints {"benchReady":true,"port":N} once listening on 127.0.0.1.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UPSTREAM_BODY } from '../bench-constants.js';

const secret = process.env['BENCH_SECRET'] ?? '';
if (secret === '') throw new Error('BENCH_SECRET is required');
const body = Buffer.from(UPSTREAM_BODY);
const denied = Buffer.from('{"error":"provider key missing"}');

const server = createServer({ keepAliveTimeout: 65_000, noDelay: true }, (req, res) => {
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
