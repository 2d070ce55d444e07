// Baseline: what an owner would write by hand with the usual packages. Express 5, jsonwebtoken
// (ES256, issuer and audience checked), express-rate-limit per device and per client IP, and
// http-proxy-middleware injecting the provider key. The same checks as the Portcullis setup.
// Prints {"benchReady":true,"port":N} once listening on 127.0.0.1.
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import { createProxyMiddleware } from 'http-proxy-middleware';
import jwt from 'jsonwebtoken';
import { BENCH_AUDIENCE, BENCH_ISSUER, DEVICE_LIMIT_MAX, PROVIDER_HEADER } from '../bench-constants.js';

const upstream = process.env['BENCH_UPSTREAM'] ?? '';
const secret = process.env['BENCH_SECRET'] ?? '';
const publicKey = readFileSync(process.env['BENCH_PUBLIC_KEY_FILE'] ?? '', 'utf8');
if (secret === '' || upstream === '') throw new Error('BENCH_SECRET and BENCH_UPSTREAM are required');

interface Claims {
  sub: string;
  cnf?: { kid?: string };
}

const app = express();
app.disable('x-powered-by');
app.use((req: Request, res: Response, next: NextFunction) => {
  const token = req.get('portcullis-token');
  if (token === undefined) {
    res.status(401).json({ error: 'token missing' });
    return;
  }
  try {
    res.locals['claims'] = jwt.verify(token, publicKey, {
      algorithms: ['ES256'],
      issuer: BENCH_ISSUER,
      audience: BENCH_AUDIENCE,
    }) as Claims;
    next();
  } catch {
    res.status(401).json({ error: 'token invalid' });
  }
});
app.use(
  rateLimit({
    windowMs: 3_600_000,
    limit: DEVICE_LIMIT_MAX,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    keyGenerator: (_req, res) => {
      const claims = res.locals['claims'] as Claims;
      return claims.cnf?.kid ?? claims.sub;
    },
  }),
);
// The default key is the client IP.
app.use(
  rateLimit({
    windowMs: 3_600_000,
    limit: DEVICE_LIMIT_MAX,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
  }),
);
app.use(
  createProxyMiddleware({
    target: upstream,
    pathFilter: '/api',
    on: {
      proxyReq: (proxyReq) => {
        proxyReq.setHeader(PROVIDER_HEADER, secret);
      },
    },
  }),
);

const server = app.listen(0, '127.0.0.1', () => {
  process.stdout.write(
    `${JSON.stringify({ benchReady: true, port: (server.address() as AddressInfo).port })}\n`,
  );
});
server.keepAliveTimeout = 65_000;
process.once('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
});
