// `npm run bench`: the gateway against its baselines, the flood and the micro-benchmarks.
// Writes bench/results/<date>.json (quick runs: <date>-quick.json) and, for full runs, the
// generated section of docs/benchmarks.md. `npm run bench -- --help` lists the options.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_USAGE, parseBenchArgs } from './parse-bench-args.js';
import { renderReport, replaceReportSection } from './render-report.js';
import { REPO_ROOT, runBench } from './run-bench.js';

const settings = parseBenchArgs(process.argv.slice(2), REPO_ROOT);
if (settings === 'help') {
  process.stdout.write(BENCH_USAGE);
} else {
  const log = (line: string) => process.stderr.write(`bench: ${line}\n`);
  const results = await runBench(settings, log);
  mkdirSync(settings.resultsDir, { recursive: true });
  const date = results.startedAt.slice(0, 10);
  const file = join(
    settings.resultsDir,
    `${date}${settings.mode === 'full' ? '' : `-${settings.mode}`}.json`,
  );
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  const report = renderReport(results);
  if (settings.docsFile !== null) {
    const doc = existsSync(settings.docsFile) ? readFileSync(settings.docsFile, 'utf8') : '# Benchmarks\n';
    writeFileSync(settings.docsFile, replaceReportSection(doc, report));
    log(`updated ${settings.docsFile}`);
  }
  process.stdout.write(`${report}\n\nresults: ${file}\n`);
}
