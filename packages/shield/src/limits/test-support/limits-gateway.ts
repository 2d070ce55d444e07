/**
 * Test support for the limits module: a real gateway (createGateway + createHttpServer) on
 * loopback with the limit checks, an upstream stub that counts what reaches it, a small jose
 * ES256 issuer, and a client that can pick its source address. Used by the limits tests only.
 */
import { randomUUID } from 'node:crypto';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AppTokenClaims } from '@portcullis/protocol';
import { generateKeyPair, type JWTPayload, jwtVerify, SignJWT } from 'jose';
import { type Clock, createManualClock } from '../../clock.js';
import { ShieldError } from '../../errors.js';
import { createGateway, createHttpServer, type GatewayCheck, type RouteSpec } from '../../gateway/index.js';
import { TEST_IDENTIFIERS } from '../../gateway/test-support/harness.js';
import type { IdentifierHasher } from '../../identifier-hasher.js';
import type { AuditRecord } from '../../stores/ports.js';
import { createClientIpResolver } from '../create-client-ip-resolver.js';
import { createLimitChecks, type LimitChecks, type LimitChecksOptions } from '../create-limit-checks.js';
import type { LimitEvent } from '../types.js';

/** 2026-11-28T12:00:00Z. */
export const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

export interface CountingUpstream {
  url: URL;
  /** Bodies of the requests that reached the upstream, in order. */
  bodies: string[];
  close(): Promise<void>;
}

/** An upstream that answers 200 and records each body it received. */
export async function startCountingUpstream(): Promise<CountingUpstream> {
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  const port = await listen(server);
  return { url: new URL(`http://127.0.0.1:${port}`), bodies, close: () => closeServer(server) };
}

export interface Issuer {
  mint(claims?: Partial<AppTokenClaims> & JWTPayload): Promise<string>;
  verifyToken(token: string): Promise<AppTokenClaims>;
}

/** A small ES256 issuer and verifier (jose) judging time by `clock`. */
export async function createIssuer(clock: Clock): Promise<Issuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return {
    mint(claims = {}) {
      const iat = Math.floor(clock.now() / 1000);
      return new SignJWT({
        sub: 'shop',
        plt: 'ios',
        lvl: 'hardware',
        jti: randomUUID(),
        cnf: { kid: 'device-1', jwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' } },
        ...claims,
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'app+jwt' })
        .setIssuer('https://shield.test')
        .setAudience(['shop-api'])
        .setIssuedAt(iat)
        .setExpirationTime(iat + 3600)
        .sign(privateKey);
    },
    async verifyToken(token) {
      try {
        const { payload } = await jwtVerify(token, publicKey, {
          algorithms: ['ES256'],
          issuer: 'https://shield.test',
          audience: 'shop-api',
          currentDate: new Date(clock.now()),
        });
        return payload as unknown as AppTokenClaims;
      } catch {
        throw new ShieldError('token_invalid');
      }
    },
  };
}

/** A POST route that needs a token, with test defaults. */
export function tokenRoute(id: string, path: string, upstream: URL, methods = ['POST']): RouteSpec {
  return {
    id,
    methods,
    path,
    upstream,
    public: false,
    require: { token: true },
    inject: { headers: {} },
    maxBodyBytes: 64 * 1024,
    timeouts: { connectMs: 1000, headersMs: 2000, bodyMs: 2000 },
  };
}

export interface LimitsGateway {
  port: number;
  clock: ReturnType<typeof createManualClock>;
  issuer: Issuer;
  audits: Omit<AuditRecord, 'instance'>[];
  events: LimitEvent[];
  limits: LimitChecks;
  close(): Promise<void>;
}

export interface LimitsGatewayOptions {
  routes: RouteSpec[];
  /** The limit checks' options; `identifiers` defaults to the gateway harness's TEST_IDENTIFIERS. */
  limits: Omit<LimitChecksOptions, 'onEvent' | 'identifiers'> & { identifiers?: IdentifierHasher };
  trustedProxies?: string[];
  /** Share one clock and issuer between gateway instances. */
  clock?: ReturnType<typeof createManualClock>;
  issuer?: Issuer;
  /** Extra checks run before the limit checks (for example a proof check). */
  before?: GatewayCheck[];
}

/** A gateway with the limit checks, behind createHttpServer and the client IP resolver. */
export async function startLimitsGateway(options: LimitsGatewayOptions): Promise<LimitsGateway> {
  const clock = options.clock ?? createManualClock(T0);
  const issuer = options.issuer ?? (await createIssuer(clock));
  const audits: Omit<AuditRecord, 'instance'>[] = [];
  const events: LimitEvent[] = [];
  const limits = createLimitChecks({
    identifiers: TEST_IDENTIFIERS,
    ...options.limits,
    onEvent: (event) => events.push(event),
  });
  const gateway = createGateway({
    routes: options.routes,
    verifyToken: issuer.verifyToken,
    resolveSecret: () => '',
    audit: (record) => audits.push(record),
    identifiers: TEST_IDENTIFIERS,
    clock,
    checks: [...(options.before ?? []), ...limits.checks],
  });
  const clientIp = createClientIpResolver({ trustedProxies: options.trustedProxies ?? [] });
  const server = createHttpServer((req, res) => gateway.handle(req, res, randomUUID(), clientIp(req)));
  const port = await listen(server);
  return {
    port,
    clock,
    issuer,
    audits,
    events,
    limits,
    async close() {
      await closeServer(server);
      await gateway.close();
      await limits.close();
    },
  };
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The problem+json code, when the reply is a problem. */
  code: string | undefined;
}

/** Sends one request on its own connection, from `localAddress` when given. */
export function send(
  port: number,
  options: {
    method?: string;
    path: string;
    headers?: Record<string, string>;
    body?: string;
    localAddress?: string;
  },
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const body = options.body ?? '';
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: options.method ?? 'POST',
        path: options.path,
        agent: false,
        headers: {
          connection: 'close',
          ...(body === ''
            ? {}
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }),
          ...options.headers,
        },
        ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let code: string | undefined;
          if (String(res.headers['content-type']).startsWith('application/problem+json')) {
            code = (JSON.parse(text) as { code?: string }).code;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, code });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Statuses of the replies, counted: `{ 200: 10, 429: 40 }`. */
export function tally(replies: readonly Reply[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const reply of replies) out[reply.status] = (out[reply.status] ?? 0) + 1;
  return out;
}
