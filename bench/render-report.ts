import type { TimingSummary } from './startup/measure-startup.js';
import type { BenchResults, ScannerBenchResult, TargetResult } from './types.js';

/** Markers of the section of docs/benchmarks.md that `npm run bench` rewrites. */
export const REPORT_BEGIN = '<!-- bench:results:begin (written by npm run bench; edit around it) -->';
export const REPORT_END = '<!-- bench:results:end -->';

function figure(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined) return '–';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function verdict(row: TargetResult): string {
  if (row.pass === true) return 'met';
  if (row.pass === false) return '**missed**';
  return row.target === 'report' ? 'reported' : 'not measured';
}

function targetValue(row: TargetResult): string {
  if (row.value === null) return '–';
  if (row.id === 'limits-enforced') return row.value === 1 ? 'yes' : 'no';
  if (row.id.startsWith('p99')) return `${row.value >= 0 ? '+' : ''}${figure(row.value, 2)} ms`;
  if (row.id.startsWith('flood')) return `${figure(row.value, 1)} %`;
  if (row.id === 'scanner-throughput') return `${figure(row.value, 1)} MB/s`;
  if (row.id === 'scanner-recall') return `${figure(row.value * 100, 0)} %`;
  if (row.id === 'scanner-clean-alarms') return figure(row.value);
  if (row.id.startsWith('startup')) return `${figure(row.value, 1)} ms`;
  return `${figure(row.value, 2)}x`;
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/**
 * The results of one run as Markdown: setups, targets (met / missed), the flood and the
 * micro-benchmarks. Deterministic for a given results object.
 */
export function renderReport(results: BenchResults): string {
  const bare = results.setups.find((setup) => setup.id === 'bare-proxy')?.rps ?? null;
  const setups = table(
    [
      'setup',
      'rps (median)',
      'vs bare proxy',
      'p50 ms',
      'p99 ms',
      'CPU %',
      'CPU µs/request',
      'peak RSS MB',
      'what runs',
    ],
    results.setups.map((setup) => [
      setup.label,
      setup.rps === null ? `skipped: ${setup.skipped ?? 'not run'}` : figure(setup.rps),
      setup.rps === null || bare === null || bare === 0 ? '–' : `${figure(setup.rps / bare, 2)}x`,
      figure(setup.p50Ms, 2),
      figure(setup.p99Ms, 2),
      figure(setup.cpuPercent),
      figure(setup.cpuUsPerRequest),
      figure(setup.peakRssMb),
      setup.description,
    ]),
  );
  const targets = table(
    ['target', 'measured', 'goal', 'verdict'],
    results.targets.map((row) => [
      row.note === undefined ? row.description : `${row.description} (${row.note})`,
      targetValue(row),
      row.target,
      verdict(row),
    ]),
  );
  const micro = table(
    ['micro-benchmark', 'figure', 'per second'],
    Object.entries(results.micro).flatMap(([name, values]) =>
      Object.entries(values).map(([key, value]) => [name, key, value === null ? 'skipped' : figure(value)]),
    ),
  );
  const flood = results.flood;
  const floodText =
    flood === null
      ? 'No flood in this run.'
      : `Flooded \`${flood.setup}\` with ${flood.rssAfterPhaseMb.length} phases of ${figure(flood.tokensPerPhase)} distinct valid tokens (each another registered device), ${figure(flood.invalidPerPhase)} forged tokens and ${figure(flood.distinctIps)} distinct client IPs; the verified-token and device-revocation caches hold ${figure(flood.tokenCacheEntries)} each. After a full GC, RSS before: ${figure(flood.rssBeforeMb)} MB, after each phase: ${flood.rssAfterPhaseMb.map((mb) => figure(mb)).join(' → ')} MB (${flood.growthAfterFirstPhasePercent >= 0 ? '+' : ''}${figure(flood.growthAfterFirstPhasePercent, 1)} % after the first phase); live heap ${figure(flood.liveHeapBeforeMb)} MB, then ${flood.liveHeapAfterPhaseMb.map((mb) => figure(mb)).join(' → ')} MB (${flood.heapGrowthAfterFirstPhasePercent >= 0 ? '+' : ''}${figure(flood.heapGrowthAfterFirstPhasePercent, 1)} %). Answers: ${Object.entries(
          flood.statuses,
        )
          .map(([status, n]) => `${status} × ${figure(n)}`)
          .join(', ')}; errors ${flood.errors}.`;
  const startup = results.startup ?? null;
  const timings: Array<[string, TimingSummary]> =
    startup === null
      ? []
      : [
          ['`portcullis --help` (spawn to exit)', startup.help],
          ['`portcullis start` (spawn to `listening`)', startup.startReady],
        ];
  const startupText =
    startup === null
      ? 'No startup setup in this run.'
      : `Startup of \`${startup.command}\` (built output), ${startup.runs} timed runs each after one unmeasured run:\n\n${table(
          ['command', 'median ms', 'p99 ms', 'min ms', 'max ms'],
          timings.map(([label, t]) => [
            label,
            figure(t.medianMs, 1),
            figure(t.p99Ms, 1),
            figure(t.minMs, 1),
            figure(t.maxMs, 1),
          ]),
        )}`;
  const m = results.machine;
  const s = results.settings;
  return [
    `Run of ${results.startedAt} (${results.mode} mode, ${figure(results.elapsedSeconds)} s): ${m.cpus} × ${m.cpuModel}, ${figure(m.memoryMb)} MB, ${m.os}, Node ${results.node}; load average at start ${m.loadAverageAtStart.map((n) => n.toFixed(2)).join(' / ')}. Load tool ${results.tools.load}, ${results.tools.load.startsWith('wrk') ? s.threads : 1} thread(s), ${s.connections} connections, ${s.durationSeconds} s per run, median of ${s.repetitions} (after ${s.warmupSeconds} s warm-up); system under test pinned to CPU ${s.pinning.sut ?? '(none)'}, load tool to ${s.pinning.load ?? '(none)'}, ${s.upstream} upstream to ${s.pinning.upstream ?? '(none)'}. Checks seen before the load: token required ${results.checks.tokenRequired ? 'yes' : 'no'}, secret injected ${results.checks.secretInjected ? 'yes' : 'no'}, limit enforced ${results.checks.limitEnforced ? 'yes' : 'no'}.`,
    '',
    setups,
    '',
    targets,
    '',
    floodText,
    '',
    startupText,
    '',
    micro,
    ...(results.scanner === undefined || results.scanner === null
      ? []
      : ['', renderScanner(results.scanner)]),
  ].join('\n');
}

/** The scanner's paragraph: the APK scan and the text engines side by side. */
export function renderScanner(scanner: ScannerBenchResult): string {
  const t = scanner.text;
  return [
    `\`portcullis scan\` on a generated ${figure(scanner.apkBytes / 1e6)} MB APK: ${figure(scanner.mbPerSecond, 1)} MB/s (median of ${scanner.rounds.length}; ${figure(scanner.mbPerCpuSecond, 1)} MB per CPU-second), ${figure(scanner.recall * 100)} % of ${scanner.planted} planted keys found, ${scanner.cleanAlarms} alarms on the clean build.`,
    '',
    table(
      ['engine, same extracted text', 'MB per CPU-second', 'wall s', 'recall', 'alarms on the clean build'],
      [
        [
          'portcullis',
          figure(t.portcullisMbPerSecond, 1),
          figure(t.portcullisSeconds, 2),
          `${figure(t.portcullisRecall * 100)} %`,
          figure(t.portcullisCleanAlarms),
        ],
        [
          t.secretlint,
          figure(t.secretlintMbPerSecond, 1),
          figure(t.secretlintSeconds, 2),
          `${figure(t.secretlintRecall * 100)} %`,
          figure(t.secretlintCleanAlarms),
        ],
      ],
    ),
    '',
    `${figure(t.bytes / 1e6, 1)} MB of text in ${t.files} files (strings of every entry); portcullis uses ${figure(t.speedup, 2)}x less CPU.`,
  ].join('\n');
}

/** `doc` with the text between the report markers replaced by `report` (markers appended when absent). */
export function replaceReportSection(doc: string, report: string): string {
  const section = `${REPORT_BEGIN}\n\n${report}\n\n${REPORT_END}`;
  const begin = doc.indexOf(REPORT_BEGIN);
  const end = doc.indexOf(REPORT_END);
  if (begin === -1 || end === -1 || end < begin) return `${doc.trimEnd()}\n\n${section}\n`;
  return doc.slice(0, begin) + section + doc.slice(end + REPORT_END.length);
}
