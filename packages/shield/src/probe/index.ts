export { connectTarget, type TargetOptions } from './connect-target.js';
export { formatProbeReport } from './format-probe-report.js';
export type { ProbeCaseResult, ProbeEnvironment, ProbeMode, ProbeOutcome } from './probe-types.js';
export { type ProbeReport, probeExitCode, type RunProbeOptions, runProbe } from './run-probe.js';
export { startDryRun } from './start-dry-run.js';
