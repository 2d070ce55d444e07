import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compileSecretMatcher, SECRET_FOUND } from './compile-secret-matcher.js';
import { ResponseSecretScanner } from './response-secret-scanner.js';
import { foldCase } from './secret-forms.js';

// A tiny alphabet (with both cases and non-letters) so needles overlap, share prefixes and
// occur by chance: the automaton is compared with the obvious quadratic search.
const unit = fc.constantFrom('a', 'b', 'A', 'B', '%', '\\', '\u0000', '\u00e9');
const text = (min: number, max: number) =>
  fc.string({ unit, minLength: min, maxLength: max }).map((s) => Buffer.from(s, 'latin1'));
const needles = fc.array(text(1, 6), { minLength: 1, maxLength: 5 }).map((list) => list.map(foldCase));

function naiveFound(haystack: Buffer, list: readonly Buffer[]): boolean {
  const folded = foldCase(haystack);
  return list.some((needle) => folded.indexOf(needle) !== -1);
}

/** Length of the longest suffix of `haystack` (folded) that is a proper prefix of some needle. */
function naivePending(haystack: Buffer, list: readonly Buffer[]): number {
  const folded = foldCase(haystack);
  let best = 0;
  for (const needle of list) {
    for (let k = Math.min(needle.length - 1, folded.length); k > best; k--) {
      if (folded.subarray(folded.length - k).equals(needle.subarray(0, k))) {
        best = k;
        break;
      }
    }
  }
  return best;
}

/** Splits `bytes` at the given cut points (taken modulo its length). */
function split(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % (bytes.length + 1))))].sort(
    (a, b) => a - b,
  );
  const parts: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    parts.push(bytes.subarray(from, point));
    from = point;
  }
  parts.push(bytes.subarray(from));
  return parts;
}

describe('compileSecretMatcher', () => {
  test('finds a needle exactly when a case-folded search does, whatever the chunking', () => {
    fc.assert(
      fc.property(needles, text(0, 40), fc.array(fc.nat(), { maxLength: 6 }), (list, haystack, cuts) => {
        const matcher = compileSecretMatcher(list);
        let state = matcher.initial;
        for (const part of split(haystack, cuts)) {
          state = matcher.scan(state, part);
          if (state === SECRET_FOUND) break;
        }
        assert.equal(state === SECRET_FOUND, naiveFound(haystack, list));
        assert.equal(matcher.foundIn(haystack.toString('latin1')), naiveFound(haystack, list));
        if (state !== SECRET_FOUND) assert.equal(matcher.pending(state), naivePending(haystack, list));
      }),
      { numRuns: 2000 },
    );
  });

  test('refuses an empty needle list or an empty needle', () => {
    assert.throws(() => compileSecretMatcher([]), TypeError);
    assert.throws(() => compileSecretMatcher([Buffer.from('a'), Buffer.alloc(0)]), TypeError);
  });
});

describe('ResponseSecretScanner', () => {
  test('releases the stream unchanged when no needle is in it, and never a byte a needle starts at', () => {
    fc.assert(
      fc.property(needles, text(0, 60), fc.array(fc.nat(), { maxLength: 8 }), (list, stream, cuts) => {
        const scanner = new ResponseSecretScanner(compileSecretMatcher(list));
        const released: Buffer[] = [];
        let found = false;
        for (const part of split(stream, cuts)) {
          const safe = scanner.push(part);
          if (safe === null) {
            found = true;
            break;
          }
          released.push(...safe.map((b) => Buffer.from(b)));
        }
        if (!found) {
          const held = scanner.end();
          if (held !== null) released.push(held);
        }
        const sent = Buffer.concat(released);
        assert.equal(found, naiveFound(stream, list));
        // What was sent is a prefix of the stream...
        assert.ok(stream.subarray(0, sent.length).equals(sent));
        if (!found) {
          assert.equal(sent.length, stream.length);
        } else {
          // ...and no occurrence of a needle starts inside it (not even its first byte left).
          const folded = foldCase(stream);
          for (const needle of list) {
            const at = folded.indexOf(needle);
            if (at !== -1) assert.ok(at >= sent.length, 'part of a needle was released');
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});

test('needles that use every byte value compile, and match in either letter case', () => {
  const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  const matcher = compileSecretMatcher([foldCase(every)]);
  assert.equal(matcher.scan(matcher.initial, Buffer.concat([Buffer.from('..'), every])), SECRET_FOUND);
  assert.notEqual(matcher.scan(matcher.initial, every.subarray(0, 255)), SECRET_FOUND);
});
