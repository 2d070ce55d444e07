import { Pool } from 'undici';
import type { UpstreamPoolOptions } from './types.js';

/** One undici Pool per upstream origin and connect timeout. */
export interface UpstreamPools {
  /** The pool for `origin` with `connectMs`; created on first use, then reused. */
  get(origin: string, connectMs: number): Pool;
  /** Closes every pool once its in-flight requests are done. */
  close(): Promise<void>;
}

function optionalPositive(value: number | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new TypeError(`upstreamPool.${name} must be a positive integer`);
  return value;
}

/**
 * Creates the upstream pools: keep-alive, a bounded number of sockets per origin, one request per
 * socket at a time (no pipelining), connect timeout, TLS verification on (a CA can only be pinned
 * explicitly), redirects never followed (undici's Pool has no redirect handling: a 3xx goes back
 * to the client as is).
 */
export function createUpstreamPools(options: UpstreamPoolOptions = {}): UpstreamPools {
  const connections = optionalPositive(options.connections, 'connections', 128);
  const keepAliveTimeout = optionalPositive(options.keepAliveTimeoutMs, 'keepAliveTimeoutMs', 4_000);
  const keepAliveMaxTimeout = optionalPositive(
    options.keepAliveMaxTimeoutMs,
    'keepAliveMaxTimeoutMs',
    600_000,
  );
  const ca = options.ca;
  const pools = new Map<string, Pool>();
  return {
    get(origin, connectMs) {
      const key = `${connectMs} ${origin}`;
      let pool = pools.get(key);
      if (pool === undefined) {
        pool = new Pool(origin, {
          connections,
          pipelining: 1,
          keepAliveTimeout,
          keepAliveMaxTimeout,
          strictContentLength: true,
          connect:
            ca === undefined ? { timeout: connectMs } : { timeout: connectMs, ca, rejectUnauthorized: true },
        });
        pools.set(key, pool);
      }
      return pool;
    },
    async close() {
      const all = [...pools.values()];
      pools.clear();
      await Promise.all(all.map((pool) => pool.close()));
    },
  };
}
