import assert from 'node:assert/strict';
import { test } from 'node:test';
import { measureStartup, percentile, summarize } from './measure-startup.js';

test('percentile is nearest-rank; summarize gives median, p99 and extremes', () => {
  assert.equal(percentile([3, 1, 2], 50), 2);
  assert.equal(percentile([1, 2, 3, 4], 50), 2);
  assert.equal(percentile([5], 99), 5);
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.equal(percentile(hundred, 99), 99);
  assert.equal(percentile(hundred, 100), 100);
  assert.deepEqual(summarize([30, 10, 20.04]), { medianMs: 20, p99Ms: 30, minMs: 10, maxMs: 30 });
  assert.throws(() => percentile([], 50), TypeError);
});

// The real command, from its sources (the benchmark times the built output): one run of each.
// It runs in a temporary folder, so tsx and the repository's tsconfig are named outright.
const cli = {
  command: process.execPath,
  args: [
    '--import',
    import.meta.resolve('tsx'),
    new URL('../../packages/shield/src/cli/entry.ts', import.meta.url).pathname,
  ],
  env: { TSX_TSCONFIG_PATH: new URL('../../tsconfig.json', import.meta.url).pathname },
};

test('measureStartup times --help and a start of the init config until it listens', async () => {
  const lines: string[] = [];
  const result = await measureStartup({ cli, runs: 1, log: (line) => lines.push(line) });
  assert.equal(result.runs, 1);
  for (const timing of [result.help, result.startReady]) {
    assert.ok(timing.medianMs > 0 && timing.minMs <= timing.medianMs && timing.medianMs <= timing.p99Ms);
  }
  assert.match(lines.join('\n'), /--help median .* start ready median/);
  await assert.rejects(measureStartup({ cli, runs: 0 }), TypeError);
});

test('a command that fails makes the measurement fail, with its output', async () => {
  const broken = { command: process.execPath, args: ['-e', 'process.stderr.write("boom"); process.exit(3)'] };
  await assert.rejects(measureStartup({ cli: broken, runs: 1 }), /exited 3:\nboom/);
});
