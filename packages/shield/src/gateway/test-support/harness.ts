/**
 * Test harness for the gateway: real servers on loopback. U is an upstream stub that records every
 * request; R is a raw TCP upstream for malformed responses; K is an attacker sink that counts
 * connections; the gateway runs behind createHttpServer with a tiny jose ES256 issuer.
 * Used by the gateway's *.test.ts files only.
 */
import { randomUUID } from 'node:crypto';
import {
  createServer as createHttpServerRaw,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import {
  type AddressInfo,
  connect,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import type { AppTokenClaims } from '@portcullis/protocol';
import { generateKeyPair, type JWTPayload, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { createManualClock } from '../../clock.js';
import { ShieldError } from '../../errors.js';
import { createIdentifierHasher } from '../../identifier-hasher.js';
import type { AuditRecord } from '../../stores/ports.js';
import { createGateway } from '../create-gateway.js';
import { createHttpServer, type HttpServerOptions } from '../http-server.js';
import type { Gateway, GatewayOptions, RouteSpec } from '../types.js';

/** 2026-11-28T12:00:00Z: every test pins time here. */
export const TEST_NOW = Date.UTC(2026, 10, 28, 12, 0, 0);

/** The identifier hasher of test gateways: a fixed key, so tests can compute expected hashes. */
export const TEST_IDENTIFIERS = createIdentifierHasher(Buffer.alloc(32, 0x5a));

function listen(server: Server | NetServer, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server | NetServer): Promise<void> {
  if ('closeAllConnections' in server) server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

// ---- U: recording upstream ------------------------------------------------------------------------

export interface RecordedRequest {
  method: string;
  url: string;
  rawHeaders: string[];
  body: Buffer;
}

/** Values of a header in a recorded request, any casing. */
export function headerValues(request: RecordedRequest, name: string): string[] {
  const lower = name.toLowerCase();
  const values: string[] = [];
  for (let i = 0; i + 1 < request.rawHeaders.length; i += 2) {
    if (request.rawHeaders[i]!.toLowerCase() === lower) values.push(request.rawHeaders[i + 1]!);
  }
  return values;
}

export type UpstreamBehaviour = (
  req: IncomingMessage,
  res: ServerResponse,
  recorded: RecordedRequest,
) => void;

/** Default: 200 JSON with the method and path U saw. */
export const echo: UpstreamBehaviour = (_req, res, recorded) => {
  const body = JSON.stringify({ method: recorded.method, url: recorded.url, bytes: recorded.body.length });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
};

export interface Upstream {
  port: number;
  url: string;
  requests: RecordedRequest[];
  behaviour: UpstreamBehaviour;
  close(): Promise<void>;
}

export async function startUpstream(): Promise<Upstream> {
  const upstream: Upstream = {
    port: 0,
    url: '',
    requests: [],
    behaviour: echo,
    close: () => closeServer(server),
  };
  const server = createHttpServerRaw((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks),
      };
      upstream.requests.push(recorded);
      upstream.behaviour(req, res, recorded);
    });
  });
  upstream.port = await listen(server, '127.0.0.1');
  upstream.url = `http://127.0.0.1:${upstream.port}`;
  return upstream;
}

// ---- R: raw upstream for malformed responses -------------------------------------------------------

export interface RawUpstream {
  port: number;
  url: string;
  connections: number;
  /** Connections that have closed (the gateway discarded them, or the script ended them). */
  closed: number;
  requests: string[];
  /** Called once per complete request head with the socket; writes whatever bytes it likes. */
  respond: (socket: Socket, head: string) => void;
  close(): Promise<void>;
}

export async function startRawUpstream(): Promise<RawUpstream> {
  const raw: RawUpstream = {
    port: 0,
    url: '',
    connections: 0,
    closed: 0,
    requests: [],
    respond: (socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok'),
    close: () => closeServer(server),
  };
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    raw.connections++;
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      raw.closed++;
    });
    socket.on('error', () => socket.destroy());
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      let end = buffered.indexOf('\r\n\r\n');
      while (end !== -1) {
        const head = buffered.slice(0, end);
        const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(head)?.[1] ?? '0');
        if (buffered.length < end + 4 + length) break;
        buffered = buffered.slice(end + 4 + length);
        raw.requests.push(head);
        raw.respond(socket, head);
        end = buffered.indexOf('\r\n\r\n');
      }
    });
  });
  raw.close = async () => {
    for (const socket of sockets) socket.destroy();
    await closeServer(server);
  };
  raw.port = await listen(server, '127.0.0.1');
  raw.url = `http://127.0.0.1:${raw.port}`;
  return raw;
}

