/** Shapes of the benchmark's settings and of `bench/results/<date>.json`. */

import type { StartupResult } from './startup/measure-startup.js';

/** `full`: the published figures; `quick`: about a minute; `tiny`: seconds, for the harness test. */
export type BenchMode = 'full' | 'quick' | 'tiny';

/** Ids of the systems the benchmark drives, in the order they are run. */
export const SETUP_IDS = [
  'upstream',
  'bare-proxy',
  'express',
  'nginx',
  'portcullis-memory',
  'portcullis-sqlite',
  'portcullis-nolimits',
  'portcullis-redis-limits',
  'portcullis-memory-proof',
  'portcullis-sqlite-proof',
  'portcullis-redis-proof',
  'portcullis-stream-plain',
  'portcullis-stream-scanned',
  'portcullis-cluster',
  'nginx-cluster',
  'console-overview',
] as const;
export type SetupId = (typeof SETUP_IDS)[number];

/**
 * Setups that only feed a ratio of two setups (limits on / off, proof / token only, scanned /
 * plain stream): each is
 * measured in the first round only, for at most {@link SHORT_SETUP_SECONDS} (keeps the default
 * run's length reasonable).
 */
export const SHORT_SETUP_IDS: readonly SetupId[] = [
  'portcullis-nolimits',
  'portcullis-redis-limits',
  'portcullis-memory-proof',
  'portcullis-sqlite-proof',
  'portcullis-redis-proof',
  'portcullis-stream-plain',
  'portcullis-stream-scanned',
];
/** Longest measured run of a {@link SHORT_SETUP_IDS} setup, seconds. */
export const SHORT_SETUP_SECONDS = 5;

export interface BenchSettings {
  mode: BenchMode;
  /** Seconds of load per measured run. */
  durationSeconds: number;
  /** Measured runs per setup (the median is reported). */
  repetitions: number;
  /** Seconds of unmeasured load before the first run of each setup. */
  warmupSeconds: number;
  connections: number;
  threads: number;
  /** Use nginx (upstream and baselines) when installed. */
  nginx: boolean;
  /** Use wrk when installed; otherwise autocannon. */
  wrk: boolean;
  /** Setups to run (default all that the machine can run). */
  setups: readonly SetupId[];
  /** Distinct tokens per flood phase, and phases. */
  flood: { tokensPerPhase: number; phases: number; invalidPerPhase: number; distinctIps: number };
  /** Iterations handed to each micro-benchmark. */
  micro: {
    tokens: number;
    apple: number;
    android: number;
    proofs: number;
    limits: number;
    /** @portcullis/verify against the shield's verifier, cache miss and hit. */
    verify: number;
  } | null;
  /** The scanner benchmark: size of the generated APK and measured scans of it, or null to skip. */
  scanner: { apkMb: number; rounds: number } | null;
  /** Run the scanner benchmark alone (no servers, flood or micro-benchmarks). */
  scannerOnly: boolean;
  /**
   * The startup setup: `portcullis --help` and `portcullis start` (to ready) from the built
   * output, each timed `runs` times; null skips it.
   */
  startup: { runs: number } | null;
  /** Folder of the results JSON. */
  resultsDir: string;
  /** Markdown file whose generated section is replaced, or null to leave docs alone. */
  docsFile: string | null;
}

/** What one load-tool run measured. */
export interface LoadResult {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  /** Responses outside 2xx/3xx. */
  non2xx: number;
  /** Connect, read, write and timeout errors. */
  errors: number;
}

/** One measured run of one setup. */
export interface RunFigures extends LoadResult {
  /** CPU used by the system under test (all its processes), percent of one core. */
  cpuPercent: number;
  /**
   * CPU time of the system under test per completed request, microseconds. Less sensitive than
   * rps to other processes taking the pinned core away (the machine is shared).
   */
  cpuUsPerRequest: number;
}

export interface SetupResult {
  id: SetupId;
  label: string;
  /** What runs, where it is pinned, and what it checks. */
  description: string;
  /** Null when the setup could not run on this machine (then `skipped` says why). */
  rps: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
  cpuPercent: number | null;
  cpuUsPerRequest: number | null;
  /** Peak resident memory of the system under test over all its runs, MB (all its processes). */
  peakRssMb: number | null;
  runs: RunFigures[];
  skipped?: string;
}

