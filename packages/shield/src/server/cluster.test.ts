import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import cluster from 'node:cluster';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { systemClock } from '../clock.js';
import { parseConfig } from '../config/index.js';
import { createKeyStore, createTokenIssuer } from '../tokens/index.js';
import { CLUSTER_REASONS, ClusterError, resolveWorkerCount, startCluster } from './cluster.js';

const CLUSTER_MODULE = fileURLToPath(new URL('./cluster.ts', import.meta.url));
const CONFIG_MODULE = fileURLToPath(new URL('../config/index.ts', import.meta.url));
const SECRET = 'cluster-test-provider-key';

function configText(dir: string, upstreamPort: number, store: 'sqlite' | 'memory'): string {
  return `issuer: http://127.0.0.1:8080
instanceId: ctest
logging: { level: warn }
store: ${store === 'sqlite' ? `{ kind: sqlite, path: ${JSON.stringify(join(dir, 'shield.db'))} }` : '{ kind: memory }'}
keys: { dir: ${JSON.stringify(join(dir, 'keys'))} }
apps:
  shop:
    audiences: [shop-api]
    ios: { teamId: ABCDE12345, bundleIds: [com.example.shop] }
secrets:
  provider: \${env:CLUSTER_TEST_SECRET}
routes:
  - id: items
    match: { methods: [GET], path: /api/** }
    upstream: http://127.0.0.1:${upstreamPort}
    require: { token: true }
    inject: { headers: { x-provider-key: "\${secret:provider}" } }
`;
}

/** The process entry a real deployment would have (the CLI), reduced to what startCluster needs. */
function entryScript(configPath: string): string {
  return `import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseConfig } from ${JSON.stringify(CONFIG_MODULE)};
import { startCluster } from ${JSON.stringify(CLUSTER_MODULE)};
const path = ${JSON.stringify(configPath)};
const config = await parseConfig(readFileSync(path, 'utf8'), { sourceName: path, baseDir: dirname(path) });
const running = await startCluster(config, { workers: 2, port: Number(process.env.CLUSTER_TEST_PORT), shutdownTimeoutMs: 5000 });
if (running.role === 'primary') process.send({ url: running.url, pids: running.workerPids() });
process.on('message', (m) => { if (m === 'pids' && running.role === 'primary') process.send({ pids: running.workerPids() }); });
const signal = new Promise((resolve) => { process.once('SIGTERM', resolve); process.once('SIGINT', resolve); });
await Promise.race([signal, running.closed]);
await running.close();
// The IPC channel to the test would keep this process alive.
if (running.role === 'primary') process.disconnect();
`;
}

