import assert from 'node:assert/strict';
import { test } from 'node:test';
import { benchVerify } from './bench-verify.js';

// The figures themselves belong to `npm run bench` (or `npm run bench:micro -- verify`) on a
// quiet machine; here only that one short run works and is internally consistent.
test('benchVerify measures both verifiers, miss and hit, in one short run', async () => {
  const result = await benchVerify(100);
  assert.deepEqual(Object.keys(result).sort(), [
    'shieldHitPerSec',
    'shieldMissPerSec',
    'verifyHitPerSec',
    'verifyMissPerSec',
  ]);
  for (const value of Object.values(result)) assert.ok(Number.isFinite(value) && value > 0);
  assert.ok(result.verifyHitPerSec > result.verifyMissPerSec, 'a cache hit skips the signature');
  assert.ok(result.shieldHitPerSec > result.shieldMissPerSec);
});
