import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** How to run the `portcullis` command: a program and the arguments before the command's own. */
export interface CliCommand {
  command: string;
  args: readonly string[];
  /** Added to this process's environment. */
  env?: Record<string, string>;
}

/** Median, 99th percentile and extremes of repeated timings, ms. */
export interface TimingSummary {
  medianMs: number;
  p99Ms: number;
  minMs: number;
  maxMs: number;
}

export interface StartupResult {
  /** What was run, e.g. `node packages/shield/bin/portcullis.mjs` (the built output). */
  command: string;
  /** Measured runs of each (after one unmeasured warm-up run). */
  runs: number;
  /** `portcullis --help`: from spawn to exit. */
  help: TimingSummary;
  /**
   * `portcullis start` with the config `portcullis init` writes (SQLite store, no apps yet): from
   * spawn to the `listening` log line (the public port accepts connections then).
   */
  startReady: TimingSummary;
}

/**
 * Nearest-rank percentile of `values` (0 < p <= 100).
 *
 * @example
 * ```ts
 * percentile([3, 1, 2], 50); // 2
 * ```
 */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new TypeError('percentile of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

/** The summary of a list of timings, rounded to 0.1 ms. */
export function summarize(values: readonly number[]): TimingSummary {
  const round = (ms: number) => Math.round(ms * 10) / 10;
  return {
    medianMs: round(percentile(values, 50)),
    p99Ms: round(percentile(values, 99)),
    minMs: round(Math.min(...values)),
    maxMs: round(Math.max(...values)),
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address !== null ? resolve(address.port) : reject()));
    });
  });
}

/** Runs the CLI to completion; resolves with its output and how long it took, ms. */
function timeRun(
  cli: CliCommand,
  args: readonly string[],
  cwd: string,
): Promise<{ ms: number; output: string }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cli.command, [...cli.args, ...args], {
      cwd,
      env: { ...process.env, ...cli.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (code === 0) resolve({ ms, output });
      else reject(new Error(`portcullis ${args.join(' ')} exited ${code}:\n${output.slice(-2000)}`));
    });
  });
}

/** Starts the shield, resolves with the time to its `listening` log line, then stops it (SIGTERM, exit 0). */
function timeStart(cli: CliCommand, config: string, cwd: string, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(cli.command, [...cli.args, 'start', '--config', config], {
      cwd,
      env: { ...process.env, ...cli.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let readyMs: number | undefined;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`portcullis start was not ready after ${timeoutMs} ms:\n${output.slice(-2000)}`));
    }, timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (readyMs === undefined && /"msg":"listening"/.test(output)) {
        readyMs = Number(process.hrtime.bigint() - started) / 1e6;
        child.kill('SIGTERM');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (readyMs !== undefined && code === 0) resolve(readyMs);
      else reject(new Error(`portcullis start exited ${code} before it was ready:\n${output.slice(-2000)}`));
    });
  });
}

/**
 * Times `portcullis --help` and `portcullis start` (to ready) `runs` times each, one after the
 * other, after one unmeasured run of each (the first run also reads everything from disk). The
 * shield runs on the config `portcullis init` writes, in a temporary folder removed afterwards.
 *
 * @example
 * ```ts
 * const result = await measureStartup({ cli: { command: process.execPath, args: [bin] }, runs: 20 });
 * ```
 */
export async function measureStartup(options: {
  cli: CliCommand;
  runs: number;
  /** Longest wait for one start, ms. Default 30 000. */
  readyTimeoutMs?: number;
  log?: (line: string) => void;
}): Promise<StartupResult> {
  const { cli, runs } = options;
  if (!Number.isInteger(runs) || runs < 1)
    throw new TypeError('measureStartup: runs must be a positive integer');
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-startup-'));
  try {
    const port = await freePort();
    await timeRun(cli, ['init', '--dir', dir, '--port', String(port)], dir);
    const config = join(dir, 'portcullis.yaml');
    const help: number[] = [];
    const ready: number[] = [];
    for (let run = 0; run <= runs; run++) {
      const helpRun = await timeRun(cli, ['--help'], dir);
      if (!helpRun.output.includes('Usage: portcullis'))
        throw new Error('portcullis --help printed no usage');
      const readyMs = await timeStart(cli, config, dir, options.readyTimeoutMs ?? 30_000);
      if (run === 0) continue;
      help.push(helpRun.ms);
      ready.push(readyMs);
    }
    const result: StartupResult = {
      command: [cli.command, ...cli.args].join(' '),
      runs,
      help: summarize(help),
      startReady: summarize(ready),
    };
    options.log?.(
      `startup: --help median ${result.help.medianMs} ms (p99 ${result.help.p99Ms}), start ready median ${result.startReady.medianMs} ms (p99 ${result.startReady.p99Ms})`,
    );
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The startup setup of `npm run bench`: builds the packages (`npm run build`, incremental), then
 * times the published command, `node packages/shield/bin/portcullis.mjs`, on the built output.
 */
export async function measureBuiltStartup(runs: number, log: (line: string) => void): Promise<StartupResult> {
  log('startup: building the packages (npm run build)');
  const build = spawnSync(
    process.execPath,
    [join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json'],
    {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    },
  );
  if (build.status !== 0) throw new Error(`npm run build failed:\n${build.stdout}${build.stderr}`);
  log(`startup: ${runs} timed runs each of --help and start`);
  const result = await measureStartup({
    cli: {
      command: process.execPath,
      args: [join(REPO_ROOT, 'packages', 'shield', 'bin', 'portcullis.mjs')],
    },
    runs,
    log,
  });
  return { ...result, command: 'node packages/shield/bin/portcullis.mjs' };
}
