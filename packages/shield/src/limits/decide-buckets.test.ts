import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { decideBuckets, shapeBucket } from './decide-buckets.js';
import type { BucketRequest } from './types.js';

const S = 1_000_000;

/** Runs single-bucket takes at the given times (µs), keeping the TAT like a store would. */
function run(
  bucket: Pick<BucketRequest, 'intervalUs' | 'burstUs'>,
  arrivals: readonly { at: number; cost?: number }[],
): boolean[] {
  let tat: number | null = null;
  return arrivals.map(({ at, cost }) => {
    const { outcomes, newTats } = decideBuckets(at, [tat], [{ key: 'k', ...bucket, cost: cost ?? 1 }], 'all');
    if (newTats[0] !== null && newTats[0] !== undefined) tat = newTats[0];
    return outcomes[0]!.allowed;
  });
}

describe('decideBuckets (GCRA)', () => {
  test('a fresh bucket holds max units; the next one waits exactly one interval', () => {
    const shape = shapeBucket(5, 600);
    assert.deepEqual(shape, { intervalUs: 120 * S, burstUs: 600 * S });
    let tat: number | null = null;
    const remaining: number[] = [];
    for (let i = 0; i < 5; i++) {
      const { outcomes, newTats } = decideBuckets(0, [tat], [{ key: 'k', cost: 1, ...shape }], 'all');
      assert.equal(outcomes[0]!.allowed, true);
      remaining.push(outcomes[0]!.remaining);
      tat = newTats[0]!;
    }
    assert.deepEqual(remaining, [4, 3, 2, 1, 0]);
    const refused = decideBuckets(0, [tat], [{ key: 'k', cost: 1, ...shape }], 'all');
    assert.deepEqual(refused.outcomes[0], {
      allowed: false,
      taken: false,
      remaining: 0,
      fullInUs: 600 * S,
      waitUs: 120 * S,
    });
    assert.deepEqual(refused.newTats, [null]);
    // One interval later exactly one unit is back.
    const later = decideBuckets(120 * S, [tat], [{ key: 'k', cost: 1, ...shape }], 'all');
    assert.equal(later.outcomes[0]!.allowed, true);
    assert.equal(later.outcomes[0]!.remaining, 0);
  });

  test('F-24: 20/min, 20 requests at 59.9 s and 20 at 60.1 s: 20 pass, not 40 as with fixed windows', () => {
    const shape = shapeBucket(20, 60);
    const arrivals = [
      ...Array.from({ length: 20 }, () => ({ at: 59.9 * S })),
      ...Array.from({ length: 20 }, () => ({ at: 60.1 * S })),
    ];
    const allowed = run(shape, arrivals);
    assert.equal(allowed.filter(Boolean).length, 20);
    // A fixed window of 60 s would reset at 60 s and let the second 20 through.
    const fixed = arrivals.map((a, i) => Math.floor(a.at / (60 * S)) === 0 || i >= 20);
    assert.equal(fixed.filter(Boolean).length, 40);
  });

  test('costs: a cost up to the remaining units passes, a larger one waits for exactly what it lacks', () => {
    const shape = shapeBucket(10, 10);
    const first = decideBuckets(0, [null], [{ key: 'k', cost: 7, ...shape }], 'all');
    assert.equal(first.outcomes[0]!.remaining, 3);
    const second = decideBuckets(0, [first.newTats[0]!], [{ key: 'k', cost: 5, ...shape }], 'all');
    assert.equal(second.outcomes[0]!.allowed, false);
    assert.equal(second.outcomes[0]!.remaining, 3);
    assert.equal(second.outcomes[0]!.waitUs, 2 * S);
    const over = decideBuckets(0, [null], [{ key: 'k', cost: 11, ...shape }], 'all');
    assert.equal(over.outcomes[0]!.allowed, false);
  });

  test("mode 'all' takes nothing unless every bucket allows; 'each' decides each alone; peeks are never taken", () => {
    const a = { key: 'a', cost: 1, ...shapeBucket(10, 60) };
    const b = { key: 'b', cost: 1, ...shapeBucket(1, 60) };
    const full = shapeBucket(1, 60).burstUs;
    const all = decideBuckets(0, [null, full], [a, b], 'all');
    assert.deepEqual(
      all.outcomes.map((o) => [o.allowed, o.taken]),
      [
        [true, false],
        [false, false],
      ],
    );
    assert.deepEqual(all.newTats, [null, null]);
    assert.equal(all.outcomes[0]!.remaining, 10, 'a refused request spends nothing');
    const each = decideBuckets(0, [null, full], [a, b], 'each');
    assert.deepEqual(
      each.outcomes.map((o) => o.taken),
      [true, false],
    );
    const peek = decideBuckets(0, [null], [{ ...a, peek: true }], 'all');
    assert.deepEqual(
      [peek.outcomes[0]!.allowed, peek.outcomes[0]!.taken, peek.newTats[0]],
      [true, false, null],
    );
  });

  test('the interval is rounded up, so the configured limit is never exceeded', () => {
    const { intervalUs, burstUs } = shapeBucket(7, 3600);
    assert.ok(intervalUs * 7 >= 3600 * S && burstUs === intervalUs * 7);
    const allowed = run(
      { intervalUs, burstUs },
      Array.from({ length: 8 }, () => ({ at: 0 })),
    );
    assert.deepEqual(allowed, [true, true, true, true, true, true, true, false]);
  });

  test('property: decisions equal a token bucket kept as a fill level (an independent formulation)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 50 }),
        fc.integer({ min: 1, max: 120 }),
        fc.array(
          fc.record({ gap: fc.integer({ min: 0, max: 20 * S }), cost: fc.integer({ min: 1, max: 60 }) }),
          {
            maxLength: 80,
          },
        ),
        (max, windowSeconds, steps) => {
          const shape = shapeBucket(max, windowSeconds);
          let at = 1_000 * S;
          const arrivals = steps.map((s) => {
            at += s.gap;
            return { at, cost: s.cost };
          });
          const got = run(shape, arrivals);
          // Reference: a bucket of burstUs µs of credit, refilled 1 µs per µs, a unit costs intervalUs.
          let level = shape.burstUs;
          let last = arrivals[0]?.at ?? 0;
          const want = arrivals.map(({ at: t, cost }) => {
            level = Math.min(shape.burstUs, level + (t - last));
            last = t;
            if (level < cost * shape.intervalUs) return false;
            level -= cost * shape.intervalUs;
            return true;
          });
          assert.deepEqual(got, want);
        },
      ),
      { numRuns: 300, seed: 6 },
    );
  });

  test('property: in any stretch of d µs at most max + d / interval units pass (no edge burst)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.integer({ min: 0, max: 3 * S }), { minLength: 1, maxLength: 120 }),
        (max, gaps) => {
          const shape = shapeBucket(max, 10);
          let at = 0;
          const arrivals = gaps.map((gap) => {
            at += gap;
            return { at };
          });
          const allowed = run(shape, arrivals);
          for (let i = 0; i < arrivals.length; i++) {
            let passed = 0;
            for (let j = i; j < arrivals.length; j++) {
              if (allowed[j]) passed++;
              const span = arrivals[j]!.at - arrivals[i]!.at;
              assert.ok(passed <= max + Math.floor(span / shape.intervalUs), `${passed} in ${span} µs`);
            }
          }
        },
      ),
      { numRuns: 200, seed: 24 },
    );
  });
});
