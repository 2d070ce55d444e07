import assert from 'node:assert/strict';
import { test } from 'node:test';
import { jsonHasMethodOverride } from './scan-request-parameters.js';

const json = (text: string) => Buffer.from(text, 'utf8');

// E-28 was defended for headers, the query and form bodies; a JSON body's `_method` member went
// through, and frameworks that merge JSON input into their parameters (Laravel) honour it.
test('a top-level method-override member of a JSON body is found, however it is spelled', () => {
  for (const body of [
    '{"_method":"DELETE"}',
    '{"a":1,"\\u005fmethod":"PUT"}',
    '{"_method":"POST","_method":"DELETE"}',
  ]) {
    assert.equal(jsonHasMethodOverride('application/json; charset=utf-8', json(body)), true, body);
  }
  assert.equal(jsonHasMethodOverride('application/problem+json', json('{"_method":"DELETE"}')), true);
});

test('values, nested members, other types and non-JSON bodies are left alone', () => {
  assert.equal(jsonHasMethodOverride('application/json', json('{"note":"_method"}')), false);
  assert.equal(jsonHasMethodOverride('application/json', json('{"meta":{"_method":"DELETE"}}')), false);
  assert.equal(jsonHasMethodOverride('application/json', json('[{"_method":"DELETE"}]')), false);
  assert.equal(jsonHasMethodOverride('application/json', json('{"_method":')), false);
  assert.equal(jsonHasMethodOverride('text/plain', json('{"_method":"DELETE"}')), false);
  assert.equal(jsonHasMethodOverride(null, json('{"_method":"DELETE"}')), false);
});
