import assert from 'node:assert/strict';
import { test } from 'node:test';
import { benchApple } from './bench-apple.js';

// Rates depend on the machine and its load, so only their shape is checked here; `npm run bench` records them.
test('benchApple returns the three rates of one run and refuses a non-positive iteration count', () => {
  const result = benchApple(10);
  assert.deepEqual(Object.keys(result).sort(), ['assertPerSec', 'attestPerSec', 'ecdsaVerifyPerSec']);
  for (const rate of Object.values(result)) assert.ok(Number.isInteger(rate) && rate > 0);
  assert.throws(() => benchApple(0), TypeError);
  assert.throws(() => benchApple(1.5), TypeError);
});
