import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { STORE_REASONS } from './store-reasons.js';

const DOC = new URL('../../../../docs/stores.md', import.meta.url);

test('sub-codes are unique, lower_snake_case, each with a meaning and a fix', () => {
  const codes = STORE_REASONS.map((entry) => entry.code);
  assert.equal(new Set(codes).size, codes.length);
  for (const entry of STORE_REASONS) {
    assert.match(entry.code, /^[a-z]+(?:_[a-z]+)+$/);
    assert.ok(entry.meaning.length > 20 && entry.fix.length > 10, entry.code);
  }
});

test('docs/stores.md lists exactly these sub-codes, with their meaning and fix', () => {
  const section = readFileSync(DOC, 'utf8').split('\n## Sub-codes\n')[1]?.split('\n## ')[0] ?? '';
  const documented = section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [code, meaning, fix] = line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim());
      return { code: code?.replaceAll('`', ''), meaning, fix };
    });
  assert.deepEqual(documented, [...STORE_REASONS]);
});
