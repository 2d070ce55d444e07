import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { isAlive, listProcessTree } from './process-stats.js';

/** How a child announces it is ready. */
export type ReadySignal =
  /** A stdout line holding a JSON object with `"benchReady": true` (its other members are returned). */
  | { kind: 'json-line' }
  /** The TCP port accepts connections on 127.0.0.1. */
  | { kind: 'port'; port: number };

export interface StartOptions {
  /** Name in logs and errors. */
  name: string;
  command: string;
  args: readonly string[];
  env?: Record<string, string>;
  cwd?: string;
  /** CPU list for taskset (e.g. "0"); undefined runs unpinned. */
  cpus?: string | undefined;
  ready: ReadySignal;
  /** Default 60000 (cold tsx starts on a busy machine are slow). */
  readyTimeoutMs?: number;
  /** Signal that asks the child to stop. Default SIGTERM; nginx's graceful stop is SIGQUIT (its master then reaps its workers). */
  stopSignal?: NodeJS.Signals;
}

export interface StartedProcess {
  readonly name: string;
  readonly pid: number;
  /** What the JSON ready line carried (empty for a port signal). */
  readonly info: Record<string, unknown>;
  /** The last 4 KB of stdout and stderr, for error messages. */
  output(): string;
  /** The next stdout line that is a JSON object with member `key` (after this call). */
  nextJsonLine(key: string, timeoutMs: number): Promise<Record<string, unknown>>;
  /** SIGTERM, then SIGKILL after `graceMs`; then SIGKILL to any descendant still alive, each by its pid. */
  stop(graceMs?: number): Promise<void>;
}

export interface ProcessGroup {
  /** Spawns a child and waits until it is ready; the child is stopped again if it never gets there. */
  start(options: StartOptions): Promise<StartedProcess>;
  /** Runs a child to completion and returns its stdout (throws on a non-zero exit or after `timeoutMs`). */
  run(options: Omit<StartOptions, 'ready'> & { timeoutMs: number }): Promise<string>;
  /** Stops every child still running, each by its own pid. */
  stopAll(): Promise<void>;
  /** Synchronous last resort (process exit): SIGKILL to every known pid. */
  killAllNow(): void;
}

const TAIL = 4096;

function withCpus(
  options: Omit<StartOptions, 'ready'>,
  taskset: boolean,
): { command: string; args: string[] } {
  // taskset execs the command, so the child's pid is the command's own pid.
  if (options.cpus === undefined || !taskset) return { command: options.command, args: [...options.args] };
  return { command: 'taskset', args: ['-c', options.cpus, options.command, ...options.args] };
}

