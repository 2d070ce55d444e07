import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readBodyJson } from './read-body-json.js';

const read = (text: string) => readBodyJson(Buffer.from(text, 'utf8'));

// A budget on $.to counted `{"to":["a"],"TO":[...1000]}` as 1 while Go's encoding/json, which
// matches member names case-insensitively (last one wins), sent the thousand.
test('member names equal ignoring case make a body unreadable, at any depth', () => {
  assert.equal(read('{"to":["a"],"TO":["b","c"]}'), null);
  assert.equal(read('{"recipients":["a"],"recipient\u017f":["b"]}'), null, 'long s folds to s');
  assert.equal(read('{"\u212aey":1,"key":2}'), null, 'the Kelvin sign folds to k');
  assert.equal(read('{"to":["a"],"list":[{"x":1,"X":2}]}'), null);
});

test('distinct names, and equal names in different objects, still read', () => {
  assert.deepEqual(read('{"to":["a"],"toe":1}'), { to: ['a'], toe: 1 });
  assert.deepEqual(read('{"a":{"id":1},"b":{"ID":2}}'), { a: { id: 1 }, b: { ID: 2 } });
});