// ---- K: attacker sink, and a silent TCP listener ----------------------------------------------------

export interface Sink {
  host: string;
  port: number;
  connections: number;
  close(): Promise<void>;
}

/** A TCP listener that only counts connections: on 127.0.0.2 when it can bind there, else 127.0.0.1. */
export async function startSink(): Promise<Sink> {
  const sockets = new Set<Socket>();
  const sink: Sink = { host: '127.0.0.2', port: 0, connections: 0, close: async () => {} };
  const make = () =>
    createNetServer((socket) => {
      sink.connections++;
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    });
  let server = make();
  try {
    sink.port = await listen(server, '127.0.0.2');
  } catch {
    server = make();
    sink.host = '127.0.0.1';
    sink.port = await listen(server, '127.0.0.1');
  }
  sink.close = async () => {
    for (const socket of sockets) socket.destroy();
    await closeServer(server);
  };
  return sink;
}

/** Accepts TCP connections and never says anything (a TLS handshake to it never completes). */
export async function startSilent(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => socket.destroy());
  });
  const port = await listen(server, '127.0.0.1');
  return {
    port,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await closeServer(server);
    },
  };
}

// ---- the issuer ------------------------------------------------------------------------------------

export const ISSUER = 'https://shield.test';
export const AUDIENCE = 'shop-api';

export interface Issuer {
  mint(claims?: Partial<AppTokenClaims> & JWTPayload): Promise<string>;
  verifyToken(token: string): Promise<AppTokenClaims>;
}

/** A tiny ES256 issuer and verifier (jose), at the pinned test time. */
export async function createIssuer(now: () => number): Promise<Issuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  return {
    async mint(claims = {}) {
      const iat = Math.floor(now() / 1000);
      const payload: JWTPayload = {
        sub: 'shop',
        plt: 'ios',
        lvl: 'hardware',
        jti: randomUUID(),
        cnf: { kid: 'device-key-1', jwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' } },
        ...claims,
      };
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'ES256', typ: 'app+jwt', kid: 'test-key' })
        .setIssuer(ISSUER)
        .setAudience([AUDIENCE])
        .setIssuedAt(claims.iat ?? iat)
        .setExpirationTime(claims.exp ?? iat + 300)
        .sign(privateKey);
    },
    async verifyToken(token) {
      try {
        const { payload } = await jwtVerify(token, publicKey, {
          algorithms: ['ES256'],
          typ: 'app+jwt',
          issuer: ISSUER,
          audience: AUDIENCE,
          currentDate: new Date(now()),
          clockTolerance: 30,
          requiredClaims: ['iat', 'exp', 'jti', 'sub'],
        });
        return payload as unknown as AppTokenClaims;
      } catch (error) {
        if (error instanceof joseErrors.JWTExpired) throw new ShieldError('token_expired');
        throw new ShieldError('token_invalid', 'token_signature_or_claims_invalid');
      }
    },
  };
}

/** `${secret:NAME}`, the inject template reference (built here so linters see no stray placeholder). */
export function secretRef(name: string): string {
  return `$\{secret:${name}}`;
}

// ---- the gateway under test ------------------------------------------------------------------------

export const FAST_TIMEOUTS = { connectMs: 500, headersMs: 1_000, bodyMs: 1_000 };

/** A route with the boring defaults filled in. */
export function route(spec: Partial<RouteSpec> & Pick<RouteSpec, 'id' | 'path' | 'upstream'>): RouteSpec {
  return {
    methods: ['GET'],
    public: true,
    require: { token: false },
    inject: { headers: {} },
    maxBodyBytes: 1024 * 1024,
    timeouts: FAST_TIMEOUTS,
    ...spec,
  };
}

export interface RunningGateway {
  port: number;
  gateway: Gateway;
  server: Server;
  audits: Omit<AuditRecord, 'instance'>[];
  issuer: Issuer;
  clock: ReturnType<typeof createManualClock>;
  close(): Promise<void>;
}

