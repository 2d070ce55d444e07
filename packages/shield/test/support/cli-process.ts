import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';

// The CLI from its sources, run by tsx (the published bin runs the built dist/, which a test
// run does not build; the pack test covers the bin).
const ENTRY = new URL('../../src/cli/entry.ts', import.meta.url).pathname;

/** A `portcullis` command running as a child process, its output collected. */
export interface CliProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** Resolves with the exit code. */
  readonly exited: Promise<number | null>;
  /**
   * Resolves once the output after `from` (a length of `output()`) matches `pattern`; rejects
   * when the process exits first or after `timeoutMs` (default 60 s), with the output.
   */
  waitFor(pattern: RegExp, from?: number, timeoutMs?: number): Promise<void>;
  /** Sends `signal` (SIGKILL when it is still running at the end of a test). */
  kill(signal?: NodeJS.Signals): void;
}

/** Runs the real CLI (`portcullis`, from its sources) with `args`. */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): CliProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  let code: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (exitCode) => {
      code = exitCode;
      for (const listener of listeners) listener();
      resolve(exitCode);
    }),
  );
  return {
    child,
    output: () => output,
    exited,
    waitFor(pattern, from = 0, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (pattern.test(output.slice(from))) {
            done();
            resolve();
          } else if (code !== undefined) {
            done();
            reject(new Error(`exited (${code}) before ${pattern}:\n${output}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${pattern} within ${timeoutMs} ms:\n${output}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}
