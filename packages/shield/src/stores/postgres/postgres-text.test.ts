import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeText, encodeText } from './postgres-text.js';

test('encodeText removes every U+0000 and decodeText restores the exact string', () => {
  const text = fc.string({ unit: fc.constantFrom('\\', '\u0000', '0', 'a', '\n', '\u001b', 'é', '😀') });
  fc.assert(
    fc.property(text, (value) => {
      const stored = encodeText(value);
      assert.equal(stored.includes('\u0000'), false);
      assert.equal(decodeText(stored), value);
    }),
    { seed: 20260115, numRuns: 1000 },
  );
});

test('encoding is injective, so an escaped filter matches only its own value', () => {
  assert.notEqual(encodeText('\\0'), encodeText('\u0000'));
  assert.notEqual(encodeText('\\\\'), encodeText('\\'));
  assert.equal(encodeText('plain text'), 'plain text');
});
