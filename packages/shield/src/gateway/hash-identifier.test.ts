import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashIdentifier } from './hash-identifier.js';

test('the first 128 bits of SHA-256 over the UTF-8 bytes, in lower-case hex (known answers from sha256sum)', () => {
  assert.equal(hashIdentifier('device-key-1'), 'db9a2e3f46760cd371dee32245a92bed');
  assert.equal(hashIdentifier('Bearer café'), '093ba375819abf7bf7502d6e7efb04ac');
  assert.match(hashIdentifier(''), /^[0-9a-f]{32}$/);
});
