import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { BoundedExpiryMap } from './bounded-expiry-map.js';

type Op =
  | { kind: 'set'; key: string; expiresAt: number; sweepAt: number }
  | { kind: 'live'; key: string; now: number }
  | { kind: 'take'; key: string }
  | { kind: 'sweep'; now: number };

const key = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'A');
const time = fc.integer({ min: 0, max: 50 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key, expiresAt: time, sweepAt: time }),
  fc.record({ kind: fc.constant('live' as const), key, now: time }),
  fc.record({ kind: fc.constant('take' as const), key }),
  fc.record({ kind: fc.constant('sweep' as const), now: time }),
);

test('behaves like a plain map with an O(n) sweep, for any sequence of operations', () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 4 }), fc.array(op, { maxLength: 80 }), (max, ops) => {
      const map = new BoundedExpiryMap<number>(max);
      const model = new Map<string, number>();
      const sweepModel = (now: number) => {
        let removed = 0;
        for (const [k, expiresAt] of model) {
          if (expiresAt <= now) {
            model.delete(k);
            removed += 1;
          }
        }
        return removed;
      };
      for (const o of ops) {
        switch (o.kind) {
          case 'set': {
            let expected = true;
            if (!model.has(o.key) && model.size >= max) {
              sweepModel(o.sweepAt);
              expected = model.size < max;
            }
            if (expected) model.set(o.key, o.expiresAt);
            assert.equal(map.set(o.key, o.expiresAt, o.expiresAt, o.sweepAt), expected);
            break;
          }
          case 'live': {
            const expiresAt = model.get(o.key);
            const live = expiresAt !== undefined && expiresAt > o.now;
            if (expiresAt !== undefined && !live) model.delete(o.key);
            assert.equal(map.live(o.key, o.now)?.expiresAt, live ? expiresAt : undefined);
            break;
          }
          case 'take': {
            const expiresAt = model.get(o.key);
            model.delete(o.key);
            assert.equal(map.take(o.key)?.value, expiresAt);
            break;
          }
          case 'sweep':
            assert.equal(map.sweep(o.now), sweepModel(o.now));
            break;
        }
        assert.equal(map.size, model.size);
        assert.ok(map.size <= max);
      }
    }),
    { seed: 20260115, numRuns: 500 },
  );
});
