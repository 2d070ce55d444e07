import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { type BenchMode, type BenchSettings, SETUP_IDS, type SetupId } from './types.js';

/** Text of `npm run bench -- --help`. */
export const BENCH_USAGE = `npm run bench [-- options]

Starts an upstream, the Portcullis gateway and the baselines on loopback, drives each with the
same load tool and settings, and writes bench/results/<date>.json and the table in
docs/benchmarks.md. wrk and nginx are used when installed (Debian: apt-get install wrk
nginx-light); without wrk the load tool is autocannon, without nginx its setups are skipped.

  --quick              one to two minutes: 2 s runs, one repetition, smaller flood (docs untouched)
  --duration <s>       seconds per measured run (default 10)
  --reps <n>           measured runs per setup; the median is reported (default 3)
  --only <a,b,...>     run only these setups: ${SETUP_IDS.join(', ')}, startup
                       (only startup: no load, flood or micro-benchmarks)
  --startup-runs <n>   timed runs of --help and of start in the startup setup (default 30)
  --no-startup         skip the startup setup
  --no-nginx           skip nginx even when installed
  --no-wrk             use autocannon even when wrk is installed
  --no-micro           skip the micro-benchmarks
  --no-flood           skip the flood of distinct tokens, devices and IPs
  --no-scanner         skip the portcullis scan benchmark
  --scanner-only       only the portcullis scan benchmark (a generated APK of at least 100 MB)
  --results <dir>      folder of the results JSON (default bench/results)
  --docs <file>        Markdown file to update (default docs/benchmarks.md; --no-docs to skip)
  --tiny               seconds-long smoke run for the harness test (no nginx, docs untouched)
  --render <file>      re-judge a saved results JSON and rewrite the section of docs/benchmarks.md
`;

const DEFAULTS: Record<
  BenchMode,
  Omit<BenchSettings, 'resultsDir' | 'docsFile' | 'setups' | 'nginx' | 'wrk' | 'scannerOnly'>
> = {
  full: {
    mode: 'full',
    durationSeconds: 10,
    repetitions: 3,
    warmupSeconds: 2,
    connections: 64,
    threads: 2,
    flood: { tokensPerPhase: 12_000, phases: 3, invalidPerPhase: 1_000, distinctIps: 1_000 },
    micro: { tokens: 2000, apple: 100, android: 100, proofs: 500, limits: 5000, verify: 2000 },
    scanner: { apkMb: 110, rounds: 3 },
    startup: { runs: 30 },
  },
  quick: {
    mode: 'quick',
    durationSeconds: 2,
    repetitions: 1,
    warmupSeconds: 1,
    connections: 64,
    threads: 2,
    flood: { tokensPerPhase: 10_500, phases: 2, invalidPerPhase: 200, distinctIps: 200 },
    micro: { tokens: 500, apple: 30, android: 30, proofs: 100, limits: 1000, verify: 500 },
    scanner: { apkMb: 110, rounds: 1 },
    startup: { runs: 10 },
  },
  tiny: {
    mode: 'tiny',
    durationSeconds: 1,
    repetitions: 1,
    warmupSeconds: 0,
    connections: 16,
    threads: 2,
    flood: { tokensPerPhase: 100, phases: 1, invalidPerPhase: 10, distinctIps: 10 },
    micro: { tokens: 100, apple: 0, android: 0, proofs: 0, limits: 0, verify: 0 },
    scanner: { apkMb: 3, rounds: 1 },
    startup: null,
  },
};

const TINY_SETUPS: readonly SetupId[] = ['upstream', 'bare-proxy', 'express', 'portcullis-memory'];

function positive(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const number = Number(value);
  if (!Number.isFinite(number) || number <= 0) throw new TypeError(`--${name} must be a positive number`);
  return number;
}

/**
 * Settings from `npm run bench` arguments; `root` is the repository root. Throws a TypeError
 * naming the argument on bad input.
 *
 * @example
 * ```ts
 * const settings = parseBenchArgs(['--quick'], '/work/main');
 * ```
 */
export function parseBenchArgs(argv: readonly string[], root: string): BenchSettings | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: 'boolean' },
      tiny: { type: 'boolean' },
      duration: { type: 'string' },
      reps: { type: 'string' },
      only: { type: 'string' },
      'no-nginx': { type: 'boolean' },
      'no-wrk': { type: 'boolean' },
      'no-micro': { type: 'boolean' },
      'no-flood': { type: 'boolean' },
      'no-scanner': { type: 'boolean' },
      'scanner-only': { type: 'boolean' },
      'no-startup': { type: 'boolean' },
      'startup-runs': { type: 'string' },
      results: { type: 'string' },
      docs: { type: 'string' },
      'no-docs': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help === true) return 'help';
  const mode: BenchMode = values.tiny === true ? 'tiny' : values.quick === true ? 'quick' : 'full';
  const base = DEFAULTS[mode];
  let setups: readonly SetupId[] = mode === 'tiny' ? TINY_SETUPS : SETUP_IDS;
  let startupWanted = values['no-startup'] !== true;
  if (values.only !== undefined) {
    const wanted = values.only.split(',').map((each) => each.trim());
    for (const each of wanted) {
      if (each !== 'startup' && !(SETUP_IDS as readonly string[]).includes(each))
        throw new TypeError(`--only: unknown setup ${each}`);
    }
    setups = SETUP_IDS.filter((id) => wanted.includes(id));
    startupWanted = wanted.includes('startup');
  }
  const startupRuns = positive(values['startup-runs'], 'startup-runs', base.startup?.runs ?? 10);
  if (!Number.isInteger(startupRuns)) throw new TypeError('--startup-runs must be a whole number');
  const startup =
    startupWanted && (base.startup !== null || values.only !== undefined) ? { runs: startupRuns } : null;
  // `--only startup` alone: the startup setup and nothing else.
  const startupOnly = setups.length === 0 && startup !== null;
  const repetitions = positive(values.reps, 'reps', base.repetitions);
  if (!Number.isInteger(repetitions)) throw new TypeError('--reps must be a whole number');
  return {
    ...base,
    durationSeconds: positive(values.duration, 'duration', base.durationSeconds),
    repetitions,
    setups,
    nginx: mode !== 'tiny' && values['no-nginx'] !== true,
    wrk: values['no-wrk'] !== true,
    micro: values['no-micro'] === true || startupOnly ? null : base.micro,
    scanner: values['no-scanner'] === true || startupOnly ? null : base.scanner,
    scannerOnly: values['scanner-only'] === true,
    flood: values['no-flood'] === true || startupOnly ? { ...base.flood, phases: 0 } : base.flood,
    startup,
    resultsDir: values.results ?? join(root, 'bench', 'results'),
    docsFile:
      values['no-docs'] === true || (mode !== 'full' && values.docs === undefined)
        ? null
        : (values.docs ?? join(root, 'docs', 'benchmarks.md')),
  };
}
