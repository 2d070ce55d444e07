import assert from 'node:assert/strict';
import { test } from 'node:test';
import { limitKeyForAuthorization } from './limit-key-for-authorization.js';

// A per-user limit keyed on Authorization counted each spelling of one credential as another
// user: scheme case and spacing are free (RFC 9110 §11.1), so one user had a budget per spelling.
test('spellings of one credential that a backend reads as one are one limit identity', () => {
  const one = ['Bearer user-a', 'bearer user-a', 'BEARER   user-a', 'Bearer\tuser-a', ' Bearer user-a '];
  assert.deepEqual(new Set(one.map(limitKeyForAuthorization)), new Set(['bearer user-a']));
});

test('credentials themselves stay case- and byte-sensitive, and odd values keep their own key', () => {
  assert.notEqual(limitKeyForAuthorization('Bearer user-a'), limitKeyForAuthorization('Bearer USER-A'));
  assert.equal(limitKeyForAuthorization('Basic dXNlcjpwYXNz'), 'basic dXNlcjpwYXNz');
  assert.equal(limitKeyForAuthorization('opaque-value-without-scheme'), 'opaque-value-without-scheme');
  assert.equal(limitKeyForAuthorization('Digest a="1",  b="2"'), 'digest a="1",  b="2"');
});
