import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { PLAY_INTEGRITY_FAILURE_CODES } from './play-integrity-failure-codes.js';

const DOC = new URL('../../../../../docs/providers/play-integrity.md', import.meta.url);

test('codes are unique, lower_snake_case, play_-prefixed, each with a meaning and a fix', () => {
  const codes = PLAY_INTEGRITY_FAILURE_CODES.map((entry) => entry.code);
  assert.equal(new Set(codes).size, codes.length);
  for (const entry of PLAY_INTEGRITY_FAILURE_CODES) {
    assert.match(entry.code, /^play_[a-z]+(?:_[a-z]+)*$/);
    assert.ok(['invalid', 'policy', 'unavailable'].includes(entry.kind));
    assert.ok(entry.meaning.length > 20 && entry.fix.length > 10, entry.code);
  }
});

test('docs/providers/play-integrity.md lists exactly these codes, with their kind, meaning and fix', () => {
  const documented = readFileSync(DOC, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('| `play_'))
    .map((line) => {
      const [code, kind, meaning, fix] = line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim());
      return { code: code?.replaceAll('`', ''), kind, meaning, fix };
    });
  assert.deepEqual(documented, [...PLAY_INTEGRITY_FAILURE_CODES]);
});
