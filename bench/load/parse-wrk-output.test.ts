import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseWrkOutput } from './parse-wrk-output.js';

const SAMPLE = `Running 10s test @ http://127.0.0.1:8080/api/items
  2 threads and 64 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     2.10ms  812.00us  31.07ms   91.02%
    Req/Sec    15.41k     1.02k   17.30k    72.50%
  Latency Distribution
     50%  805.00us
     75%    2.20ms
     90%    2.71ms
     99%    1.02s
  306671 requests in 10.00s, 75.88MB read
  Socket errors: connect 0, read 2, write 1, timeout 3
  Non-2xx or 3xx responses: 17
Requests/sec:  30661.54
Transfer/sec:      7.59MB
`;

test('reads rps, percentiles in every unit, totals, non-2xx answers and socket errors', () => {
  assert.deepEqual(parseWrkOutput(SAMPLE), {
    rps: 30661.54,
    p50Ms: 0.805,
    p99Ms: 1020,
    requests: 306671,
    non2xx: 17,
    errors: 6,
  });
});

test('a clean run has no error lines: zero non-2xx and zero errors', () => {
  const clean = SAMPLE.replace(/^ {2}Socket errors.*\n/m, '').replace(/^ {2}Non-2xx.*\n/m, '');
  const parsed = parseWrkOutput(clean);
  assert.equal(parsed.non2xx, 0);
  assert.equal(parsed.errors, 0);
});

test('output without the figures (wrk could not connect) is refused, not read as zeros', () => {
  assert.throws(
    () => parseWrkOutput('unable to connect to 127.0.0.1:1 Connection refused\n'),
    /without figures/,
  );
  assert.throws(() => parseWrkOutput(SAMPLE.replace(/^ +99%.*\n/m, '')), /without figures/);
});
