import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseBenchArgs } from './parse-bench-args.js';
import { renderReport } from './render-report.js';
import { REPO_ROOT, runBench } from './run-bench.js';

/** Live children of this process other than tsx's esbuild service. */
function childProcesses(): string[] {
  const found: string[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const command = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      if (Number(fields[1]) === process.pid && fields[0] !== 'Z' && command !== 'esbuild')
        found.push(command);
    } catch {
      // Gone while reading.
    }
  }
  return found;
}

// The harness in its tiny mode (1 s per setup, one run, no nginx, a small flood, the token
// micro-benchmark only), so `npm run bench` cannot rot unnoticed. Seconds, not minutes.
test('the benchmark harness runs end to end and reports every setup, check and target', {
  timeout: 120_000,
}, async () => {
  const results = mkdtempSync(join(tmpdir(), 'portcullis-bench-test-'));
  try {
    const settings = parseBenchArgs(['--tiny', '--results', results, '--no-docs'], REPO_ROOT);
    assert.notEqual(settings, 'help');
    if (settings === 'help') return;
    const lines: string[] = [];
    const run = await runBench(settings, (line) => lines.push(line));

    assert.equal(run.mode, 'tiny');
    assert.deepEqual(
      run.setups.map((setup) => setup.id),
      ['upstream', 'bare-proxy', 'express', 'portcullis-memory'],
    );
    for (const setup of run.setups) {
      assert.ok(setup.rps !== null && setup.rps > 0, `${setup.id}: ${setup.skipped ?? 'no rps'}`);
      assert.equal(setup.runs.length, 1);
      const [figures] = setup.runs;
      // Every answer was a 200: tokens accepted, the provider key injected for the upstream.
      assert.equal(figures?.non2xx, 0, `${setup.id} answered non-2xx`);
      assert.equal(figures?.errors, 0, `${setup.id} had socket errors`);
      assert.ok(setup.p99Ms !== null && setup.p50Ms !== null && setup.p99Ms >= setup.p50Ms);
      assert.ok(setup.cpuUsPerRequest !== null && setup.cpuUsPerRequest > 0);
      assert.ok(setup.peakRssMb !== null && setup.peakRssMb > 0);
    }
    assert.equal(run.checks.tokenRequired, true);
    assert.equal(run.checks.secretInjected, true);

    const flood = run.flood;
    assert.ok(flood !== null);
    assert.equal(flood.rssAfterPhaseMb.length, 1);
    assert.ok((flood.liveHeapAfterPhaseMb[0] ?? 0) > 0 && flood.liveHeapBeforeMb > 0);
    assert.equal(flood.errors, 0);
    // Valid tokens of registered devices pass, forged ones are refused.
    assert.equal(flood.statuses['200'], 100 + 10);
    assert.equal(flood.statuses['401'], 10);

    const tokens = run.micro['tokens'];
    assert.ok(tokens !== undefined);
    for (const key of ['bareVerifyPerSec', 'missPerSec', 'hitPerSec']) assert.ok((tokens[key] ?? 0) > 0, key);

    // The scanner on a small generated APK: every planted key found, the clean build quiet.
    const scanner = run.scanner;
    assert.ok(scanner !== null && scanner !== undefined);
    assert.equal(scanner.recall, 1);
    assert.equal(scanner.cleanAlarms, 0);
    assert.equal(scanner.text.portcullisRecall, 1);
    assert.ok(scanner.mbPerSecond > 0 && scanner.text.secretlintMbPerSecond > 0);

    const ids = run.targets.map((row) => row.id);
    for (const id of [
      'full-checks-vs-bare-proxy',
      'full-checks-vs-bare-proxy-cpu',
      'full-checks-vs-express',
      'full-checks-vs-express-cpu',
      'p99-vs-bare-proxy',
      'peak-rss-vs-bare-proxy',
      'token-cache-hit-vs-bare-verify',
      'token-cache-miss-cost',
      'flood-rss-flat',
      'limits-enforced',
      'scanner-vs-secretlint',
      'scanner-recall',
      'scanner-clean-alarms',
    ]) {
      const row = run.targets.find((each) => each.id === id);
      assert.ok(row !== undefined, id);
      if (id !== 'flood-rss-flat') assert.equal(typeof row.pass, 'boolean', `${id} was not evaluated`);
    }
    assert.equal(new Set(ids).size, ids.length);
    // The flood of the tiny mode is smaller than the token cache: it cannot show flatness.
    assert.equal(run.targets.find((row) => row.id === 'flood-rss-flat')?.pass, null);

    const report = renderReport(run);
    for (const setup of run.setups) assert.ok(report.includes(setup.label), setup.label);
    for (const row of run.targets) assert.ok(report.includes(row.description), row.id);
    assert.deepEqual(childProcesses(), [], 'a benchmark process outlived the run');
  } finally {
    rmSync(results, { recursive: true, force: true });
  }
});
