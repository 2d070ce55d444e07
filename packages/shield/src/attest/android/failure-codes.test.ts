import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ANDROID_FAILURE_CODES } from './failure-codes.js';

const here = new URL('./', import.meta.url);
const sources = readdirSync(here)
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts') && name !== 'failure-codes.ts')
  .map((name) => readFileSync(new URL(name, here), 'utf8'));
/** Every android_* code literal in the module sources. */
const emitted = new Set(
  sources.flatMap((source) => [...source.matchAll(/'(android_[a-z0-9_]+)'/g)].map((m) => m[1])),
);
const listed = ANDROID_FAILURE_CODES.map((c) => c.code);

describe('ANDROID_FAILURE_CODES', () => {
  test('codes are unique, lower_snake_case, android_-prefixed, with a kind, a meaning and a fix', () => {
    assert.equal(new Set(listed).size, listed.length);
    for (const entry of ANDROID_FAILURE_CODES) {
      assert.match(entry.code, /^android_[a-z0-9]+(_[a-z0-9]+)*$/);
      assert.ok(['invalid', 'policy', 'unavailable'].includes(entry.kind), entry.code);
      assert.ok(entry.meaning.length > 20 && entry.fix.length > 10, entry.code);
      assert.ok(!`${entry.meaning}${entry.fix}`.includes('|'), `${entry.code} would break the docs table`);
    }
  });

  test('the table lists exactly the codes the modules emit', () => {
    assert.deepEqual([...emitted].sort(), [...listed].sort());
  });

  test('policy codes are exactly the app policy checks; only revocation can be unavailable', () => {
    const of = (kind: string) =>
      ANDROID_FAILURE_CODES.filter((c) => c.kind === kind)
        .map((c) => c.code)
        .sort();
    assert.deepEqual(of('policy'), [
      'android_app_version_too_old',
      'android_boot_unverified',
      'android_bootloader_unlocked',
      'android_package_mismatch',
      'android_patch_level_too_old',
      'android_security_level_insufficient',
      'android_signature_mismatch',
    ]);
    assert.deepEqual(of('unavailable'), [
      'android_revocation_fetch_failed',
      'android_revocation_list_malformed',
      'android_revocation_unavailable',
    ]);
  });

  test('docs/providers/android.md lists every code with the same kind, meaning and fix', () => {
    const doc = readFileSync(new URL('../../../../../docs/providers/android.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `(android_[a-z0-9_]+)` \|(.+)\|(.+)\|(.+)\|$/gm)].map((m) => ({
      code: m[1],
      kind: m[2]?.trim(),
      meaning: m[3]?.trim(),
      fix: m[4]?.trim(),
    }));
    assert.deepEqual(
      rows,
      ANDROID_FAILURE_CODES.map(({ code, kind, meaning, fix }) => ({ code, kind, meaning, fix })),
    );
  });
});