function get(url: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    // agent: false: a new connection per request, so the primary hands each to the next worker.
    const req = request(url, { headers, agent: false, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within 10 s`)));
    req.end();
  });
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return check();
}

/** The next IPC message from the test entry (a primary reports to its parent over IPC, not stdout, which its workers share). */
function nextMessage(child: ChildProcess, ms: number): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`the cluster exited (code ${code}) before reporting`));
    };
    const onMessage = (message: unknown) => {
      cleanup();
      resolve(message as Record<string, unknown>);
    };
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`no report from the cluster within ${ms} ms`));
    }, ms);
    const cleanup = () => {
      clearTimeout(timer);
      child.off('exit', onExit);
      child.off('message', onMessage);
    };
    child.once('exit', onExit);
    child.once('message', onMessage);
  });
}

describe('resolveWorkerCount', () => {
  test('auto means one worker per core, within 1..64', () => {
    assert.equal(resolveWorkerCount('auto', 'sqlite', 2), 2);
    assert.equal(resolveWorkerCount('auto', 'sqlite', 0), 1);
    assert.equal(resolveWorkerCount('auto', 'redis+postgres', 500), 64);
    assert.equal(resolveWorkerCount(3, 'sqlite', 2), 3);
  });

  test('a count outside 1..64 or not an integer is refused', () => {
    for (const bad of [0, -1, 65, 1.5, Number.NaN]) {
      assert.throws(
        () => resolveWorkerCount(bad, 'sqlite', 2),
        (error: unknown) => error instanceof ClusterError && error.reason === 'cluster_workers_invalid',
      );
    }
  });

  test('the memory store is refused with several workers, accepted with one (F-05)', () => {
    assert.equal(resolveWorkerCount(1, 'memory', 8), 1);
    assert.throws(
      () => resolveWorkerCount(2, 'memory', 2),
      (error: unknown) =>
        error instanceof ClusterError &&
        error.reason === 'cluster_memory_store' &&
        error.fix.includes('sqlite'),
    );
    assert.throws(
      () => resolveWorkerCount('auto', 'memory', 2),
      (error: unknown) => error instanceof ClusterError && error.reason === 'cluster_memory_store',
    );
  });

  test('every sub-code is lower_snake_case, unique, with a meaning and a fix', () => {
    const reasons = CLUSTER_REASONS.map((row) => row.reason);
    assert.equal(new Set(reasons).size, reasons.length);
    for (const row of CLUSTER_REASONS) {
      assert.match(row.reason, /^[a-z]+(_[a-z]+)*$/);
      assert.ok(row.meaning.length > 20 && row.fix.length > 20, row.reason);
    }
  });
});

describe('startCluster', () => {
  let dir: string;
  let upstream: Server;
  let upstreamPort: number;
  const seen: IncomingHttpHeaders[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-cluster-'));
    upstream = createServer((req, res) => {
      seen.push(req.headers);
      res.setHeader('content-type', 'application/json');
      res.end('{"ok":true}');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    upstreamPort = (upstream.address() as AddressInfo).port;
  });

  after(async () => {
    upstream.closeAllConnections();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  test('refuses the memory store with two workers before forking anything', async () => {
    const config = await parseConfig(configText(dir, upstreamPort, 'memory'), {
      baseDir: dir,
      env: { CLUSTER_TEST_SECRET: SECRET },
    });
    await assert.rejects(
      startCluster(config, { workers: 2, port: 0 }),
      (error: unknown) => error instanceof ClusterError && error.reason === 'cluster_memory_store',
    );
    assert.equal(Object.keys(cluster.workers ?? {}).length, 0);
  });

  test('F-09, F-12: two workers share one port, one key directory and one SQLite file; a killed worker is replaced; SIGTERM stops them all', async () => {
    const configPath = join(dir, 'portcullis.yaml');
    writeFileSync(configPath, configText(dir, upstreamPort, 'sqlite'));
    // .mts: the temporary folder has no package.json saying the files are ES modules.
    const script = join(dir, 'entry.mts');
    writeFileSync(script, entryScript(configPath));
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      cwd: fileURLToPath(new URL('../../../..', import.meta.url)),
      env: { ...process.env, CLUSTER_TEST_SECRET: SECRET, CLUSTER_TEST_PORT: '0' },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    try {
      const ready = await nextMessage(child, 60_000);
      const url = String(ready['url']);
      const pids = ready['pids'] as number[];
      assert.equal(pids.length, 2);
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+$/);

      // The primary made the first key before forking: a token it signs verifies on every worker.
      const keys = createKeyStore({
        dir: join(dir, 'keys'),
        alg: 'ES256',
        clock: systemClock,
        create: false,
      });
      await keys.load();
      assert.equal(keys.list().length, 1, 'exactly one first key, not one per worker');
      const issuer = createTokenIssuer({ keys, issuer: 'http://127.0.0.1:8080', clock: systemClock });
      const { token } = await issuer.issue({
        sub: 'shop',
        aud: ['shop-api'],
        plt: 'ios',
        lvl: 'hardware',
        ttlSeconds: 300,
      });
      for (let i = 0; i < 12; i++) {
        const answer = await get(`${url}/api/items`, { 'portcullis-token': token });
        assert.equal(answer.status, 200, answer.body);
      }
      assert.equal((await get(`${url}/api/items`, {})).status, 401);
      assert.ok(seen.length >= 12 && seen.every((headers) => headers['x-provider-key'] === SECRET));

      // A worker that dies is replaced and the port keeps answering.
      process.kill(pids[0]!, 'SIGKILL');
      assert.ok(await waitFor(() => !isAlive(pids[0]!), 5_000));
      let replaced: number[] = [];
      const deadline = Date.now() + 20_000;
      while (Date.now() < deadline) {
        child.send('pids');
        replaced = (await nextMessage(child, 5_000))['pids'] as number[];
        if (replaced.length === 2 && !replaced.includes(pids[0]!)) break;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
      assert.equal(replaced.length, 2);
      assert.ok(!replaced.includes(pids[0]!));
      let served = 0;
      for (let i = 0; i < 6; i++) {
        if ((await get(`${url}/api/items`, { 'portcullis-token': token })).status === 200) served++;
      }
      assert.equal(served, 6);

      const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      assert.equal(await exit, 0);
      for (const pid of [...pids, ...replaced])
        assert.equal(isAlive(pid), false, `worker ${pid} outlived the primary`);

      // Both original workers wrote to the one SQLite audit table, each under its own instance name.
      const db = new Database(join(dir, 'shield.db'), { readonly: true });
      try {
        const rows = db.prepare('SELECT DISTINCT instance FROM audit ORDER BY instance').all() as {
          instance: string;
        }[];
        const instances = rows.map((row) => row.instance);
        assert.ok(instances.length >= 2, `audit instances: ${instances.join(', ')}`);
        assert.ok(instances.every((name) => /^ctest-w\d+$/.test(name)));
      } finally {
        db.close();
      }
    } finally {
      if (child.exitCode === null && child.pid !== undefined) child.kill('SIGKILL');
    }
  });
});
