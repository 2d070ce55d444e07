import type { LoadResult } from '../types.js';

const UNITS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function milliseconds(value: string, unit: string): number {
  const factor = UNITS[unit];
  if (factor === undefined) throw new Error(`wrk: unknown latency unit ${unit}`);
  return Number(value) * factor;
}

/**
 * Reads the figures out of `wrk --latency` output: requests per second, the 50th and 99th
 * latency percentiles, completed requests, non-2xx/3xx answers and socket errors. Throws when a
 * figure is missing (a wrk that failed to run prints none).
 *
 * @example
 * ```ts
 * const { rps, p99Ms } = parseWrkOutput(stdout);
 * ```
 */
export function parseWrkOutput(text: string): LoadResult {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(text);
  const p50 = /^\s+50%\s+([\d.]+)(us|ms|s|m)\b/m.exec(text);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\b/m.exec(text);
  const total = /^\s+(\d+) requests in /m.exec(text);
  if (rps === null || p50 === null || p99 === null || total === null) {
    throw new Error(`wrk output without figures:\n${text.slice(0, 2000)}`);
  }
  const non2xx = /^\s+Non-2xx or 3xx responses:\s+(\d+)/m.exec(text);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  const errors = socket === null ? 0 : socket.slice(1).reduce((sum, each) => sum + Number(each), 0);
  return {
    rps: Number(rps[1]),
    p50Ms: milliseconds(p50[1]!, p50[2]!),
    p99Ms: milliseconds(p99[1]!, p99[2]!),
    requests: Number(total[1]),
    non2xx: non2xx === null ? 0 : Number(non2xx[1]),
    errors,
  };
}
