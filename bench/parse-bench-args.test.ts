import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseBenchArgs } from './parse-bench-args.js';
import { SETUP_IDS } from './types.js';

test('the default run: 10 s, median of 3, 2 threads, 64 connections, every setup, docs updated', () => {
  const settings = parseBenchArgs([], '/repo');
  assert.notEqual(settings, 'help');
  if (settings === 'help') return;
  assert.equal(settings.mode, 'full');
  assert.equal(settings.durationSeconds, 10);
  assert.equal(settings.repetitions, 3);
  assert.equal(settings.threads, 2);
  assert.equal(settings.connections, 64);
  assert.deepEqual(settings.setups, SETUP_IDS);
  assert.equal(settings.resultsDir, '/repo/bench/results');
  assert.equal(settings.docsFile, '/repo/docs/benchmarks.md');
  // The flood must outgrow the 10 000-entry token cache to show that memory stays flat.
  assert.ok(settings.flood.tokensPerPhase > 10_000);
});

test('--quick is shorter and leaves the docs alone; --tiny skips nginx', () => {
  const quick = parseBenchArgs(['--quick'], '/repo');
  const tiny = parseBenchArgs(['--tiny'], '/repo');
  if (quick === 'help' || tiny === 'help') return assert.fail('help');
  assert.equal(quick.repetitions, 1);
  assert.ok(quick.durationSeconds < 10);
  assert.equal(quick.docsFile, null);
  assert.equal(tiny.nginx, false);
  assert.ok(!tiny.setups.includes('nginx'));
});

test('options: --only, --reps, --no-micro, --no-flood, --no-docs, --help', () => {
  const settings = parseBenchArgs(
    ['--only', 'bare-proxy,portcullis-memory', '--reps', '5', '--no-micro', '--no-flood', '--no-docs'],
    '/repo',
  );
  if (settings === 'help') return assert.fail('help');
  assert.deepEqual(settings.setups, ['bare-proxy', 'portcullis-memory']);
  assert.equal(settings.repetitions, 5);
  assert.equal(settings.micro, null);
  assert.equal(settings.flood.phases, 0);
  assert.equal(settings.docsFile, null);
  assert.equal(parseBenchArgs(['--help'], '/repo'), 'help');
});

test('the scanner: at least 100 MB in the published run, --no-scanner and --scanner-only', () => {
  const full = parseBenchArgs([], '/repo');
  const without = parseBenchArgs(['--no-scanner'], '/repo');
  const only = parseBenchArgs(['--scanner-only'], '/repo');
  if (full === 'help' || without === 'help' || only === 'help') return assert.fail('help');
  assert.ok((full.scanner?.apkMb ?? 0) >= 100);
  assert.equal(full.scannerOnly, false);
  assert.equal(without.scanner, null);
  assert.equal(only.scannerOnly, true);
});

test('bad arguments are refused with the argument named', () => {
  assert.throws(() => parseBenchArgs(['--only', 'apache'], '/repo'), /--only: unknown setup apache/);
  assert.throws(() => parseBenchArgs(['--reps', '0'], '/repo'), /--reps/);
  assert.throws(() => parseBenchArgs(['--reps', '1.5'], '/repo'), /--reps/);
  assert.throws(() => parseBenchArgs(['--duration', 'x'], '/repo'), /--duration/);
  assert.throws(() => parseBenchArgs(['--bogus'], '/repo'));
});

test('the startup setup: on by default (30 runs; --quick 10, --tiny off), --only startup runs it alone', () => {
  const full = parseBenchArgs([], '/repo');
  const quick = parseBenchArgs(['--quick'], '/repo');
  const tiny = parseBenchArgs(['--tiny'], '/repo');
  const only = parseBenchArgs(['--only', 'startup', '--startup-runs', '7'], '/repo');
  const without = parseBenchArgs(['--no-startup'], '/repo');
  const loadOnly = parseBenchArgs(['--only', 'bare-proxy'], '/repo');
  if ([full, quick, tiny, only, without, loadOnly].includes('help')) return assert.fail('help');
  const settings = (value: typeof full) => (value === 'help' ? assert.fail('help') : value);
  assert.deepEqual(settings(full).startup, { runs: 30 });
  assert.deepEqual(settings(quick).startup, { runs: 10 });
  assert.equal(settings(tiny).startup, null);
  assert.deepEqual(settings(only).startup, { runs: 7 });
  assert.deepEqual(settings(only).setups, []);
  assert.equal(settings(only).micro, null, 'only the startup setup: no micro-benchmarks');
  assert.equal(settings(only).flood.phases, 0);
  assert.equal(settings(without).startup, null);
  assert.equal(settings(loadOnly).startup, null);
  assert.throws(() => parseBenchArgs(['--startup-runs', '0'], '/repo'), /--startup-runs/);
  assert.throws(() => parseBenchArgs(['--startup-runs', '2.5'], '/repo'), /--startup-runs/);
});
