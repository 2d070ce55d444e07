import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { backoffDelay } from './backoff-delay.js';

const options = { baseDelayMs: 500, maxDelayMs: 30_000 };

test('with Retry-After: never earlier, at most 20 % later', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 3600 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (seconds, random) => {
        const delay = backoffDelay(3, options, seconds, () => random);
        assert.ok(delay >= seconds * 1000 && delay <= seconds * 1200 + 1);
      },
    ),
  );
});

test('without: between half and all of the capped exponential', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 100 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      (attempt, random) => {
        const cap = Math.min(30_000, 500 * 2 ** attempt);
        const delay = backoffDelay(attempt, options, undefined, () => random);
        assert.ok(delay >= cap / 2 - 1 && delay <= cap + 1, `${attempt} ${delay}`);
      },
    ),
  );
  assert.deepEqual(
    [0, 1, 2, 10].map((a) => backoffDelay(a, options, undefined, () => 1)),
    [500, 1000, 2000, 30_000],
  );
});
