import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { availableParallelism, cpus, loadavg, release, tmpdir, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../packages/shield/src/clock.js';
import { createKeyStore, createTokenIssuer, type TokenIssuer } from '../packages/shield/src/tokens/index.js';
import {
  BENCH_APP,
  BENCH_AUDIENCE,
  BENCH_ISSUER,
  BENCH_PATH,
  PROVIDER_HEADER,
  STREAM_BODY_BYTES,
  streamBody,
} from './bench-constants.js';
import { evaluateTargets } from './evaluate-targets.js';
import { autocannonTool, type LoadTool, runLoad } from './load/run-load.js';
import { nginxConfigText } from './nginx-config.js';
import {
  LIMIT_PROBE_MAX,
  LIMIT_PROBE_PATH,
  PLAIN_STREAM_PATH,
  type PortcullisConfigOptions,
  PROOF_PATH,
  portcullisConfigText,
  SCANNED_STREAM_PATH,
} from './portcullis-config.js';
import { probeTools } from './probe-tools.js';
import { createProcessGroup, type ProcessGroup, type StartedProcess } from './process-group.js';
import { readProcessTree, sampleTreeRss } from './process-stats.js';
import { runMicroBenchmarks } from './run-micro-benchmarks.js';
import { runScannerBench } from './scanner-bench.js';
import { signProofs } from './sign-proofs.js';
import { measureBuiltStartup } from './startup/measure-startup.js';
import {
  type BenchResults,
  type BenchSettings,
  type FloodResult,
  type RunFigures,
  type SetupId,
  type SetupResult,
  SHORT_SETUP_IDS,
  SHORT_SETUP_SECONDS,
} from './types.js';

/** Entries of the shield's verified-token cache (createShield: `cache: { maxEntries: 10_000 }`). */
export const TOKEN_CACHE_ENTRIES = 10_000;

const BENCH_DIR = fileURLToPath(new URL('.', import.meta.url));
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MB = 1024 * 1024;
/** Redis and PostgreSQL of the redis+postgres setups (both on loopback). */
export const BENCH_REDIS_URL = 'redis://127.0.0.1:6379';
export const BENCH_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
/** Audit records in the store of the console-overview setup. */
export const CONSOLE_OVERVIEW_RECORDS = 100_000;
/** Proofs signed for a proof setup's first run, per second of load (later runs: 1.5x the rps seen). */
const FIRST_PROOF_RATE = 15_000;

interface RunningSetup {
  id: SetupId;
  label: string;
  description: string;
  url: string;
  /** Path the load requests (the proof setups' own route). */
  path: string;
  /** Connections of its load (default the settings'): 1 measures one answer at a time. */
  connections?: number;
  /** Proof setups: each request needs its own pre-signed proof. */
  proofs: boolean;
  /** Requests per second of its latest run, warm-up included (sizes the next batch of proofs). */
  lastRps: number | null;
  headers: Record<string, string>;
  process: StartedProcess;
  peakRssBytes: number;
  runs: RunFigures[];
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function get(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers, agent: false, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url}`)));
    req.on('error', reject);
    req.end();
  });
}

/** True when something accepts TCP connections on 127.0.0.1:`port` within a second. */
function reachable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: 1000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

function tsxScript(path: string, nodeArgs: readonly string[] = []): { command: string; args: string[] } {
  return { command: process.execPath, args: [...nodeArgs, '--import', 'tsx', join(BENCH_DIR, path)] };
}

type DeviceJwk = { kty: string; crv: string; x: string; y: string };

/** Tokens for the devices `${prefix}-${from}` .. `${prefix}-${from + count - 1}`, all with one public key. */
async function mintTokens(
  issuer: TokenIssuer,
  jwk: DeviceJwk,
  prefix: string,
  count: number,
  from = 0,
  plt: 'ios' | 'android' = 'ios',
): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = from; i < from + count; i++) {
    const minted = await issuer.issue({
      sub: BENCH_APP,
      aud: [BENCH_AUDIENCE],
      plt,
      lvl: 'hardware',
      cnf: { kid: `${prefix}-${i}`, jwk },
      ttlSeconds: 3600,
    });
    tokens.push(minted.token);
  }
  return tokens;
}

/**
 * Runs the whole benchmark with `settings`: starts the upstream and every setup as its own
 * child process (pinned when taskset and two cores are there), checks what the Portcullis setups
 * enforce, drives every setup with the same load tool in interleaved rounds, floods the
 * memory-store shield with distinct tokens, devices and IPs, runs the micro-benchmarks, stops
 * every child by its pid, and returns the results with the targets evaluated.
 */
export async function runBench(settings: BenchSettings, log: (line: string) => void): Promise<BenchResults> {
  const started = Date.now();
  const loadAtStart = loadavg();
  const tools = probeTools();
  const cores = availableParallelism();
  const pin = tools.taskset && cores >= 2;
  const sutCpus = pin ? '0' : undefined;
  const loadCpus = pin ? (cores === 2 ? '1' : `1-${cores - 1}`) : undefined;
  const useNginx = settings.nginx && tools.nginx !== null;
  const loadTool: LoadTool =
    settings.wrk && tools.wrk !== null ? { kind: 'wrk', version: tools.wrk } : autocannonTool();
  if (tools.wrk === null) log('wrk not found (Debian: apt-get install wrk): using autocannon');
  if (tools.nginx === null)
    log('nginx not found (Debian: apt-get install nginx-light): nginx setups skipped');
  if (!pin)
    log('no pinning (taskset missing or a single core): figures mix the load tool and the system under test');

  const group: ProcessGroup = createProcessGroup({ taskset: pin });
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-'));
  const onSignal = () => {
    group.killAllNow();
    rmSync(dir, { recursive: true, force: true });
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const secret = randomBytes(24).toString('hex');
  const skipped = new Map<SetupId, string>();
  const running: RunningSetup[] = [];
  let flood: FloodResult | null = null;
  let checks = { tokenRequired: false, secretInjected: false, limitEnforced: false };
  let upstreamKind: 'nginx' | 'node' = 'node';

  try {
    // Keys first: every Portcullis setup loads this directory, and the harness signs with it.
    const keysDir = join(dir, 'keys');
    const keys = createKeyStore({ dir: keysDir, alg: 'ES256', clock: systemClock });
    await keys.load();
    const issuer = createTokenIssuer({ keys, issuer: BENCH_ISSUER, clock: systemClock });
    const { publicKey: devicePublicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { x = '', y = '' } = devicePublicKey.export({ format: 'jwk' });
    const deviceJwk: DeviceJwk = { kty: 'EC', crv: 'P-256', x, y };
    const [token = ''] = await mintTokens(issuer, deviceJwk, 'bench-device', 1);
    // The proof setups' device: an Android software key (DER ECDSA proofs, no counter to keep in
    // order under concurrent load). Its key id is new each run: the Redis and PostgreSQL stores
    // outlive the run and keep the first key registered under an id.
    const proofKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const proofJwkParts = proofKeys.publicKey.export({ format: 'jwk' });
    const proofJwk: DeviceJwk = {
      kty: 'EC',
      crv: 'P-256',
      x: proofJwkParts.x ?? '',
      y: proofJwkParts.y ?? '',
    };
    const proofPrefix = `proof-${randomBytes(6).toString('hex')}`;
    const [proofToken = ''] = await mintTokens(issuer, proofJwk, proofPrefix, 1, 0, 'android');
    let proofCounter = 0;
    const nextProofs = (count: number) => {
      const lines = signProofs({
        privateKey: proofKeys.privateKey,
        token: proofToken,
        path: PROOF_PATH,
        count,
        timestampMs: Date.now(),
        from: proofCounter,
      });
      proofCounter += count;
      return lines;
    };
    // The flood goes to the SQLite shield (the default store) when it runs, else the memory one.
    const floodSetup: SetupId | null =
      settings.flood.phases === 0
        ? null
        : settings.setups.includes('portcullis-sqlite')
          ? 'portcullis-sqlite'
          : settings.setups.includes('portcullis-memory')
            ? 'portcullis-memory'
            : null;
    // Devices registered before the shield serves (as after their attestation): the measured one,
    // the limit probe's, and (flooded setup only) every device of the flood.
    const seed = (flood: boolean) =>
      JSON.stringify({
        jwk: deviceJwk,
        kids: [
          ['bench-device', 1],
          ['limit-probe', 1],
          ...(flood ? [['flood-device', settings.flood.tokensPerPhase * settings.flood.phases]] : []),
        ],
        android: [[`${proofPrefix}-0`, proofJwk]],
      });
    // An empty Android status list: the bench app accepts Android key attestation (the proof
    // device is an Android key) and a production shield needs a revocation list for that.
    const androidStatusFile = join(dir, 'android-status.json');
    writeFileSync(androidStatusFile, '{"entries":{}}');
    const publicKeyFile = join(dir, 'token-key.pem');
    const verification = keys.verificationKeys()[0];
    if (verification === undefined) throw new Error('the key store has no verification key');
    writeFileSync(publicKeyFile, verification.publicKey.export({ type: 'spki', format: 'pem' }));

    // The upstream: nginx (cheap, leaves the CPU to the load tool) or the Node one.
    let upstreamPort: number;
    let upstreamProcess: StartedProcess;
    if (useNginx) {
      upstreamKind = 'nginx';
      upstreamPort = await freePort();
      const largeFile = join(dir, 'large-items.json');
      writeFileSync(largeFile, streamBody());
      upstreamProcess = await startNginx(
        group,
        dir,
        'upstream',
        upstreamPort,
        secret,
        1,
        loadCpus,
        undefined,
        largeFile,
      );
    } else {
      const script = tsxScript('servers/upstream-server.ts');
      upstreamProcess = await group.start({
        name: 'upstream',
        ...script,
        env: { BENCH_SECRET: secret },
        cpus: loadCpus,
        ready: { kind: 'json-line' },
      });
      upstreamPort = Number(upstreamProcess.info['port']);
    }
    const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;
    log(`upstream (${upstreamKind}) on ${upstreamUrl}`);

    const proxyHeaders = { 'portcullis-token': token };
    const want = new Set(settings.setups);
    const starts: Promise<void>[] = [];
    const add = (
      id: SetupId,
      label: string,
      description: string,
      start: () => Promise<{ process: StartedProcess; url: string }>,
      headers: Record<string, string> = proxyHeaders,
      proofs = false,
      path = BENCH_PATH,
      connections?: number,
    ) => {
      if (!want.has(id)) return;
      starts.push(
        start().then(
          ({ process: child, url }) => {
            running.push({
              id,
              label,
              description,
              url,
              path: proofs ? PROOF_PATH : path,
              ...(connections === undefined ? {} : { connections }),
              proofs,
              lastRps: null,
              headers: proofs ? { 'portcullis-token': proofToken } : headers,
              process: child,
              peakRssBytes: 0,
              runs: [],
            });
          },
          (error: unknown) => {
            const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
            skipped.set(id, `failed to start: ${message}`);
            log(`${id}: ${message}`);
          },
        ),
      );
    };
    const node =
      (script: string, env: Record<string, string>, cpus: string | undefined, nodeArgs: string[] = []) =>
      async () => {
        const child = await group.start({
          name: script,
          ...tsxScript(script, nodeArgs),
          env,
          cpus,
          ready: { kind: 'json-line' },
        });
        const url =
          typeof child.info['url'] === 'string'
            ? child.info['url']
            : `http://127.0.0.1:${child.info['port']}`;
        return { process: child, url };
      };
    const portcullis = (
      name: string,
      store: 'memory' | 'sqlite' | 'redis+postgres',
      workers: number,
      cpus: string | undefined,
      routes: Pick<PortcullisConfigOptions, 'limits' | 'proofRoute' | 'streamRoutes'> = {},
    ) => {
      const dataDir = join(dir, name);
      mkdirSync(dataDir, { recursive: true });
      const configPath = join(dataDir, 'portcullis.yaml');
      writeFileSync(
        configPath,
        portcullisConfigText({
          upstreamPort,
          store:
            store === 'memory'
              ? { kind: 'memory' }
              : store === 'sqlite'
                ? { kind: 'sqlite', path: join(dataDir, 'shield.db') }
                : { kind: 'redis+postgres', redisUrl: BENCH_REDIS_URL, postgresUrl: BENCH_POSTGRES_URL },
          keysDir,
          androidStatusFile,
          ...routes,
        }),
      );
      return node(
        'servers/portcullis-server.ts',
        {
          BENCH_CONFIG: configPath,
          BENCH_WORKERS: String(workers),
          BENCH_SECRET: secret,
          BENCH_DEVICES: seed(name === floodSetup),
        },
        cpus,
        // The flood asks for a full GC before reading memory (SIGUSR2).
        ['--expose-gc'],
      );
    };
    const pinned = pin ? `pinned to CPU ${sutCpus}` : 'not pinned';

    add(
      'upstream',
      `upstream alone (${upstreamKind})`,
      `the upstream itself, ${pin ? `on CPU ${loadCpus}` : 'not pinned'}; the load tool sends the provider key`,
      async () => ({ process: upstreamProcess, url: upstreamUrl }),
      { ...proxyHeaders, [PROVIDER_HEADER]: secret },
    );
    add(
      'bare-proxy',
      'bare Node proxy',
      `node:http + http.request with a keep-alive Agent, injects the key, no checks; ${pinned}`,
      node('servers/bare-proxy.ts', { BENCH_UPSTREAM: upstreamUrl, BENCH_SECRET: secret }, sutCpus),
    );
    add(
      'express',
      'Express stack',
      `Express 5 + jsonwebtoken ES256 + express-rate-limit (device, IP) + http-proxy-middleware injecting the key; ${pinned}`,
      node(
        'servers/express-stack.ts',
        { BENCH_UPSTREAM: upstreamUrl, BENCH_SECRET: secret, BENCH_PUBLIC_KEY_FILE: publicKeyFile },
        sutCpus,
      ),
    );
    if (useNginx) {
      add(
        'nginx',
        'nginx (1 worker)',
        `nginx reverse proxy, keep-alive upstream pool, injects the key; ${pinned}`,
        async () => {
          const port = await freePort();
          return {
            process: await startNginx(group, dir, 'proxy', port, secret, 1, sutCpus, upstreamPort),
            url: `http://127.0.0.1:${port}`,
          };
        },
      );
    }
    add(
      'portcullis-memory',
      'Portcullis (memory store)',
      `one process: token (verified-token cache), app, limits as configured, revocation check, key injected, audit to memory; ${pinned}`,
      portcullis('portcullis-memory', 'memory', 1, sutCpus),
    );
    add(
      'portcullis-sqlite',
      'Portcullis (SQLite store)',
      `the same checks with the default embedded store (an audit row per request); ${pinned}`,
      portcullis('portcullis-sqlite', 'sqlite', 1, sutCpus),
    );
    const short = `measured in the first round only, ${Math.min(settings.durationSeconds, SHORT_SETUP_SECONDS)} s`;
    add(
      'portcullis-nolimits',
      'Portcullis (memory store, no limits)',
      `portcullis-memory with the measured route's per-device and per-IP limits removed; ${pinned}; ${short}`,
      portcullis('portcullis-nolimits', 'memory', 1, sutCpus, { limits: false }),
    );
    const redisUp = (await reachable(6379)) && (await reachable(5432));
    const redisNote = `Redis (${BENCH_REDIS_URL}) or PostgreSQL (${BENCH_POSTGRES_URL}) unreachable`;
    for (const id of ['portcullis-redis-limits', 'portcullis-redis-proof'] as const) {
      if (want.has(id) && !redisUp) {
        skipped.set(id, redisNote);
        log(`${id}: ${redisNote}`);
      }
    }
    if (redisUp) {
      add(
        'portcullis-redis-limits',
        'Portcullis (Redis + PostgreSQL store)',
        `the same checks, limits counted in Redis (${BENCH_REDIS_URL}), devices and audit in PostgreSQL; ${pinned}; ${short}`,
        portcullis('portcullis-redis-limits', 'redis+postgres', 1, sutCpus),
      );
    }
    // Proof setups: the measured route again with require.proof, each request with its own proof.
    const proofStores = [
      ['portcullis-memory-proof', 'memory', 'memory store'],
      ['portcullis-sqlite-proof', 'sqlite', 'SQLite store'],
      ['portcullis-redis-proof', 'redis+postgres', 'Redis + PostgreSQL store'],
    ] as const;
    for (const [id, store, name] of proofStores) {
      if (store === 'redis+postgres' && !redisUp) continue;
      if (want.has(id) && loadTool.kind !== 'wrk') {
        skipped.set(id, 'needs wrk (a distinct pre-signed proof per request comes from a wrk Lua script)');
        continue;
      }
      add(
        id,
        `Portcullis (${name}, proof route)`,
        `the measured route with a per-request proof (Android software device, DER ECDSA P-256, one pre-signed proof per request, replay store: ${name}); ${pinned}; ${short}`,
        portcullis(id, store, 1, sutCpus, { proofRoute: true }),
        proxyHeaders,
        true,
      );
    }
    // Streaming: the same large answer through a route that injects no secret and one that injects
    // the provider key (its body is scanned for every form of it); one memory-store shield each.
    const mib = Math.round((STREAM_BODY_BYTES / MB) * 100) / 100;
    add(
      'portcullis-stream-plain',
      `Portcullis (${mib} MiB answer, no secret)`,
      `GET of a ${mib} MiB streamed answer through a route with a token and no injected secret (relayed as it is); memory store; ${pinned}; ${short}`,
      portcullis('portcullis-stream-plain', 'memory', 1, sutCpus, { streamRoutes: true, limits: false }),
      proxyHeaders,
      false,
      PLAIN_STREAM_PATH,
    );
    add(
      'portcullis-stream-scanned',
      `Portcullis (${mib} MiB answer, secret injected)`,
      `the same answer through a route that injects the provider key, so the whole body is scanned for it; memory store; ${pinned}; ${short}`,
      portcullis('portcullis-stream-scanned', 'memory', 1, sutCpus, { streamRoutes: true, limits: false }),
      proxyHeaders,
      false,
      SCANNED_STREAM_PATH,
    );
    if (cores >= 2) {
      add(
        'portcullis-cluster',
        `Portcullis (${cores} workers)`,
        `workers: ${cores} (node:cluster), SQLite store shared by the workers, not pinned (shares the CPUs with the load tool)`,
        portcullis('portcullis-cluster', 'sqlite', cores, undefined),
      );
      if (useNginx) {
        add(
          'nginx-cluster',
          `nginx (${cores} workers)`,
          `nginx with ${cores} worker processes, not pinned`,
          async () => {
            const port = await freePort();
            return {
              process: await startNginx(
                group,
                dir,
                'proxy-cluster',
                port,
                secret,
                cores,
                undefined,
                upstreamPort,
              ),
              url: `http://127.0.0.1:${port}`,
            };
          },
        );
      }
    }
    // The console's overview (GET /overview, the last hour) over a SQLite store holding
    // CONSOLE_OVERVIEW_RECORDS audit records: the admin API's answer time, not the gateway's.
    if (want.has('console-overview')) {
      const adminToken = randomBytes(24).toString('base64url');
      const dataDir = join(dir, 'console-overview');
      mkdirSync(dataDir, { recursive: true });
      const configPath = join(dataDir, 'portcullis.yaml');
      writeFileSync(
        configPath,
        portcullisConfigText({
          upstreamPort,
          store: { kind: 'sqlite', path: join(dataDir, 'shield.db') },
          keysDir,
          androidStatusFile,
        }),
      );
      add(
        'console-overview',
        `console overview (SQLite, ${CONSOLE_OVERVIEW_RECORDS.toLocaleString('en')} audit records)`,
        `GET /overview of the admin API (the console's first page: last hour, per-bucket and per-route, platform and app version summaries) over ${CONSOLE_OVERVIEW_RECORDS} audit records in SQLite; ${pinned}`,
        async () => {
          const port = await freePort();
          const child = await group.start({
            name: 'console-overview',
            ...tsxScript('servers/console-overview-server.ts'),
            env: {
              BENCH_CONFIG: configPath,
              BENCH_SECRET: secret,
              BENCH_ADMIN_PORT: String(port),
              BENCH_ADMIN_TOKEN_SHA256: createHash('sha256').update(adminToken).digest('hex'),
              BENCH_AUDIT_RECORDS: String(CONSOLE_OVERVIEW_RECORDS),
            },
            cpus: sutCpus,
            ready: { kind: 'json-line' },
            readyTimeoutMs: 300_000,
          });
          return { process: child, url: `http://127.0.0.1:${port}` };
        },
        { authorization: `Bearer ${adminToken}` },
        false,
        '/overview',
        // One request at a time: the answer time an operator opening the page sees, not a queue.
        1,
      );
    }
    await Promise.all(starts);
    running.sort((a, b) => settings.setups.indexOf(a.id) - settings.setups.indexOf(b.id));

    // Every setup must answer the benchmark request with 200 before it is measured.
    for (const setup of [...running]) {
      const [line = ''] = setup.proofs ? nextProofs(1) : [];
      const [target = setup.path, proof] = setup.proofs ? line.split(' ') : [setup.path];
      const headers = proof === undefined ? setup.headers : { ...setup.headers, 'portcullis-proof': proof };
      const status = await get(`${setup.url}${target}`, headers).catch(() => 0);
      if (status !== 200) {
        skipped.set(setup.id, `answered ${status} instead of 200 before the load`);
        running.splice(running.indexOf(setup), 1);
        if (setup.id !== 'upstream') await setup.process.stop();
      }
    }
    const shield = running.find(
      (setup) => setup.id === 'portcullis-memory' || setup.id === 'portcullis-sqlite',
    );
    if (shield !== undefined) checks = await probeChecks(shield.url, token, issuer, deviceJwk);
    log(`checks: ${JSON.stringify(checks)}`);

    // Warm-up, then interleaved rounds: a slow minute on the shared machine hits every setup.
    const proofsFile = join(dir, 'proofs.txt');
    const load = async (setup: RunningSetup, seconds: number) => {
      if (setup.proofs) {
        // Signed now, before the timed run: enough for the rate seen so far (the warm-up's, else a
        // generous first guess); a thread that runs out sends an empty proof, counted as non-2xx.
        const rate = setup.lastRps === null ? FIRST_PROOF_RATE : Math.max(1000, setup.lastRps * 1.5);
        writeFileSync(
          proofsFile,
          `${nextProofs(Math.ceil(rate * Math.max(1, Math.round(seconds)))).join('\n')}\n`,
        );
      }
      const figures = await runLoad(group, loadTool, {
        url: `${setup.url}${setup.path}`,
        headers: setup.headers,
        durationSeconds: seconds,
        connections: setup.connections ?? settings.connections,
        threads: Math.min(settings.threads, setup.connections ?? settings.threads),
        cpus: loadCpus,
        ...(setup.proofs
          ? {
              script: {
                path: join(BENCH_DIR, 'load', 'proof-requests.lua'),
                args: [proofsFile, String(settings.threads)],
              },
            }
          : {}),
      });
      setup.lastRps = figures.rps;
      return figures;
    };
    const isShort = (setup: RunningSetup) => SHORT_SETUP_IDS.includes(setup.id);
    if (settings.warmupSeconds > 0) {
      for (const setup of running) {
        log(`warm-up ${setup.id}`);
        await load(setup, settings.warmupSeconds);
      }
    }
    for (let round = 0; round < settings.repetitions; round++) {
      const order = running
        .map((_, i) => running[(i + round) % running.length]!)
        .filter((setup) => round === 0 || !isShort(setup));
      for (const setup of order) {
        const before = readProcessTree(setup.process.pid);
        const sampler = sampleTreeRss(setup.process.pid);
        const began = process.hrtime.bigint();
        const figures = await load(
          setup,
          isShort(setup) ? Math.min(settings.durationSeconds, SHORT_SETUP_SECONDS) : settings.durationSeconds,
        );
        const seconds = Number(process.hrtime.bigint() - began) / 1e9;
        setup.peakRssBytes = Math.max(setup.peakRssBytes, sampler.stop());
        const after = readProcessTree(setup.process.pid);
        const cpuSeconds = after.cpuSeconds - before.cpuSeconds;
        const cpuPercent = Math.round((cpuSeconds / seconds) * 100);
        const cpuUsPerRequest = figures.requests > 0 ? Math.round((cpuSeconds / figures.requests) * 1e6) : 0;
        setup.runs.push({ ...figures, cpuPercent, cpuUsPerRequest });
        log(
          `round ${round + 1}/${settings.repetitions} ${setup.id}: ${Math.round(figures.rps)} rps, p99 ${figures.p99Ms.toFixed(2)} ms, CPU ${cpuPercent} % (${cpuUsPerRequest} µs/request)${figures.non2xx + figures.errors > 0 ? `, ${figures.non2xx} non-2xx, ${figures.errors} errors` : ''}`,
        );
      }
    }

    const flooded = running.find((setup) => setup.id === floodSetup);
    if (flooded !== undefined) {
      flood = await runFlood(group, flooded, issuer, deviceJwk, settings, dir, loadCpus, log);
    }
  } finally {
    await group.stopAll();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    rmSync(dir, { recursive: true, force: true });
  }

  const micro = settings.micro === null ? {} : await runMicroBenchmarks(settings.micro, log);
  const scanner = settings.scanner === null ? null : await runScannerBench(settings.scanner, log);
  const startup = settings.startup === null ? null : await measureBuiltStartup(settings.startup.runs, log);

  const setups: SetupResult[] = settings.setups.map((id) => {
    const setup = running.find((each) => each.id === id);
    if (setup === undefined || setup.runs.length === 0) {
      return {
        id,
        label: id,
        description: '',
        rps: null,
        p50Ms: null,
        p99Ms: null,
        cpuPercent: null,
        cpuUsPerRequest: null,
        peakRssMb: null,
        runs: [],
        skipped:
          skipped.get(id) ?? (id.startsWith('nginx') ? 'nginx not used' : 'not available on this machine'),
      };
    }
    return {
      id,
      label: setup.label,
      description: setup.description,
      rps: Math.round(median(setup.runs.map((run) => run.rps))),
      p50Ms: Math.round(median(setup.runs.map((run) => run.p50Ms)) * 100) / 100,
      p99Ms: Math.round(median(setup.runs.map((run) => run.p99Ms)) * 100) / 100,
      cpuPercent: Math.round(median(setup.runs.map((run) => run.cpuPercent))),
      cpuUsPerRequest: Math.round(median(setup.runs.map((run) => run.cpuUsPerRequest))),
      peakRssMb: Math.round(setup.peakRssBytes / MB),
      runs: setup.runs,
    };
  });

  const results: BenchResults = {
    schema: 1,
    startedAt: new Date(started).toISOString(),
    elapsedSeconds: Math.round((Date.now() - started) / 1000),
    mode: settings.mode,
    machine: {
      cpus: cores,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryMb: Math.round(totalmem() / MB),
      os: `${type()} ${release()}`,
      loadAverageAtStart: loadAtStart.map((n) => Math.round(n * 100) / 100),
      loadAverageAtEnd: loadavg().map((n) => Math.round(n * 100) / 100),
    },
    node: process.version,
    tools: {
      load: loadTool.kind === 'wrk' ? loadTool.version : `autocannon ${loadTool.version}`,
      nginx: tools.nginx,
      taskset: tools.taskset,
    },
    settings: {
      durationSeconds: settings.durationSeconds,
      repetitions: settings.repetitions,
      warmupSeconds: settings.warmupSeconds,
      connections: settings.connections,
      threads: settings.threads,
      pinning: { sut: sutCpus ?? null, load: loadCpus ?? null, upstream: loadCpus ?? null },
      upstream: upstreamKind,
    },
    checks,
    setups,
    flood,
    micro,
    scanner,
    startup,
    targets: [],
  };
  results.targets = evaluateTargets(results);
  return results;
}

