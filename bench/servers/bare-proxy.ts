// Baseline: the least a Node proxy can do. node:http server, http.request through a keep-alive
// Agent, the provider key injected, bodies piped. No checks of any kind.
// Prints {"benchReady":true,"port":N} once listening on 127.0.0.1.
import { Agent, createServer, type OutgoingHttpHeaders, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROVIDER_HEADER } from '../bench-constants.js';

const upstream = new URL(process.env['BENCH_UPSTREAM'] ?? '');
const secret = process.env['BENCH_SECRET'] ?? '';
if (secret === '') throw new Error('BENCH_SECRET is required');
const agent = new Agent({ keepAlive: true, maxSockets: 128 });
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'te',
  'upgrade',
  'proxy-connection',
]);

const server = createServer({ keepAliveTimeout: 65_000, noDelay: true }, (req, res) => {
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(req.headers)) if (!HOP_BY_HOP.has(name)) headers[name] = value;
  headers[PROVIDER_HEADER] = secret;
  const outgoing = request(
    { agent, host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  outgoing.on('error', () => {
    if (!res.headersSent) res.writeHead(502);
    res.end();
  });
  req.pipe(outgoing);
});
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({ benchReady: true, port: (server.address() as AddressInfo).port })}\n`,
  );
});
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  agent.destroy();
});
