import assert from 'node:assert/strict';
import { test } from 'node:test';
import { scannerTargets } from './scanner-targets.js';
import type { ScannerBenchResult } from './types.js';

const result: ScannerBenchResult = {
  apkBytes: 105_000_000,
  rounds: [{ seconds: 0.9, cpuSeconds: 0.5 }],
  seconds: 0.9,
  mbPerSecond: 116.7,
  mbPerCpuSecond: 210,
  planted: 10,
  recall: 1,
  cleanAlarms: 0,
  text: {
    files: 16,
    bytes: 20_000_000,
    secretlint: '@secretlint/core 11.7.1 + preset-recommend',
    portcullisSeconds: 0.1,
    secretlintSeconds: 0.4,
    portcullisCpuSeconds: 0.1,
    secretlintCpuSeconds: 0.4,
    portcullisMbPerSecond: 200,
    secretlintMbPerSecond: 50,
    speedup: 4,
    portcullisRecall: 1,
    secretlintRecall: 0.3,
    portcullisCleanAlarms: 0,
    secretlintCleanAlarms: 0,
  },
};

test('scanner targets: throughput, speed against secretlint, recall and false alarms', () => {
  const rows = Object.fromEntries(scannerTargets(result).map((row) => [row.id, row]));
  assert.equal(rows['scanner-throughput']?.pass, true);
  assert.equal(rows['scanner-vs-secretlint']?.value, 4);
  assert.equal(rows['scanner-vs-secretlint']?.pass, true);
  assert.equal(rows['scanner-recall']?.pass, true);
  assert.equal(rows['scanner-clean-alarms']?.pass, true);
  const worse = scannerTargets({
    ...result,
    mbPerSecond: 60,
    text: { ...result.text, speedup: 0.8, portcullisRecall: 0.2, portcullisCleanAlarms: 3 },
  });
  assert.deepEqual(
    worse.map((row) => row.pass),
    [false, false, false, false],
  );
  assert.deepEqual(
    scannerTargets(null).map((row) => row.pass),
    [null, null, null, null],
  );
});
