import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { appTokenPolicy } from '../src/app-token-policy.js';
import { es256ScalarsInRange } from '../src/es256-scalars-in-range.js';
import { proofReplayKey } from '../src/proof-replay-key.js';
import { splitCompactJws } from '../src/split-compact-jws.js';

// The pure parts of the app-token profile that the shield (node:crypto) and @portcullis/verify
// (Web Crypto) share. Both verifiers' own suites run every attack through them; these pin the
// edges of each function on its own.

const ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function scalar(value: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(value.toString(16).padStart(64, '0'), 'hex'));
}

function signature(r: bigint, s: bigint): Uint8Array {
  const out = new Uint8Array(64);
  out.set(scalar(r), 0);
  out.set(scalar(s), 32);
  return out;
}

describe('es256ScalarsInRange', () => {
  test('r and s must both lie in [1, n-1]', () => {
    const edges: [bigint, boolean][] = [
      [0n, false],
      [1n, true],
      [ORDER - 1n, true],
      [ORDER, false],
      [ORDER + 1n, false],
      [2n ** 256n - 1n, false],
    ];
    for (const [value, ok] of edges) {
      assert.equal(es256ScalarsInRange(signature(value, 5n)), ok, `r = ${value}`);
      assert.equal(es256ScalarsInRange(signature(5n, value)), ok, `s = ${value}`);
    }
  });

  test('agrees with a bigint comparison on random scalars', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
        fc.bigInt({ min: 0n, max: 2n ** 256n - 1n }),
        (r, s) => {
          const expected = r >= 1n && r < ORDER && s >= 1n && s < ORDER;
          assert.equal(es256ScalarsInRange(signature(r, s)), expected);
        },
      ),
    );
  });

  test('only 64-byte signatures', () => {
    assert.equal(es256ScalarsInRange(new Uint8Array(63).fill(1)), false);
    assert.equal(es256ScalarsInRange(new Uint8Array(65).fill(1)), false);
  });
});

describe('splitCompactJws', () => {
  test('three non-empty segments, at most 4096 characters', () => {
    assert.deepEqual(splitCompactJws('a.b.c'), {
      ok: true,
      header: 'a',
      payload: 'b',
      signature: 'c',
      signingInput: 'a.b',
    });
    for (const bad of ['', 'a', 'a.b', '.b.c', 'a..c', 'a.b.', 'a.b.c.d', 'a.b.c.d.e', '{"payload":1}', 42]) {
      assert.deepEqual(splitCompactJws(bad), { ok: false, reason: 'token_malformed' }, String(bad));
    }
    const long = `${'a'.repeat(2046)}.${'b'.repeat(2048)}.c`;
    assert.equal(long.length, 4097);
    assert.deepEqual(splitCompactJws(long), { ok: false, reason: 'token_too_long' });
    assert.equal(splitCompactJws(long.slice(1)).ok, true);
  });
});

describe('proofReplayKey', () => {
  test('the default hash (@noble/hashes) gives the key node:crypto gives', () => {
    const sha = (data: Uint8Array) => createHash('sha256').update(data).digest();
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 64 }),
        fc.string({ maxLength: 300 }),
        (kid, message) => {
          const expected = `p1:${sha(Buffer.concat([sha(Buffer.from(kid)), sha(Buffer.from(message))])).toString('base64url')}`;
          assert.equal(proofReplayKey(kid, message), expected);
          assert.equal(proofReplayKey(kid, new TextEncoder().encode(message), sha), expected);
        },
      ),
    );
  });
});

describe('appTokenPolicy', () => {
  const base = { issuer: 'https://shield.example', audiences: ['api'], maxLifetimeSeconds: 300 };

  test('fills in the defaults and freezes', () => {
    const policy = appTokenPolicy(base, 'test');
    assert.equal(policy.toleranceSeconds, 30);
    assert.deepEqual(policy.algorithms, ['ES256', 'EdDSA']);
    assert.equal(policy.allowDev, false);
    assert.ok(Object.isFrozen(policy));
  });

  test('bad options throw a TypeError naming the caller and the option', () => {
    const bad: Record<string, unknown>[] = [
      { issuer: '' },
      { audiences: [] },
      { audiences: 'api' },
      { clockToleranceSeconds: 61 },
      { maxLifetimeSeconds: 0 },
      { algorithms: ['HS256'] },
      { allowDev: 'yes' },
    ];
    for (const overrides of bad) {
      assert.throws(
        () => appTokenPolicy({ ...base, ...overrides } as typeof base, 'createThing'),
        (error: unknown) => error instanceof TypeError && error.message.startsWith('createThing: '),
        JSON.stringify(overrides),
      );
    }
  });
});