export interface FloodResult {
  /** The setup flooded: the SQLite shield (the default store) when it runs, else the memory one. */
  setup: SetupId;
  tokensPerPhase: number;
  invalidPerPhase: number;
  distinctIps: number;
  /** Bound of the verified-token cache (and of the device-revocation cache): phases after the first fill them over again. */
  tokenCacheEntries: number;
  /**
   * Memory is read after a full GC (the shield reports on SIGUSR2), so garbage not yet collected
   * does not count: RSS and live JS heap, MB, before the flood and after each phase.
   */
  rssBeforeMb: number;
  liveHeapBeforeMb: number;
  rssAfterPhaseMb: number[];
  liveHeapAfterPhaseMb: number[];
  rssAfterMb: number;
  /** RSS growth from the end of the first phase (caches full) to the end, percent. */
  growthAfterFirstPhasePercent: number;
  /** The same for the live heap. */
  heapGrowthAfterFirstPhasePercent: number;
  /** Answers by status over the whole flood. */
  statuses: Record<string, number>;
  errors: number;
}

export interface TargetResult {
  id: string;
  description: string;
  /** The measured value (ratio, ms or percent) or null when it could not be measured. */
  value: number | null;
  /** The target, written out (">= 1.0x"), or "report" when the issue only asks for the figure. */
  target: string;
  /** true: met; false: missed; null: not measured or nothing to meet. */
  pass: boolean | null;
  note?: string;
}

export interface BenchResults {
  schema: 1;
  startedAt: string;
  elapsedSeconds: number;
  mode: BenchMode;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryMb: number;
    os: string;
    loadAverageAtStart: number[];
    loadAverageAtEnd: number[];
  };
  node: string;
  tools: { load: string; nginx: string | null; taskset: boolean };
  settings: {
    durationSeconds: number;
    repetitions: number;
    warmupSeconds: number;
    connections: number;
    threads: number;
    /** CPU lists: the single-core system under test, the load tool and the upstream. */
    pinning: { sut: string | null; load: string | null; upstream: string | null };
    upstream: 'nginx' | 'node';
  };
  /** What the Portcullis setups were seen to enforce before the load. */
  checks: { tokenRequired: boolean; secretInjected: boolean; limitEnforced: boolean };
  setups: SetupResult[];
  flood: FloodResult | null;
  micro: Record<string, Record<string, number | null>>;
  /** `portcullis scan` figures; absent in runs made before it existed. */
  scanner?: ScannerBenchResult | null;
  /** The startup setup (absent in results written before it existed). */
  startup?: StartupResult | null;
  targets: TargetResult[];
}

/** What the scanner benchmark measured (bench/scanner-bench.ts). */
export interface ScannerBenchResult {
  apkBytes: number;
  /** Each measured scan of the planted APK: wall clock and CPU (all threads) seconds. */
  rounds: { seconds: number; cpuSeconds: number }[];
  seconds: number;
  mbPerSecond: number;
  mbPerCpuSecond: number;
  /** Planted keys that are alarms (public-by-design keys are planted too but not counted). */
  planted: number;
  /** Share of them the full scan found, by rule and entry. */
  recall: number;
  /** Findings above information on the clean build. */
  cleanAlarms: number;
  /** Both engines on the same extracted text (strings of every entry). */
  text: {
    files: number;
    bytes: number;
    secretlint: string;
    /** Wall clock and CPU seconds of one pass over the text (medians of the rounds). */
    portcullisSeconds: number;
    secretlintSeconds: number;
    portcullisCpuSeconds: number;
    secretlintCpuSeconds: number;
    /** MB of text per CPU-second. */
    portcullisMbPerSecond: number;
    secretlintMbPerSecond: number;
    /** secretlint CPU seconds / portcullis CPU seconds. */
    speedup: number;
    portcullisRecall: number;
    secretlintRecall: number;
    portcullisCleanAlarms: number;
    secretlintCleanAlarms: number;
  };
}
