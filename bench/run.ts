// `npm run bench`: the gateway against its baselines, the flood and the micro-benchmarks.
// Writes bench/results/<date>.json (quick runs: <date>-quick.json) and, for full runs, the
// generated section of docs/benchmarks.md. `npm run bench -- --help` lists the options;
// `npm run bench -- --render <results.json>` re-judges a saved run and rewrites that section.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { evaluateTargets } from './evaluate-targets.js';
import { BENCH_USAGE, parseBenchArgs } from './parse-bench-args.js';
import { renderReport, renderScanner, replaceReportSection } from './render-report.js';
import { REPO_ROOT, runBench } from './run-bench.js';
import { runScannerBench } from './scanner-bench.js';
import { scannerTargets } from './scanner-targets.js';
import type { BenchResults } from './types.js';

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
const docsFile = join(REPO_ROOT, 'docs', 'benchmarks.md');

function writeDocs(file: string, results: BenchResults): string {
  const report = renderReport(results);
  const doc = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  writeFileSync(file, replaceReportSection(doc, report));
  log(`updated ${file}`);
  return report;
}

const argv = process.argv.slice(2);
if (argv[0] === '--render') {
  const file = argv[1];
  if (file === undefined) throw new TypeError('--render needs the path of a results JSON');
  const results = JSON.parse(readFileSync(file, 'utf8')) as BenchResults;
  results.targets = evaluateTargets(results);
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  writeDocs(docsFile, results);
} else {
  const settings = parseBenchArgs(argv, REPO_ROOT);
  if (settings === 'help') {
    process.stdout.write(BENCH_USAGE);
  } else if (settings.scannerOnly) {
    // The scanner alone: its own results file; the docs section keeps the last full run.
    const scanner = await runScannerBench(settings.scanner ?? { apkMb: 110, rounds: 3 }, log);
    mkdirSync(settings.resultsDir, { recursive: true });
    const file = join(settings.resultsDir, `${new Date().toISOString().slice(0, 10)}-scanner.json`);
    writeFileSync(file, `${JSON.stringify({ scanner, targets: scannerTargets(scanner) }, null, 2)}\n`);
    const rows = scannerTargets(scanner).map(
      (row) =>
        `- ${row.description}: ${row.value} (goal ${row.target}: ${row.pass === true ? 'met' : row.pass === false ? 'MISSED' : 'not measured'})${row.note === undefined ? '' : `; ${row.note}`}`,
    );
    process.stdout.write(`${renderScanner(scanner)}\n\n${rows.join('\n')}\n\nresults: ${file}\n`);
  } else {
    const results = await runBench(settings, log);
    mkdirSync(settings.resultsDir, { recursive: true });
    const date = results.startedAt.slice(0, 10);
    const file = join(
      settings.resultsDir,
      `${date}${settings.mode === 'full' ? '' : `-${settings.mode}`}.json`,
    );
    writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
    const report = settings.docsFile === null ? renderReport(results) : writeDocs(settings.docsFile, results);
    process.stdout.write(`${report}\n\nresults: ${file}\n`);
  }
}
