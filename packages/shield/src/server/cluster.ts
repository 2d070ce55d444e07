import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { type MetricFamily, mergeWorkerFamilies, type WorkerFamilies } from '../admin/index.js';
import { systemClock } from '../clock.js';
import type { Config } from '../config/index.js';
import { createStores } from '../stores/create-stores.js';
import { createKeyStore, loadIdentifierKey } from '../tokens/index.js';
import {
  createShield,
  type ReloadOutcome,
  reloadProblems,
  type Shield,
  type ShieldOverrides,
} from './create-shield.js';
import { createLogger, type Logger } from './logger.js';

/**
 * Why running a shield on several worker processes failed or was refused. Stable sub-codes:
 * never reused for another meaning.
 */
export const CLUSTER_REASONS = [
  {
    reason: 'cluster_workers_invalid',
    meaning: 'workers is neither a whole number from 1 to 64 nor "auto".',
    fix: 'Set workers to "auto" (one per core) or to a number from 1 to 64.',
  },
  {
    reason: 'cluster_memory_store',
    meaning:
      'The memory store lives inside one process: several workers would each keep their own challenges, replay marks and counters (F-05).',
    fix: 'Use store kind sqlite (shared file) or redis+postgres with several workers, or set workers: 1.',
  },
  {
    reason: 'cluster_worker_start_failed',
    meaning: 'A worker exited or reported a failure before it was listening.',
    fix: 'Read the worker log lines above (a busy port, an unreachable store, a bad key directory) and fix the cause.',
  },
  {
    reason: 'cluster_crash_loop',
    meaning:
      'Workers kept dying after they started (more restarts per minute than allowed), so the shield stopped.',
    fix: 'Read the worker log lines for the crash; the shield does not keep replacing workers that die at once.',
  },
] as const;

/** A sub-code of {@link CLUSTER_REASONS}. */
export type ClusterReason = (typeof CLUSTER_REASONS)[number]['reason'];

/** A cluster refused to start or stopped: `reason` is the stable sub-code, `fix` what to do. */
export class ClusterError extends Error {
  override readonly name = 'ClusterError';
  readonly reason: ClusterReason;
  readonly fix: string;

  constructor(reason: ClusterReason, message: string) {
    super(message);
    this.reason = reason;
    this.fix = CLUSTER_REASONS.find((row) => row.reason === reason)?.fix ?? '';
  }
}

/** Most worker processes a shield may ask for. */
export const MAX_WORKERS = 64;

/**
 * The number of worker processes for `requested`, refused (ClusterError) when it is not 1..64 or
 * "auto", or when several workers would each get their own memory store.
 *
 * @example
 * ```ts
 * resolveWorkerCount('auto', 'sqlite', 2); // 2
 * resolveWorkerCount(2, 'memory', 2); // throws ClusterError cluster_memory_store
 * ```
 */
export function resolveWorkerCount(
  requested: number | 'auto',
  storeKind: Config['store']['kind'],
  cores: number = availableParallelism(),
): number {
  const count = requested === 'auto' ? Math.min(Math.max(1, cores), MAX_WORKERS) : requested;
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_WORKERS) {
    throw new ClusterError('cluster_workers_invalid', `workers must be 1..${MAX_WORKERS} or "auto"`);
  }
  if (count > 1 && storeKind === 'memory') {
    throw new ClusterError(
      'cluster_memory_store',
      `the memory store cannot be shared by ${count} worker processes`,
    );
  }
  return count;
}

/** Options of {@link startCluster}. */
export interface ClusterOptions {
  /** Worker processes: a number from 1 to 64, or "auto" for one per core. 1 runs the shield in this process. */
  workers: number | 'auto';
  /** Port of the public listener; default `config.listen.port`. 0 picks one port that every worker shares. */
  port?: number;
  /** Address of the public listener; default `config.listen.host`. */
  host?: string;
  /** Passed to `createShield` in each worker (clock, logger, test roots). `stores` is built per worker. */
  overrides?: Omit<ShieldOverrides, 'stores'>;
  /**
   * Script the workers run. Default: the primary's own entry (`process.argv[1]`, e.g. the CLI),
   * which reaches `startCluster` again and takes the worker role there.
   */
  workerScript?: string;
  /** Time a worker gets to drain on close before it is killed, ms. Default 15000. */
  shutdownTimeoutMs?: number;
  /** Restarts of crashed workers allowed per minute before the shield stops. Default 5. */
  maxRestartsPerMinute?: number;
  /**
   * Reads the config again for a reload (the CLI: the `--config` file, with its `${env:}` and
   * `${file:}` references resolved anew). Absent: `reload()` refuses.
   */
  loadConfig?: () => Promise<Config>;
  /** Time a worker gets to answer a reload or a metrics collection, ms. Default 30000 (reload), 2000 (metrics). */
  reloadTimeoutMs?: number;
}

