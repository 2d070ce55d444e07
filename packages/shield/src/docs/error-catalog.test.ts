import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ERROR_CODES } from '@portcullis/protocol';
import { reasonGroups, renderErrorsDoc } from './error-catalog.js';

const repo = new URL('../../../../', import.meta.url).pathname;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'test-support' ? [] : sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

test('docs/errors.md is exactly what the code renders (npm run docs:errors regenerates it)', () => {
  const committed = readFileSync(join(repo, 'docs/errors.md'), 'utf8');
  assert.equal(committed, renderErrorsDoc(), 'docs/errors.md is stale: run `npm run docs:errors`');
});

test('every client code is documented with a status and a fix', () => {
  const doc = renderErrorsDoc();
  for (const code of Object.keys(ERROR_CODES)) assert.ok(doc.includes(`| \`${code}\` |`), code);
});

test('reasons are unique within their group and each has a meaning and a fix', () => {
  for (const group of reasonGroups()) {
    const seen = new Set<string>();
    for (const entry of group.reasons) {
      assert.match(entry.reason, /^[a-z][a-z0-9_]*$/, `${group.title}: ${entry.reason}`);
      assert.ok(!seen.has(entry.reason), `${group.title}: ${entry.reason} twice`);
      seen.add(entry.reason);
      assert.ok(entry.meaning.length > 10 && entry.fix.length > 5, `${group.title}: ${entry.reason}`);
    }
  }
});

test('every reason the server code throws is in the catalog', () => {
  const known = new Set([
    ...reasonGroups().flatMap((g) => g.reasons.map((r) => r.reason)),
    ...Object.keys(ERROR_CODES),
  ]);
  const missing: string[] = [];
  for (const file of sourceFiles(join(repo, 'packages/shield/src'))) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/new ShieldError\(\s*'([a-z_]+)',\s*'([a-z_0-9]+)'/g)) {
      if (!known.has(match[2]!)) missing.push(`${file.slice(repo.length)}: ${match[2]}`);
    }
    // The verifier contract's fail(code, kind, message); other modules' local helpers differ.
    if (!/\/(attest|server)\//.test(file)) continue;
    for (const match of text.matchAll(/(?<![.\w])fail\(\s*'([a-z_0-9]+)'/g)) {
      if (!known.has(match[1]!)) missing.push(`${file.slice(repo.length)}: ${match[1]}`);
    }
  }
  assert.deepEqual(missing, [], 'add these reasons to their registry (and regenerate docs/errors.md)');
});
