import type { LoadResult } from '../types.js';

function figure(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new Error(`autocannon JSON without ${name}`);
  return value;
}

/**
 * Reads the figures out of `autocannon --json` output (the last JSON line of stdout). Its
 * `requests.average` is the mean of per-second samples; `latency.p50`/`p99` are milliseconds.
 *
 * @example
 * ```ts
 * const { rps } = parseAutocannonJson(stdout);
 * ```
 */
export function parseAutocannonJson(text: string): LoadResult {
  const line = text
    .trim()
    .split('\n')
    .reverse()
    .find((each) => each.startsWith('{'));
  if (line === undefined) throw new Error(`autocannon printed no JSON:\n${text.slice(0, 2000)}`);
  const report = JSON.parse(line) as {
    requests?: { average?: unknown; total?: unknown };
    latency?: { p50?: unknown; p99?: unknown };
    non2xx?: unknown;
    errors?: unknown;
    timeouts?: unknown;
  };
  return {
    rps: figure(report.requests?.average, 'requests.average'),
    p50Ms: figure(report.latency?.p50, 'latency.p50'),
    p99Ms: figure(report.latency?.p99, 'latency.p99'),
    requests: figure(report.requests?.total, 'requests.total'),
    non2xx: figure(report.non2xx, 'non2xx'),
    errors: figure(report.errors, 'errors') + figure(report.timeouts ?? 0, 'timeouts'),
  };
}