/** A running shield: one process, or a primary with its workers, or one of those workers. */
export interface RunningCluster {
  /** `single`: workers is 1, no cluster. `primary`: supervises the workers. `worker`: serves. */
  readonly role: 'single' | 'primary' | 'worker';
  /** The listener's URL (the primary reports the URL its workers share). */
  readonly url: string;
  /** Number of worker processes (1 for `single`). */
  readonly workers: number;
  /** Pids of the live workers (primary only; empty otherwise). */
  workerPids(): number[];
  /**
   * Resolves once this shield has stopped (a close, or the primary's shutdown order in a worker);
   * rejects with a ClusterError `cluster_crash_loop` when the primary gave up on its workers.
   */
  readonly closed: Promise<void>;
  /**
   * Reads the config again and applies it (see `Shield.reload`): in this process, or (primary)
   * validated here first, then in every worker. A config that does not load is refused and
   * logged; the running one stays. Never throws.
   */
  reload(): Promise<ReloadOutcome>;
  /** Drains and stops: the shield, or (primary) every worker, killing those that overrun the timeout. Idempotent. */
  close(): Promise<void>;
}

/** IPC messages between the primary and its workers. */
type ClusterMessage =
  | { portcullis: 'listening'; url: string }
  | { portcullis: 'failed'; message: string }
  | { portcullis: 'shutdown' }
  | { portcullis: 'reload'; id: number }
  | { portcullis: 'reloaded'; id: number; outcome: ReloadOutcome }
  | { portcullis: 'metrics-request'; id: number }
  | { portcullis: 'metrics-collect'; id: number }
  | { portcullis: 'metrics-report'; id: number; families: MetricFamily[] }
  | { portcullis: 'metrics-response'; id: number; families: MetricFamily[] };

function isClusterMessage(value: unknown): value is ClusterMessage {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { portcullis?: unknown }).portcullis === 'string'
  );
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function deferred(): { promise: Promise<void>; resolve(): void; reject(error: Error): void } {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A caller that never awaits `closed` must not get an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

/**
 * Runs the shield on `workers` processes with node:cluster, or in this process when workers is 1.
 * Call it from the process entry (the CLI `start` command): in the primary it prepares what the
 * workers share, forks them and supervises them; in each forked worker (which re-runs the same
 * entry) it builds and starts one shield. Workers share the listening port (the primary hands out
 * connections round-robin).
 *
 * Shared state stays correct across workers: the memory store is refused with several workers
 * (each would count limits and replays alone, F-05); SQLite is one WAL file shared by every
 * worker; Redis and PostgreSQL are shared services. The primary creates the signing-key directory,
 * its first key and the identifier key, and runs the store migrations once before forking, so
 * workers never race to create two different first keys (their tokens would not verify on each
 * other, and their limits would not share buckets).
 *
 * @throws ClusterError (`cluster_workers_invalid`, `cluster_memory_store`, `cluster_worker_start_failed`)
 * @example
 * ```ts
 * const running = await startCluster(config, { workers: 'auto' });
 * await Promise.race([stopSignal, running.closed]);
 * await running.close();
 * ```
 */
export async function startCluster(config: Config, options: ClusterOptions): Promise<RunningCluster> {
  const workers = resolveWorkerCount(options.workers, config.store.kind);
  const port = options.port ?? config.listen.port;
  const host = options.host ?? config.listen.host;
  const logger = options.overrides?.logger ?? createLogger({ level: config.logging.level });
  if (cluster.isWorker) return startWorker(config, workers, port, host, options, logger);
  if (workers === 1) return startSingle(config, port, host, options, logger);
  return startPrimary(config, workers, options, logger);
}

/** Loads the config again, or says (and logs) why a reload is refused. */
async function reloadShield(shield: Shield, options: ClusterOptions, logger: Logger): Promise<ReloadOutcome> {
  if (options.loadConfig === undefined) {
    const problems = ['this shield was started without a config file to read again'];
    logger.error({ problems }, 'config reload refused: the running config stays in force');
    return { ok: false, reason: 'no config source', problems };
  }
  let next: Config;
  try {
    next = await options.loadConfig();
  } catch (error) {
    const problems = reloadProblems(error);
    logger.error({ problems }, 'config reload refused: the running config stays in force');
    return { ok: false, reason: 'the config file does not load', problems };
  }
  return shield.reload(next);
}

async function startSingle(
  config: Config,
  port: number,
  host: string,
  options: ClusterOptions,
  logger: Logger,
): Promise<RunningCluster> {
  const shield = await createShield(config, { ...options.overrides, logger });
  const url = await shield.listen(port, host);
  return shieldHandle(
    'single',
    shield,
    url,
    1,
    () => undefined,
    () => reloadShield(shield, options, logger),
  );
}

function shieldHandle(
  role: 'single' | 'worker',
  shield: Shield,
  url: string,
  workers: number,
  afterClose: () => void,
  reload: () => Promise<ReloadOutcome>,
): RunningCluster & { stop(): Promise<void> } {
  const done = deferred();
  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= shield.close().then(
      () => {
        done.resolve();
        afterClose();
      },
      (error: unknown) => {
        done.resolve();
        afterClose();
        throw error;
      },
    );
    return closing;
  };
  return { role, url, workers, workerPids: () => [], closed: done.promise, reload, close, stop: close };
}

