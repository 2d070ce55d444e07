import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { decodeBase64, encodeBase64, encodeBase64Url } from '../src/base64.js';

test('encodes like Buffer, in both alphabets', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
      assert.equal(encodeBase64(bytes), Buffer.from(bytes).toString('base64'));
      assert.equal(encodeBase64Url(bytes), Buffer.from(bytes).toString('base64url'));
      assert.deepEqual(decodeBase64(encodeBase64(bytes)), bytes);
      assert.deepEqual(decodeBase64(encodeBase64Url(bytes), { urlSafe: true }), bytes);
    }),
  );
});

test('decoding is strict: wrong alphabet, stray bits, dangling characters and whitespace are refused', () => {
  for (const bad of ['ab-_', 'ab+/'.replace('+', '-'), 'QQ=x', 'QR==', 'A', 'QQ==\n', 'Q Q==', '====', 'é']) {
    assert.equal(decodeBase64(bad), undefined, bad);
  }
  assert.equal(decodeBase64('ab+/', { urlSafe: true }), undefined);
  assert.deepEqual(decodeBase64('QU\nJD\n', { skipWhitespace: true }), new TextEncoder().encode('ABC'));
});