async function startNginx(
  group: ProcessGroup,
  dir: string,
  name: string,
  port: number,
  secret: string,
  workers: number,
  cpus: string | undefined,
  upstreamPort?: number,
  largeFile?: string,
): Promise<StartedProcess> {
  const prefix = join(dir, `nginx-${name}`);
  mkdirSync(prefix, { recursive: true });
  const configFile = join(prefix, 'nginx.conf');
  writeFileSync(
    configFile,
    nginxConfigText({
      role: name === 'upstream' ? 'upstream' : 'proxy',
      port,
      dir: prefix,
      secret,
      workers,
      ...(upstreamPort === undefined ? {} : { upstreamPort }),
      ...(largeFile === undefined ? {} : { largeFile }),
    }),
  );
  return group.start({
    name: `nginx-${name}`,
    command: 'nginx',
    args: ['-p', prefix, '-c', configFile, '-e', join(prefix, 'error.log')],
    cpus,
    ready: { kind: 'port', port },
    // Graceful stop: the master waits for its workers, so none is left for init to reap.
    stopSignal: 'SIGQUIT',
  });
}

/** What the shield enforces, seen from outside before any load. */
async function probeChecks(
  url: string,
  token: string,
  issuer: TokenIssuer,
  jwk: DeviceJwk,
): Promise<BenchResults['checks']> {
  const withToken = await get(`${url}${BENCH_PATH}`, { 'portcullis-token': token });
  const withoutToken = await get(`${url}${BENCH_PATH}`, {});
  // A fresh token (another device) so earlier requests do not count against the probe.
  const [probeToken = ''] = await mintTokens(issuer, jwk, 'limit-probe', 1);
  const statuses: number[] = [];
  for (let i = 0; i < LIMIT_PROBE_MAX + 2; i++) {
    statuses.push(await get(`${url}${LIMIT_PROBE_PATH}`, { 'portcullis-token': probeToken }));
  }
  return {
    tokenRequired: withoutToken === 401,
    // The upstream answers 403 unless the injected key is there.
    secretInjected: withToken === 200,
    limitEnforced: statuses.slice(0, LIMIT_PROBE_MAX).every((s) => s === 200) && statuses.includes(429),
  };
}

