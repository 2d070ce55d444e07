import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createLruCache } from '../src/create-lru-cache.js';

describe('createLruCache', () => {
  test('evicts the least recently used entry', () => {
    const cache = createLruCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    assert.equal(cache.get('a'), 1);
    cache.set('c', 3);
    assert.equal(cache.get('b'), undefined);
    assert.equal(cache.get('a'), 1);
    assert.equal(cache.get('c'), 3);
    assert.equal(cache.size, 2);
  });

  test('set on an existing key replaces the value and refreshes it', () => {
    const cache = createLruCache<number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    cache.set('a', 10);
    cache.set('c', 3);
    assert.equal(cache.get('a'), 10);
    assert.equal(cache.get('b'), undefined);
  });

  test('delete removes an entry; deleting a missing key is harmless', () => {
    const cache = createLruCache<number>(3);
    cache.set('a', 1);
    cache.delete('a');
    cache.delete('zzz');
    assert.equal(cache.get('a'), undefined);
    assert.equal(cache.size, 0);
    cache.set('b', 2);
    assert.equal(cache.get('b'), 2);
  });

  test('maxEntries 0 keeps nothing', () => {
    const cache = createLruCache<number>(0);
    cache.set('a', 1);
    assert.equal(cache.size, 0);
    assert.equal(cache.get('a'), undefined);
  });

  test('refuses a bad bound', () => {
    assert.throws(() => createLruCache(-1), TypeError);
    assert.throws(() => createLruCache(1.5), TypeError);
  });

  test('behaves like a reference LRU for any sequence of operations, and never exceeds its bound', () => {
    const op = fc.oneof(
      fc.record({
        kind: fc.constant('set' as const),
        key: fc.integer({ min: 0, max: 12 }),
        value: fc.integer(),
      }),
      fc.record({ kind: fc.constant('get' as const), key: fc.integer({ min: 0, max: 12 }) }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 12 }) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(op, { maxLength: 200 }), (max, ops) => {
        const cache = createLruCache<number>(max);
        const reference: [string, number][] = []; // oldest first
        for (const o of ops) {
          const key = String(o.key);
          const at = reference.findIndex(([k]) => k === key);
          if (o.kind === 'set') {
            if (at !== -1) reference.splice(at, 1);
            reference.push([key, o.value]);
            if (reference.length > max) reference.shift();
            cache.set(key, o.value);
          } else if (o.kind === 'get') {
            const expected = at === -1 ? undefined : reference[at]![1];
            if (at !== -1) reference.push(...reference.splice(at, 1));
            assert.equal(cache.get(key), expected);
          } else {
            if (at !== -1) reference.splice(at, 1);
            cache.delete(key);
          }
          assert.equal(cache.size, reference.length);
          assert.ok(cache.size <= max);
        }
      }),
    );
  });
});
