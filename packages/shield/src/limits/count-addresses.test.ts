import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { countAddresses } from './count-addresses.js';

test('addresses separated by commas, semicolons, spaces, line breaks and Unicode look-alikes each count', () => {
  const cases: Array<[string, number]> = [
    ['', 0],
    [' , ;\n', 0],
    ['a@x.io', 1],
    ['a@x.io,b@x.io', 2],
    ['a@x.io; b@x.io ;c@x.io', 3],
    ['a@x.io b@x.io\tc@x.io\r\nd@x.io', 4],
    ['a@x.io\u00a0b@x.io\u2028c@x.io\u3000d@x.io', 4],
    ['a@x.io\uff0cb@x.io\uff1bc@x.io\u3001d@x.io', 4],
    ['+15550100001, +15550100002 +15550100003', 3],
    ['<a@x.io> <b@x.io>', 2],
    ['a@x.io<b@x.io>', 2],
  ];
  for (const [text, count] of cases) assert.equal(countAddresses(text), count, JSON.stringify(text));
});

test('a mailbox with a display name is one address', () => {
  assert.equal(countAddresses('"Ana" <ana@x.io>'), 1);
  assert.equal(countAddresses('Ana Lopez <ana@x.io>'), 1);
  assert.equal(countAddresses('"Ana" <ana@x.io>, Bo <bo@x.io>; c@x.io'), 3);
  assert.equal(countAddresses('Ana <ana@x.io> Bo <bo@x.io>'), 2);
});

test('never too low: words holding @ are addresses, quotes hide nothing, a number in <> takes no name', () => {
  assert.equal(countAddresses('b@x.io c@x.io <a@x.io>'), 3, 'an address is never part of a name');
  assert.equal(countAddresses('"x, a@x.io, b@x.io" <c@x.io>'), 4, 'a quoted list still counts');
  assert.equal(
    countAddresses('"Lopez, Ana" <ana@x.io>'),
    2,
    'a separator in a display name counts once more',
  );
  assert.equal(countAddresses('+15550100001 +15550100002 <+15550100003>'), 3);
});

test('an open or ambiguous <...> is unreadable (null)', () => {
  for (const text of ['<a@x.io', 'Ana <a@x.io, b@x.io>', '<a@x.io b@x.io>', '<<a@x.io>>', '<"a"@x.io>']) {
    assert.equal(countAddresses(text), null, text);
  }
});

test('never fewer than the addresses a naive splitter finds (property)', () => {
  const piece = fc.constantFrom(
    'a@x.io',
    'b@y.io',
    'Ana',
    '"Ana',
    'Lopez"',
    '+1555',
    '<c@z.io>',
    '<+1666>',
    '>',
  );
  const separator = fc.constantFrom(',', ';', ' ', '\n', ', ', '\u3000', '\uff0c');
  fc.assert(
    fc.property(fc.array(fc.tuple(piece, separator), { maxLength: 30 }), (parts) => {
      const text = parts.map(([p, s]) => p + s).join('');
      const counted = countAddresses(text);
      if (counted === null) return;
      const naive = text.split(/[\s,;\uff0c\uff1b\u3001]+/u).filter((word) => word.includes('@')).length;
      assert.ok(counted >= naive, `${JSON.stringify(text)}: ${counted} < ${naive}`);
    }),
  );
});

test('linear time: a megabyte of separators, words or open brackets is read in one pass', () => {
  for (const text of [
    ','.repeat(1 << 20),
    'a'.repeat(1 << 20),
    `<${'a'.repeat(1 << 20)}`,
    'a@x '.repeat(1 << 18),
  ]) {
    const count = countAddresses(text);
    assert.ok(count === null || count >= 0);
  }
  assert.equal(countAddresses('a@x '.repeat(1 << 18)), 1 << 18);
});
