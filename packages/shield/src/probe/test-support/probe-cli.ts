/**
 * Helpers of the probe's tests: configs written to a temporary folder, and the real CLI run in
 * process with its output captured.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../cli/io.js';
import { run } from '../../cli/main.js';
import type { ProbeReport } from '../run-probe.js';

export interface ProbeRun {
  code: number;
  out: string;
  err: string;
  /** The parsed --json report, when the run printed one. */
  report: ProbeReport | undefined;
}

/** A temporary folder with an empty Android status list, removed by `remove`. */
export async function probeFolder(): Promise<{
  dir: string;
  write(name: string, text: string): Promise<string>;
  remove(): Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-probe-test-'));
  await writeFile(join(dir, 'android-status.json'), '{"entries":{}}');
  return {
    dir,
    async write(name, text) {
      const path = join(dir, name);
      await writeFile(path, text);
      return path;
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Runs `portcullis probe ...args` in process. */
export async function probeCli(args: string[], env: Record<string, string>, cwd: string): Promise<ProbeRun> {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    env: { PATH: process.env['PATH'] ?? '', ...env },
    cwd,
  };
  const code = await run(['probe', ...args], io);
  const text = out.join('\n');
  let report: ProbeReport | undefined;
  if (args.includes('--json')) {
    try {
      report = JSON.parse(text) as ProbeReport;
    } catch {
      report = undefined;
    }
  }
  return { code, out: text, err: err.join('\n'), report };
}

/** The cases of a report that got through, as `id@route`. */
export function gotThrough(report: ProbeReport): string[] {
  return report.cases.filter((c) => c.outcome === 'got-through').map((c) => `${c.id}@${c.route ?? '-'}`);
}
