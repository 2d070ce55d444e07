import assert from 'node:assert/strict';
import { test } from 'node:test';
import { benchTokens } from './bench-tokens.js';

// Speed targets (hit >= 50x bare, miss <= 1.2x bare) are checked by the benchmark run on a
// quiet machine; here only that one run works, is internally consistent and stays fast.
test('benchTokens runs bare, miss and hit in one short run', async () => {
  const result = await benchTokens(200);
  for (const value of Object.values(result)) assert.ok(Number.isFinite(value) && value > 0);
  assert.ok(result.hitPerSec > result.bareVerifyPerSec, 'a cache hit must be faster than a signature check');
  assert.ok(result.missPerSec < result.hitPerSec);
  assert.deepEqual(Object.keys(result).sort(), ['bareVerifyPerSec', 'hitPerSec', 'missPerSec']);
});