async function runFlood(
  group: ProcessGroup,
  setup: RunningSetup,
  issuer: TokenIssuer,
  jwk: DeviceJwk,
  settings: BenchSettings,
  dir: string,
  cpus: string | undefined,
  log: (line: string) => void,
): Promise<FloodResult> {
  const { tokensPerPhase, phases, invalidPerPhase, distinctIps } = settings.flood;
  log(`flood: minting ${tokensPerPhase * phases} tokens`);
  const tokens = await mintTokens(issuer, jwk, 'flood-device', tokensPerPhase * phases);
  const tokensFile = join(dir, 'flood-tokens.txt');
  writeFileSync(tokensFile, tokens.join('\n'));
  const memory = async () => {
    const line = setup.process.nextJsonLine('benchMemory', 10_000);
    process.kill(setup.process.pid, 'SIGUSR2');
    const report = (await line)['benchMemory'] as { rss: number; heapUsed: number };
    return { rss: report.rss, heap: report.heapUsed };
  };
  const before = await memory();
  const after: { rss: number; heap: number }[] = [];
  const statuses: Record<string, number> = {};
  let errors = 0;
  for (let phase = 0; phase < phases; phase++) {
    const stdout = await group.run({
      name: 'flood-client',
      ...tsxScript('flood-client.ts'),
      env: {
        BENCH_URL: setup.url,
        BENCH_TOKENS_FILE: tokensFile,
        BENCH_FROM: String(phase * tokensPerPhase),
        BENCH_COUNT: String(tokensPerPhase),
        BENCH_INVALID: String(invalidPerPhase),
        BENCH_IPS: String(distinctIps),
        BENCH_IP_OFFSET: String(phase * distinctIps),
        BENCH_CONNECTIONS: String(settings.connections),
      },
      cpus,
      timeoutMs: 300_000,
    });
    const line = stdout.split('\n').find((each) => each.includes('"benchFlood"'));
    if (line === undefined) throw new Error(`flood client printed no summary:\n${stdout.slice(-2000)}`);
    const summary = JSON.parse(line) as { statuses: Record<string, number>; errors: number };
    for (const [status, n] of Object.entries(summary.statuses))
      statuses[status] = (statuses[status] ?? 0) + n;
    errors += summary.errors;
    after.push(await memory());
    log(
      `flood phase ${phase + 1}/${phases}: RSS ${Math.round(after.at(-1)!.rss / MB)} MB, live heap ${Math.round(after.at(-1)!.heap / MB)} MB`,
    );
  }
  const first = after[0] ?? before;
  const last = after.at(-1) ?? before;
  const growth = (from: number, to: number) => Math.round(((to - from) / from) * 1000) / 10;
  return {
    setup: setup.id,
    tokensPerPhase,
    invalidPerPhase,
    distinctIps,
    tokenCacheEntries: TOKEN_CACHE_ENTRIES,
    rssBeforeMb: Math.round(before.rss / MB),
    liveHeapBeforeMb: Math.round(before.heap / MB),
    rssAfterPhaseMb: after.map((each) => Math.round(each.rss / MB)),
    liveHeapAfterPhaseMb: after.map((each) => Math.round(each.heap / MB)),
    rssAfterMb: Math.round(last.rss / MB),
    growthAfterFirstPhasePercent: growth(first.rss, last.rss),
    heapGrowthAfterFirstPhasePercent: growth(first.heap, last.heap),
    statuses,
    errors,
  };
}

/** The repository root (for default paths). */
export const REPO_ROOT = ROOT;
