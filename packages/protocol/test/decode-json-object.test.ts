import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { decodeJsonObject, type JsonObjectLimits } from '../src/decode-json-object.js';

const loose: JsonObjectLimits = { maxDepth: 64, integersOnly: false };
const strict: JsonObjectLimits = { maxDepth: 3, integersOnly: true };
const decode = (text: string | Buffer, limits = loose) => decodeJsonObject(Buffer.from(text), limits);
const problem = (text: string | Buffer, limits = loose) => {
  const result = decode(text, limits);
  return result.ok ? 'ok' : result.problem;
};

describe('decodeJsonObject', () => {
  const table: [string, string | Buffer, JsonObjectLimits, string][] = [
    ['plain object', '{"a":1,"b":"x"}', loose, 'ok'],
    ['whitespace everywhere', ' {\n\t"a" : [ 1 , 2 ] ,\r"b":{ } } ', loose, 'ok'],
    ['duplicate member', '{"a":1,"a":2}', loose, 'duplicate_member'],
    ['duplicate spelled with an escape', '{"alg":"x","\\u0061lg":"y"}', loose, 'duplicate_member'],
    ['duplicate in a nested object', '{"a":{"b":1,"b":1}}', loose, 'duplicate_member'],
    ['duplicate inside an array element', '{"a":[{"b":1},{"c":1,"c":2}]}', loose, 'duplicate_member'],
    ['same name in sibling objects', '{"a":{"b":1},"c":{"b":1}}', loose, 'ok'],
    ['a value equal to a name', '{"a":"a","b":"a"}', loose, 'ok'],
    ['names with quotes, colons and backslashes', '{"a\\"b":1,"a:b":2,"a\\\\":3,"x":"\\\\"}', loose, 'ok'],
    ['__proto__ twice', '{"__proto__":1,"__proto__":2}', loose, 'duplicate_member'],
    ['__proto__ once', '{"__proto__":{"x":1}}', loose, 'ok'],
    ['array at top level', '[1]', loose, 'not_object'],
    ['null at top level', 'null', loose, 'not_object'],
    ['string at top level', '"x"', loose, 'not_object'],
    ['truncated', '{"a":', loose, 'not_json'],
    ['trailing garbage', '{"a":1}x', loose, 'not_json'],
    ['byte order mark', '\ufeff{"a":1}', loose, 'not_json'],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]), loose, 'not_utf8'],
    ['depth 3 within 3', '{"a":{"b":[1]}}', strict, 'ok'],
    ['depth 4 beyond 3', '{"a":{"b":[[1]]}}', strict, 'too_deep'],
    ['integer', '{"a":1767225600}', strict, 'ok'],
    ['zero', '{"a":0}', strict, 'ok'],
    ['negative', '{"a":-1}', strict, 'number_not_integer'],
    ['fraction', '{"a":1.5}', strict, 'number_not_integer'],
    ['trailing .0', '{"a":1.0}', strict, 'number_not_integer'],
    ['exponent', '{"a":1e3}', strict, 'number_not_integer'],
    ['exponent in an array', '{"a":[1,2E3]}', strict, 'number_not_integer'],
    ['16 digits', '{"a":1000000000000000}', strict, 'number_not_integer'],
    ['15 digits', '{"a":100000000000000}', strict, 'ok'],
    ['digits inside strings are not numbers', '{"a":"1.5e-9"}', strict, 'ok'],
    ['numbers allowed when not integersOnly', '{"a":-1.5e3}', loose, 'ok'],
  ];
  for (const [name, text, limits, want] of table) {
    test(`${name} → ${want}`, () => {
      assert.equal(problem(text, limits), want);
    });
  }

  test('returns what JSON.parse returns for any JSON object without duplicates', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (value) => {
        const text = JSON.stringify(value);
        const result = decode(text);
        assert.ok(result.ok, text);
        assert.deepEqual(result.value, JSON.parse(text));
      }),
    );
  });

  test('finds a repeated name wherever it is inserted', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue(), { minKeys: 1 }),
        fc.jsonValue(),
        (value, extra) => {
          const name = Object.keys(value)[0]!;
          const member = `,${JSON.stringify(name)}:${JSON.stringify(extra)}}`;
          // A replacer function: the name may contain `$&` and friends.
          const text = JSON.stringify(value).replace(/}$/, () => member);
          assert.equal(problem(text), 'duplicate_member');
        },
      ),
    );
  });
});