export async function startGateway(
  routes: RouteSpec[],
  extra: Partial<Omit<GatewayOptions, 'routes'>> = {},
  serverOptions: HttpServerOptions = {},
): Promise<RunningGateway> {
  const clock = createManualClock(TEST_NOW);
  const issuer = await createIssuer(clock.now);
  const audits: Omit<AuditRecord, 'instance'>[] = [];
  const gateway = createGateway({
    routes,
    verifyToken: issuer.verifyToken,
    resolveSecret: (name) => {
      if (name === 'stripe') return 'sk_test_51SECRETVALUE0123456789';
      throw new Error('unknown secret');
    },
    audit: (record) => audits.push(record),
    identifiers: TEST_IDENTIFIERS,
    clock,
    ...extra,
  });
  const server = createHttpServer(
    (req, res) => gateway.handle(req, res, randomUUID(), req.socket.remoteAddress ?? ''),
    {
      timeoutCheckIntervalMs: 100,
      ...serverOptions,
    },
  );
  const port = await listen(server, '127.0.0.1');
  return {
    port,
    gateway,
    server,
    audits,
    issuer,
    clock,
    async close() {
      await closeServer(server);
      await gateway.close();
    },
  };
}

// ---- raw-socket client -----------------------------------------------------------------------------

export interface ParsedResponse {
  status: number;
  /** Lower-case name → values. */
  headers: Map<string, string[]>;
  body: string;
}

export interface ProbeResult {
  responses: ParsedResponse[];
  /** True when the gateway closed the connection before the probe gave up waiting. */
  closed: boolean;
  raw: string;
}

/**
 * Parses as many complete HTTP/1.1 responses as `raw` holds (1xx responses are skipped). `head`:
 * the responses answer HEAD requests, so they have no body whatever their Content-Length says.
 */
export function parseResponses(raw: string, complete: boolean, head = false): ParsedResponse[] {
  const out: ParsedResponse[] = [];
  let rest = raw;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end === -1) return out;
    const lines = rest.slice(0, end).split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 'NaN');
    const headers = new Map<string, string[]>();
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
    }
    rest = rest.slice(end + 4);
    if (status >= 100 && status < 200) continue;
    const length = headers.get('content-length')?.[0];
    let body = '';
    if (status === 204 || status === 304 || head) {
      body = '';
    } else if (length !== undefined) {
      if (rest.length < Number(length)) return out;
      body = rest.slice(0, Number(length));
      rest = rest.slice(Number(length));
    } else if (headers.get('transfer-encoding')?.[0] === 'chunked') {
      for (;;) {
        const lineEnd = rest.indexOf('\r\n');
        if (lineEnd === -1) return out;
        const size = Number.parseInt(rest.slice(0, lineEnd), 16);
        if (rest.length < lineEnd + 2 + size + 2) return out;
        body += rest.slice(lineEnd + 2, lineEnd + 2 + size);
        rest = rest.slice(lineEnd + 2 + size + 2);
        if (size === 0) break;
      }
    } else {
      if (!complete) return out;
      body = rest;
      rest = '';
    }
    out.push({ status, headers, body });
  }
}

/**
 * Writes `data` on a fresh connection and collects what comes back, until the gateway closes the
 * connection, or `responses` complete responses arrived (then `graceMs` more to see a close), or
 * `timeoutMs` passed.
 */
export function probe(
  port: number,
  data: string | Buffer | (string | Buffer)[],
  options: { responses?: number; timeoutMs?: number; graceMs?: number; host?: string; head?: boolean } = {},
): Promise<ProbeResult> {
  const wanted = options.responses ?? 1;
  const timeoutMs = options.timeoutMs ?? 3_000;
  const graceMs = options.graceMs ?? 30;
  return new Promise((resolve) => {
    const socket = connect(port, options.host ?? '127.0.0.1');
    let raw = '';
    let done = false;
    let grace: NodeJS.Timeout | undefined;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      clearTimeout(grace);
      socket.destroy();
      resolve({ responses: parseResponses(raw, closed, options.head), closed, raw });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.on('data', (chunk: Buffer) => {
      raw += chunk.toString('latin1');
      if (grace === undefined && parseResponses(raw, false, options.head).length >= wanted) {
        grace = setTimeout(() => finish(false), graceMs);
      }
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => finish(true));
    socket.on('connect', () => {
      for (const part of Array.isArray(data) ? data : [data]) socket.write(part);
    });
  });
}

/** Polls `condition` every 5 ms for up to `ms`. */
export async function waitFor(condition: () => boolean, ms = 2_000): Promise<void> {
  const until = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