async function startWorker(
  config: Config,
  workers: number,
  port: number,
  host: string,
  options: ClusterOptions,
  logger: Logger,
): Promise<RunningCluster> {
  const send = (message: ClusterMessage) => {
    if (process.connected && process.send !== undefined) process.send(message);
  };
  const id = cluster.worker?.id ?? 0;
  // Audit records say which worker served a request.
  const workerConfig: Config =
    config.instanceId === undefined ? config : { ...config, instanceId: `${config.instanceId}-w${id}` };
  let shield: Shield;
  let url: string;
  try {
    const stores = await createStores(config.store, {
      instances: workers,
      onError: (error) =>
        logger.error({ worker: id, err: { name: error.name, message: error.message } }, 'store trouble'),
    });
    shield = await createShield(workerConfig, {
      ...options.overrides,
      logger,
      stores,
      gatherMetrics: () => gatherFromPrimary(send),
    });
    url = await shield.listen(port, host);
  } catch (error) {
    send({ portcullis: 'failed', message: errorMessage(error) });
    throw error;
  }
  // Once closed, leave the primary so the process can end; the primary counts it as a clean exit.
  const reload = () => reloadShield(shield, options, logger.child({ worker: id }));
  const handle = shieldHandle('worker', shield, url, workers, () => cluster.worker?.disconnect(), reload);
  const onMessage = (message: unknown) => {
    if (!isClusterMessage(message)) return;
    if (message.portcullis === 'shutdown') void handle.stop().catch(() => undefined);
    else if (message.portcullis === 'reload') {
      void reload().then((outcome) => send({ portcullis: 'reloaded', id: message.id, outcome }));
    } else if (message.portcullis === 'metrics-collect') {
      send({ portcullis: 'metrics-report', id: message.id, families: shield.metricFamilies() });
    } else if (message.portcullis === 'metrics-response') {
      pendingGathers.get(message.id)?.(message.families);
      pendingGathers.delete(message.id);
    }
  };
  process.on('message', onMessage);
  // The primary is gone (killed): stop serving rather than linger as an orphan.
  process.once('disconnect', () => void handle.stop().catch(() => undefined));
  void handle.closed.then(() => process.off('message', onMessage));
  send({ portcullis: 'listening', url });
  return handle;
}

/** Gathers requested by this worker's admin listener, by request id, awaiting the primary's answer. */
const pendingGathers = new Map<number, (families: MetricFamily[]) => void>();
let nextGatherId = 1;

/** Asks the primary for every worker's metric families, merged (one IPC round trip per scrape). */
function gatherFromPrimary(send: (message: ClusterMessage) => void): Promise<MetricFamily[]> {
  const id = nextGatherId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pendingGathers.delete(id);
      reject(new Error('the primary did not answer the metrics collection in time'));
    }, 10_000);
    timer.unref();
    pendingGathers.set(id, (families) => {
      clearTimeout(timer);
      resolve(families);
    });
    send({ portcullis: 'metrics-request', id });
  });
}

