import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

/** CPU and memory of one process and its descendants, read from /proc (Linux). */
export interface ProcessTreeStats {
  /** The process and every descendant alive when read. */
  pids: number[];
  /** utime + stime of those processes, in seconds. */
  cpuSeconds: number;
  /** Sum of their resident set sizes, bytes. */
  rssBytes: number;
  /** Sum of their peak resident set sizes (VmHWM), bytes: an upper bound of the tree's peak. */
  hwmBytes: number;
}

let clockTicks: number | undefined;

function ticksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

/** Fields of /proc/<pid>/stat after the command name (which may hold spaces and parentheses). */
function statFields(pid: number): string[] | null {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return null;
  }
}

function statusKb(pid: number, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(
      readFileSync(`/proc/${pid}/status`, 'utf8'),
    );
    return match === null ? 0 : Number(match[1]);
  } catch {
    return 0;
  }
}

function commandName(pid: number): string {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.indexOf('(') + 1, text.lastIndexOf(')'));
  } catch {
    return '';
  }
}

/**
 * tsx runs TypeScript through an esbuild service, a child process of every Node server started
 * with `--import tsx`; it transforms sources at start-up and then idles. It is tooling, not the
 * system under test, and would add the same tens of MB to each Node setup: left out.
 */
const TOOLING = new Set(['esbuild']);

/**
 * `pid` and every live descendant (nginx workers, cluster workers); tsx's esbuild service only
 * with `withTooling` (to stop it, not to measure it).
 */
export function listProcessTree(pid: number, withTooling = false): number[] {
  const children = new Map<number, number[]>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [pid];
  }
  for (const name of entries) {
    if (!/^\d+$/.test(name)) continue;
    const fields = statFields(Number(name));
    // Field 4 of stat is the parent pid; after the name, it is index 1.
    const parent = fields === null ? Number.NaN : Number(fields[1]);
    if (!Number.isInteger(parent)) continue;
    const list = children.get(parent) ?? [];
    list.push(Number(name));
    children.set(parent, list);
  }
  const tree: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (statFields(next) === null || (!withTooling && TOOLING.has(commandName(next)))) continue;
    tree.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return tree;
}

/** CPU time and memory of `pid` and its descendants now. */
export function readProcessTree(pid: number): ProcessTreeStats {
  const pids = listProcessTree(pid);
  let ticks = 0;
  let rssKb = 0;
  let hwmKb = 0;
  for (const each of pids) {
    const fields = statFields(each);
    // utime and stime are stat fields 14 and 15: indices 11 and 12 after the name.
    if (fields !== null) ticks += Number(fields[11]) + Number(fields[12]);
    rssKb += statusKb(each, 'VmRSS');
    hwmKb += statusKb(each, 'VmHWM');
  }
  return { pids, cpuSeconds: ticks / ticksPerSecond(), rssBytes: rssKb * 1024, hwmBytes: hwmKb * 1024 };
}

/** Samples the tree's summed RSS every `intervalMs` until stopped; `stop` returns the peak in bytes. */
export function sampleTreeRss(pid: number, intervalMs = 200): { stop(): number } {
  let peak = readProcessTree(pid).rssBytes;
  const timer = setInterval(() => {
    peak = Math.max(peak, readProcessTree(pid).rssBytes);
  }, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, readProcessTree(pid).rssBytes);
    },
  };
}

/** True while a process with this pid runs (a zombie waiting to be reaped does not count). */
export function isAlive(pid: number): boolean {
  const fields = statFields(pid);
  return fields !== null && fields[0] !== 'Z';
}
