import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createIdentifierHasher } from './identifier-hasher.js';

describe('createIdentifierHasher', () => {
  test('HMAC-SHA-256 with the key, labelled per use, truncated to 128 bits', () => {
    const hasher = createIdentifierHasher(Buffer.alloc(32, 1));
    const audit = hasher.audit('Basic dXNlcjpwYXNz');
    assert.match(audit, /^[0-9a-f]{32}$/);
    assert.equal(audit, createIdentifierHasher(Buffer.alloc(32, 1)).audit('Basic dXNlcjpwYXNz'));
    assert.notEqual(audit, createIdentifierHasher(Buffer.alloc(32, 2)).audit('Basic dXNlcjpwYXNz'));
    // Known answer, from: printf 'audit\0Basic dXNlcjpwYXNz' | openssl dgst -sha256 -mac HMAC -macopt hexkey:0101...01
    assert.equal(audit, '2f7875a7603ab21854003b0d3e276de5');
    const limit = hasher.limitKey('user', 'basic dXNlcjpwYXNz');
    assert.match(limit, /^[A-Za-z0-9_-]{22}$/);
    assert.notEqual(hasher.limitKey('ip', '192.0.2.1'), hasher.limitKey('body', '192.0.2.1'));
  });

  test('refuses a key that is not 32 bytes', () => {
    assert.throws(() => createIdentifierHasher(Buffer.alloc(16)), TypeError);
    assert.throws(() => createIdentifierHasher('x'.repeat(32) as unknown as Uint8Array), TypeError);
  });
});