async function prepareShared(config: Config, workers: number): Promise<void> {
  const keys = createKeyStore({ dir: config.keys.dir, alg: config.keys.alg, clock: systemClock });
  await keys.load();
  await loadIdentifierKey(config.keys.dir, { create: true, now: systemClock.now() });
  const stores = await createStores(config.store, { instances: workers });
  await stores.close();
}

async function startPrimary(
  config: Config,
  workers: number,
  options: ClusterOptions,
  logger: Logger,
): Promise<RunningCluster> {
  const shutdownTimeoutMs = options.shutdownTimeoutMs ?? 15_000;
  const maxRestarts = options.maxRestartsPerMinute ?? 5;
  await prepareShared(config, workers);
  cluster.setupPrimary({
    ...(options.workerScript === undefined ? {} : { exec: options.workerScript }),
    // Workers would otherwise inherit an inspector port and fail to bind it.
    execArgv: process.execArgv.filter((arg) => !arg.startsWith('--inspect')),
    // Structured clone keeps NaN and infinities in metric values (JSON would turn them into null).
    serialization: 'advanced',
  });
  let nextId = 1;
  const waiting = new Map<number, Map<Worker, (message: ClusterMessage) => void>>();
  /** Sends a request to every live worker; resolves with each worker's answer, or none after the timeout. */
  const askAll = (
    make: (id: number) => ClusterMessage,
    timeoutMs: number,
  ): Promise<Array<{ worker: Worker; answer: ClusterMessage | undefined }>> => {
    const id = nextId++;
    const asked = [...live].filter((worker) => worker.isConnected());
    const answers = new Map<Worker, (message: ClusterMessage) => void>();
    waiting.set(id, answers);
    return Promise.all(
      asked.map(
        (worker) =>
          new Promise<{ worker: Worker; answer: ClusterMessage | undefined }>((resolve) => {
            const timer = setTimeout(() => {
              answers.delete(worker);
              resolve({ worker, answer: undefined });
            }, timeoutMs);
            answers.set(worker, (answer) => {
              clearTimeout(timer);
              answers.delete(worker);
              resolve({ worker, answer });
            });
            worker.send(make(id));
          }),
      ),
    ).finally(() => waiting.delete(id));
  };
  const answered = (worker: Worker, message: ClusterMessage & { id: number }) =>
    waiting.get(message.id)?.get(worker)?.(message);
  const gather = async (): Promise<MetricFamily[]> => {
    const answers = await askAll((id) => ({ portcullis: 'metrics-collect', id }), 2000);
    const reports: WorkerFamilies[] = answers.flatMap(({ worker, answer }) =>
      answer?.portcullis === 'metrics-report' ? [{ worker: worker.id, families: answer.families }] : [],
    );
    return [
      ...mergeWorkerFamilies(reports),
      {
        name: 'portcullis_cluster_workers',
        help: 'Worker processes alive, and how many of them answered this scrape in time.',
        type: 'gauge',
        samples: [
          { labels: { state: 'alive' }, value: answers.length },
          { labels: { state: 'reporting' }, value: reports.length },
        ],
      },
    ];
  };

  const live = new Set<Worker>();
  const restarts: number[] = [];
  const done = deferred();
  let stopping: Promise<void> | null = null;
  let url = '';

  const stopAll = (): Promise<void> => {
    stopping ??= (async () => {
      const exits = [...live].map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve();
            const timer = setTimeout(() => {
              logger.error({ pid: worker.process.pid }, 'worker did not drain in time: killed');
              worker.process.kill('SIGKILL');
            }, shutdownTimeoutMs);
            worker.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            if (worker.isConnected()) worker.send({ portcullis: 'shutdown' } satisfies ClusterMessage);
            else worker.process.kill('SIGTERM');
          }),
      );
      await Promise.all(exits);
    })();
    return stopping;
  };

  const fork = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const worker = cluster.fork();
      live.add(worker);
      let started = false;
      worker.on('message', (message: unknown) => {
        if (!isClusterMessage(message)) return;
        if (message.portcullis === 'reloaded' || message.portcullis === 'metrics-report') {
          answered(worker, message);
          return;
        }
        if (message.portcullis === 'metrics-request') {
          const id = message.id;
          gather().then(
            (families) => {
              if (worker.isConnected()) worker.send({ portcullis: 'metrics-response', id, families });
            },
            (error: unknown) => logger.error({ err: errorMessage(error) }, 'metrics collection failed'),
          );
          return;
        }
        if (message.portcullis === 'listening' && !started) {
          started = true;
          resolve(message.url);
        } else if (message.portcullis === 'failed' && !started) {
          reject(
            new ClusterError('cluster_worker_start_failed', `a worker failed to start: ${message.message}`),
          );
        }
      });
      worker.on('exit', (code, signal) => {
        live.delete(worker);
        if (!started) {
          reject(
            new ClusterError(
              'cluster_worker_start_failed',
              `a worker exited before listening (code ${code}, signal ${signal ?? 'none'})`,
            ),
          );
          return;
        }
        if (stopping !== null) return;
        if (!worker.exitedAfterDisconnect) onCrash(worker.process.pid, code, signal);
        // Every worker left on its own (each was told to stop, e.g. a signal to the process group).
        else if (live.size === 0) void stopAll().then(() => done.resolve());
      });
    });

  const onCrash = (pid: number | undefined, code: number, signal: string | null) => {
    const now = Date.now();
    while (restarts.length > 0 && restarts[0]! < now - 60_000) restarts.shift();
    if (restarts.length >= maxRestarts) {
      logger.fatal({ pid, code, signal, restarts: restarts.length }, 'workers keep crashing: stopping');
      void stopAll().then(() =>
        done.reject(
          new ClusterError('cluster_crash_loop', `more than ${maxRestarts} worker restarts in a minute`),
        ),
      );
      return;
    }
    restarts.push(now);
    logger.error({ pid, code, signal }, 'worker died: starting a replacement');
    fork().catch((error: unknown) => logger.error({ err: errorMessage(error) }, 'replacement worker failed'));
  };

  const started = await Promise.allSettled(Array.from({ length: workers }, fork));
  const failure = started.find((result) => result.status === 'rejected');
  if (failure !== undefined) {
    await stopAll();
    throw failure.reason;
  }
  url = (started[0] as PromiseFulfilledResult<string>).value;
  logger.info({ url, workers }, 'cluster listening');

  const reloadTimeoutMs = options.reloadTimeoutMs ?? 30_000;
  const reload = async (): Promise<ReloadOutcome> => {
    if (options.loadConfig === undefined) {
      const problems = ['this shield was started without a config file to read again'];
      logger.error({ problems }, 'config reload refused: the running config stays in force');
      return { ok: false, reason: 'no config source', problems };
    }
    // Checked here first, so a bad file is reported once and no worker is asked.
    try {
      await options.loadConfig();
    } catch (error) {
      const problems = reloadProblems(error);
      logger.error({ problems }, 'config reload refused: the running config stays in force');
      return { ok: false, reason: 'the config file does not load', problems };
    }
    const answers = await askAll((id) => ({ portcullis: 'reload', id }), reloadTimeoutMs);
    const outcomes = answers.map(({ worker, answer }) => ({
      worker: worker.id,
      outcome:
        answer?.portcullis === 'reloaded'
          ? answer.outcome
          : ({ ok: false, reason: 'no answer in time', problems: [] } as ReloadOutcome),
    }));
    const refused = outcomes.filter((entry) => !entry.outcome.ok);
    if (refused.length > 0) {
      logger.error(
        { workers: outcomes.length, refused: refused.map((entry) => entry.worker) },
        'config reload refused by some workers: they keep their running config',
      );
      const first = refused[0]!.outcome as Extract<ReloadOutcome, { ok: false }>;
      return { ok: false, reason: first.reason, problems: first.problems };
    }
    logger.info({ workers: outcomes.length }, 'config reloaded by every worker');
    const kept = outcomes[0]?.outcome.ok === true ? outcomes[0].outcome.kept : [];
    return { ok: true, kept };
  };

  let closing: Promise<void> | null = null;
  return {
    reload,
    role: 'primary',
    url,
    workers,
    workerPids: () =>
      [...live].flatMap((worker) => (worker.process.pid === undefined ? [] : [worker.process.pid])),
    closed: done.promise,
    close() {
      closing ??= stopAll().then(() => done.resolve());
      return closing;
    },
  };
}
