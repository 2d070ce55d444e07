import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isKeyId, parseKeyIdSegment } from './parse-key-id-segment.js';

// An App Attest key id: standard base64 of a 32-byte SHA-256, with `/`, `+` and `=`.
const APPLE_KEY_ID = 'bSw/OQ+3d4cIa6mG0tLRvGcbwMvYDpg91q1ztcRiVRE=';

describe('parseKeyIdSegment', () => {
  test('decodes a percent-encoded key id exactly once', () => {
    assert.equal(parseKeyIdSegment(encodeURIComponent(APPLE_KEY_ID)), APPLE_KEY_ID);
    assert.equal(parseKeyIdSegment('bSw%2fOQ%2b3'), 'bSw/OQ+3', 'lower-case escapes');
    assert.equal(parseKeyIdSegment('ab+cd='), 'ab+cd=', '+ and = may come raw');
    assert.equal(parseKeyIdSegment('k01'), 'k01');
    assert.equal(parseKeyIdSegment('Zm9v_YmFy-YmF6'), 'Zm9v_YmFy-YmF6', 'base64url');
  });

  test('refuses empty, dot segments, bad escapes, second encoding layers and foreign characters', () => {
    for (const raw of [
      '',
      '.',
      '..',
      '%2E%2E',
      '%2e',
      '.%2E',
      'a%2F..%2Fb',
      '..%2Fa',
      'a%2F.',
      '%',
      '%2',
      '%zz',
      'a%2',
      '%252F',
      'a%25',
      '%C0%AF',
      '%FF',
      'a%00b',
      'a%20b',
      'a%5Cb',
      'a b',
      'a\\b',
      'a"b',
      'a?b',
      'a#b',
      'é',
      '%C3%A9',
      'k'.repeat(1025),
    ]) {
      assert.throws(
        () => parseKeyIdSegment(raw),
        { code: 'bad_request', reason: 'admin_key_id_invalid' },
        JSON.stringify(raw),
      );
    }
  });

  test('the refusal never echoes the segment', () => {
    try {
      parseKeyIdSegment('%2E%2E');
      assert.fail('accepted');
    } catch (error) {
      assert.ok(!(error as Error).message.includes('%2E'));
    }
  });
});

describe('isKeyId', () => {
  test('takes base64, base64url and test key ids; refuses dot segments and the rest', () => {
    assert.equal(isKeyId(APPLE_KEY_ID), true);
    assert.equal(isKeyId('//a'), true, 'base64 may hold a double slash');
    assert.equal(isKeyId(''), false);
    assert.equal(isKeyId('a/../b'), false);
    assert.equal(isKeyId('./a'), false);
    assert.equal(isKeyId('a%2Fb'), false);
    assert.equal(isKeyId('k'.repeat(1024)), true);
    assert.equal(isKeyId('k'.repeat(1025)), false);
  });
});
