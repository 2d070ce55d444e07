import { spawnSync } from 'node:child_process';

/** External tools the benchmark uses when present. */
export interface Tools {
  /** `wrk 4.1.0` or null when not installed. */
  wrk: string | null;
  /** `1.22.1` or null when not installed. */
  nginx: string | null;
  /** taskset (util-linux) can pin processes. */
  taskset: boolean;
}

function output(command: string, args: string[]): string | null {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 5000 });
  if (result.error !== undefined) return null;
  return `${result.stdout ?? ''}${result.stderr ?? ''}`;
}

/** Looks for wrk, nginx and taskset on the PATH (Debian: `apt-get install wrk nginx-light util-linux`). */
export function probeTools(): Tools {
  const wrk = output('wrk', ['-v']);
  const nginx = output('nginx', ['-v']);
  const taskset = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  return {
    wrk: wrk === null ? null : `wrk ${/wrk\s+(\S+)/.exec(wrk)?.[1] ?? 'unknown'}`,
    nginx: nginx === null ? null : (/nginx\/(\S+)/.exec(nginx)?.[1] ?? 'unknown'),
    taskset,
  };
}