function waitForPort(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/**
 * The children of one benchmark run. Every child is started here and stopped by its own pid
 * (descendants such as nginx or cluster workers are recorded while they run and killed by pid if
 * they outlive their parent); nothing is ever killed by name.
 */
export function createProcessGroup(options: { taskset: boolean }): ProcessGroup {
  const live = new Map<number, { child: ChildProcess; descendants: Set<number>; signal: NodeJS.Signals }>();

  function track(child: ChildProcess, name: string, signal: NodeJS.Signals = 'SIGTERM') {
    let tail = '';
    const keep = (chunk: Buffer) => {
      tail = (tail + chunk.toString('utf8')).slice(-TAIL);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const pid = child.pid;
    if (pid === undefined) throw new Error(`${name}: could not be started`);
    const entry = { child, descendants: new Set<number>(), signal };
    live.set(pid, entry);
    child.once('exit', () => live.delete(pid));
    return { pid, entry, output: () => tail };
  }

  async function stopOne(
    child: ChildProcess,
    descendants: Set<number>,
    graceMs: number,
    signal: NodeJS.Signals = 'SIGTERM',
  ): Promise<void> {
    const pid = child.pid;
    if (pid !== undefined)
      for (const each of listProcessTree(pid, true)) if (each !== pid) descendants.add(each);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exitOf(child);
      clearTimeout(timer);
    }
    // Give descendants a moment to follow their parent, then kill stragglers by pid.
    const until = Date.now() + graceMs;
    while ([...descendants].some(isAlive) && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    for (const each of descendants) {
      if (!isAlive(each)) continue;
      try {
        process.kill(each, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  }

  return {
    async start(start) {
      const spawnSpec = withCpus(start, options.taskset);
      const child = spawn(spawnSpec.command, spawnSpec.args, {
        cwd: start.cwd,
        env: { ...process.env, ...start.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const spawned = await new Promise<Error | null>((resolve) => {
        child.once('spawn', () => resolve(null));
        child.once('error', (error) => resolve(error));
      });
      if (spawned !== null) throw new Error(`${start.name}: ${spawned.message}`);
      const { pid, entry, output } = track(child, start.name, start.stopSignal);
      const stop = (graceMs = 5000) => stopOne(child, entry.descendants, graceMs, entry.signal);
      const timeoutMs = start.readyTimeoutMs ?? 60_000;
      try {
        const info = await new Promise<Record<string, unknown>>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`${start.name}: not ready within ${timeoutMs} ms\n${output()}`)),
            timeoutMs,
          );
          child.once('exit', (code, signal) => {
            clearTimeout(timer);
            reject(new Error(`${start.name}: exited before it was ready (${code ?? signal})\n${output()}`));
          });
          if (start.ready.kind === 'json-line') {
            let buffered = '';
            const onData = (chunk: Buffer) => {
              buffered += chunk.toString('utf8');
              let newline = buffered.indexOf('\n');
              while (newline !== -1) {
                const line = buffered.slice(0, newline);
                buffered = buffered.slice(newline + 1);
                newline = buffered.indexOf('\n');
                if (!line.includes('"benchReady"')) continue;
                try {
                  const parsed = JSON.parse(line) as Record<string, unknown>;
                  if (parsed['benchReady'] !== true) continue;
                  child.stdout?.off('data', onData);
                  clearTimeout(timer);
                  resolve(parsed);
                  return;
                } catch {
                  // Not our line.
                }
              }
            };
            child.stdout?.on('data', onData);
          } else {
            const port = start.ready.port;
            const poll = async () => {
              while (child.exitCode === null) {
                if (await waitForPort(port)) {
                  clearTimeout(timer);
                  resolve({});
                  return;
                }
                await new Promise((r) => setTimeout(r, 100));
              }
            };
            void poll();
          }
        });
        const nextJsonLine = (key: string, lineTimeoutMs: number) =>
          new Promise<Record<string, unknown>>((resolve, reject) => {
            let buffered = '';
            const done = () => {
              clearTimeout(timer);
              child.stdout?.off('data', onData);
            };
            const timer = setTimeout(() => {
              done();
              reject(new Error(`${start.name}: no "${key}" line within ${lineTimeoutMs} ms`));
            }, lineTimeoutMs);
            const onData = (chunk: Buffer) => {
              buffered += chunk.toString('utf8');
              const lines = buffered.split('\n');
              buffered = lines.pop() ?? '';
              for (const line of lines) {
                if (!line.includes(`"${key}"`)) continue;
                try {
                  const parsed = JSON.parse(line) as Record<string, unknown>;
                  if (parsed[key] === undefined) continue;
                  done();
                  resolve(parsed);
                  return;
                } catch {
                  // Not a JSON line.
                }
              }
            };
            child.stdout?.on('data', onData);
          });
        return { name: start.name, pid, info, output, nextJsonLine, stop };
      } catch (error) {
        await stop(1000);
        throw error;
      }
    },

    async run(run) {
      const spawnSpec = withCpus(run, options.taskset);
      const child = spawn(spawnSpec.command, spawnSpec.args, {
        cwd: run.cwd,
        env: { ...process.env, ...run.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString('utf8');
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr = (stderr + chunk.toString('utf8')).slice(-TAIL);
      });
      const result = await new Promise<{ code: number | null; error?: Error }>((resolve) => {
        child.once('error', (error) => resolve({ code: null, error }));
        child.once('spawn', () => {
          const { entry } = track(child, run.name);
          const timer = setTimeout(() => void stopOne(child, entry.descendants, 1000), run.timeoutMs);
          child.once('exit', (code) => {
            clearTimeout(timer);
            resolve({ code });
          });
        });
      });
      if (result.error !== undefined) throw new Error(`${run.name}: ${result.error.message}`);
      if (result.code !== 0)
        throw new Error(`${run.name}: exited with ${result.code}\n${stderr}${stdout.slice(-TAIL)}`);
      return stdout;
    },

    async stopAll() {
      await Promise.all(
        [...live.values()].map(({ child, descendants, signal }) => stopOne(child, descendants, 5000, signal)),
      );
    },

    killAllNow() {
      for (const [pid, { descendants }] of live) {
        for (const each of [pid, ...descendants, ...listProcessTree(pid, true)]) {
          try {
            process.kill(each, 'SIGKILL');
          } catch {
            // Already gone.
          }
        }
      }
    },
  };
}
