import assert from 'node:assert/strict';
import { test } from 'node:test';
import { REDIS_URL } from '../../packages/shield/test/support/services.js';
import { benchLimits } from './bench-limits.js';

test('benchLimits measures memory and Redis check rates (speed is judged by npm run bench, not here)', async () => {
  process.env['PORTCULLIS_BENCH_REDIS_URL'] ??= REDIS_URL;
  const { memoryPerSec, redisPerSec } = await benchLimits(1000);
  assert.ok(Number.isFinite(memoryPerSec) && memoryPerSec > 100, String(memoryPerSec));
  assert.ok(redisPerSec === null || (Number.isFinite(redisPerSec) && redisPerSec > 10), String(redisPerSec));
});
