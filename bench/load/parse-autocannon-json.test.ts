import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseAutocannonJson } from './parse-autocannon-json.js';

const REPORT = {
  requests: { average: 5123.4, total: 51234 },
  latency: { p50: 11, p99: 27.5 },
  non2xx: 3,
  errors: 1,
  timeouts: 2,
};

test('reads the last JSON line of autocannon --json', () => {
  const text = `Running 10s test\n${JSON.stringify(REPORT)}\n`;
  assert.deepEqual(parseAutocannonJson(text), {
    rps: 5123.4,
    p50Ms: 11,
    p99Ms: 27.5,
    requests: 51234,
    non2xx: 3,
    errors: 3,
  });
});

test('refuses output without a report or with a missing figure', () => {
  assert.throws(() => parseAutocannonJson('no json here'), /no JSON/);
  assert.throws(
    () => parseAutocannonJson(JSON.stringify({ ...REPORT, latency: { p50: 1 } })),
    /latency\.p99/,
  );
});
