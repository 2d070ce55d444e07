import { connect } from 'node:net';
import type { TestContext } from 'node:test';

/**
 * Real services for tests. A test that needs Redis or PostgreSQL calls `requireService`: on a
 * machine without the service it is skipped with a message, except under CI=true, where a missing
 * service is a failure (CI must start it, see .ci/run).
 */
export const REDIS_URL = process.env['PORTCULLIS_TEST_REDIS_URL'] ?? 'redis://127.0.0.1:6379';
export const POSTGRES_URL =
  process.env['PORTCULLIS_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

function reachable(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function requireService(t: TestContext, name: 'redis' | 'postgres'): Promise<boolean> {
  const url = new URL(name === 'redis' ? REDIS_URL : POSTGRES_URL);
  const ok = await reachable(url.hostname, Number(url.port || (name === 'redis' ? 6379 : 5432)));
  if (ok) return true;
  const message = `${name} is not reachable at ${url.host}; start it (see .ci/run) to run this test`;
  if (process.env['CI'] === 'true') throw new Error(message);
  t.skip(message);
  return false;
}

/**
 * Deletes every key under the given prefixes from the shared test Redis (run in `after`). A Redis
 * that is down is fine: every key the tests write carries a TTL.
 */
export async function deleteRedisKeys(prefixes: readonly string[]): Promise<void> {
  if (prefixes.length === 0) return;
  const { createClient } = await import('redis');
  const redis = createClient({ url: REDIS_URL });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    for (const prefix of prefixes) {
      for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 500 })) {
        if (keys.length > 0) await redis.del(keys);
      }
    }
  } catch {
    // Redis is down: the keys expire by themselves.
  } finally {
    if (redis.isOpen) redis.destroy();
  }
}
