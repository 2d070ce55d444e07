/**
 * Test support: a redis-server child of our own on a free loopback port (killed by its pid), a
 * TCP proxy in front of Redis that can be frozen (Redis "hangs": connected, never answers, F-02),
 * and a listener that accepts and never speaks. Used by the limits tests only.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null ? resolve(address.port) : reject(),
      );
    });
  });
}

function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export interface RedisProcess {
  port: number;
  url: string;
  /** SIGKILLs the server by its pid and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts a fresh server on the same port (an empty dataset) and waits until it accepts. */
  start(): Promise<void>;
}

/** Starts `redis-server --port <free> --save ''` on 127.0.0.1, with extra arguments. */
export async function startRedisProcess(extra: string[] = []): Promise<RedisProcess> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    const proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra],
      { stdio: 'ignore' },
    );
    child = proc;
    const until = Date.now() + 5000;
    while (!(await reachable(port))) {
      if (Date.now() > until || proc.exitCode !== null) throw new Error('redis-server did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      const proc = child;
      if (proc === null || proc.exitCode !== null || proc.pid === undefined) return;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      process.kill(proc.pid, 'SIGKILL');
      await exited;
      child = null;
    },
    start,
  };
}

export interface FreezableProxy {
  port: number;
  url: string;
  /** Stops passing bytes both ways; connections stay open (Redis hangs). */
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

/** A loopback TCP proxy to 127.0.0.1:`targetPort` that can be frozen. */
export async function startFreezableProxy(targetPort: number): Promise<FreezableProxy> {
  let frozen = false;
  const links = new Set<{ client: Socket; upstream: Socket; held: [Socket, Buffer][] }>();
  const server: Server = createServer((client) => {
    const upstream = connect({ host: '127.0.0.1', port: targetPort });
    const link = { client, upstream, held: [] as [Socket, Buffer][] };
    links.add(link);
    const relay = (from: Socket, to: Socket) =>
      from.on('data', (chunk: Buffer) => {
        if (frozen) link.held.push([to, chunk]);
        else to.write(chunk);
      });
    relay(client, upstream);
    relay(upstream, client);
    const end = () => {
      client.destroy();
      upstream.destroy();
      links.delete(link);
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('proxy did not bind');
  return {
    port: address.port,
    url: `redis://127.0.0.1:${address.port}`,
    freeze() {
      frozen = true;
    },
    thaw() {
      frozen = false;
      for (const link of links) for (const [to, chunk] of link.held.splice(0)) to.write(chunk);
    },
    async close() {
      for (const link of links) {
        link.client.destroy();
        link.upstream.destroy();
      }
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A listener that accepts connections and never sends a byte. */
export async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('silent server did not bind');
  return {
    port: address.port,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
