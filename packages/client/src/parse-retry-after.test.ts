import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRetryAfter } from './parse-retry-after.js';

test('delay-seconds and HTTP-dates; anything else is unknown, never a guess', () => {
  const now = Date.parse('2026-03-01T10:00:00Z');
  assert.equal(parseRetryAfter('7', now), 7);
  assert.equal(parseRetryAfter(' 0 ', now), 0);
  assert.equal(parseRetryAfter('Sun, 01 Mar 2026 10:00:30 GMT', now), 30);
  assert.equal(parseRetryAfter('Sun, 01 Mar 2026 09:00:00 GMT', now), 0);
  for (const bad of [null, undefined, '', '-1', '1.5', 'soon', '9999999999']) {
    assert.equal(parseRetryAfter(bad, now), undefined, String(bad));
  }
});
