import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { APPLE_FAILURE_CODES } from './apple-failure-codes.js';

const here = new URL('./', import.meta.url);
const sources = readdirSync(here)
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
  .map((name) => readFileSync(new URL(name, here), 'utf8'));
/** Every apple_* code literal in the verifier sources. */
const emitted = new Set(
  sources.flatMap((source) => [...source.matchAll(/'(apple_[a-z0-9_]+)'/g)].map((m) => m[1]!)),
);
const listed = APPLE_FAILURE_CODES.map((c) => c.code);

describe('APPLE_FAILURE_CODES', () => {
  test('codes are unique, lower_snake_case, apple_-prefixed, with a kind, a meaning and a fix', () => {
    assert.equal(new Set(listed).size, listed.length);
    for (const entry of APPLE_FAILURE_CODES) {
      assert.match(entry.code, /^apple_[a-z0-9]+(_[a-z0-9]+)*$/);
      assert.ok(['invalid', 'policy'].includes(entry.kind), entry.code);
      assert.ok(entry.meaning.length > 20 && entry.fix.length > 10, entry.code);
    }
  });

  test('the table lists exactly the codes the verifiers emit', () => {
    assert.deepEqual([...emitted].sort(), [...listed].sort());
  });

  test('app identity and environment mismatches are policy, everything else invalid', () => {
    const policy = APPLE_FAILURE_CODES.filter((c) => c.kind === 'policy').map((c) => c.code);
    assert.deepEqual(policy.sort(), ['apple_environment_not_allowed', 'apple_rp_id_mismatch']);
  });

  test('docs/providers/apple-app-attest.md lists every code with the same kind, meaning and fix', () => {
    const doc = readFileSync(
      new URL('../../../../../docs/providers/apple-app-attest.md', import.meta.url),
      'utf8',
    );
    const rows = [...doc.matchAll(/^\| `(apple_[a-z0-9_]+)` \| (\w+) \| (.+) \| (.+) \|$/gm)].map((m) => ({
      code: m[1]!,
      kind: m[2]!,
      meaning: m[3]!,
      fix: m[4]!,
    }));
    assert.deepEqual(
      rows,
      APPLE_FAILURE_CODES.map(({ code, kind, meaning, fix }) => ({ code, kind, meaning, fix })),
    );
  });
});
