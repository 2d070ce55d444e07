import assert from 'node:assert/strict';
import { test } from 'node:test';
import { benchAndroid } from './bench-android.js';

test('benchAndroid measures the three operations quickly', () => {
  const started = Date.now();
  const result = benchAndroid(5);
  assert.ok(Date.now() - started < 5000);
  for (const [name, value] of Object.entries(result)) {
    assert.ok(Number.isFinite(value) && value > 0, `${name} = ${value}`);
  }
  assert.deepEqual(Object.keys(result).sort(), ['assertPerSec', 'attestPerSec', 'ecdsaVerifyPerSec']);
});

test('benchAndroid refuses a non-positive iteration count', () => {
  assert.throws(() => benchAndroid(0), TypeError);
  assert.throws(() => benchAndroid(1.5), TypeError);
});
