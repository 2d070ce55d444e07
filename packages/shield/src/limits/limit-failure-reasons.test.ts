import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES } from '@portcullis/protocol';
import { LIMIT_FAILURE_REASONS } from './limit-failure-reasons.js';

const DOC = new URL('../../../../docs/limits.md', import.meta.url);

test('reason codes are unique, lower_snake_case, each with a real answer code, a meaning and a fix', () => {
  const codes = LIMIT_FAILURE_REASONS.map((entry) => entry.code);
  assert.equal(new Set(codes).size, codes.length);
  for (const entry of LIMIT_FAILURE_REASONS) {
    assert.match(entry.code, /^[a-z]+(?:_[a-z]+)+$/);
    assert.ok(entry.answer === null || Object.hasOwn(ERROR_CODES, entry.answer), entry.code);
    assert.ok(entry.meaning.length > 20 && entry.fix.length > 10, entry.code);
  }
});

test('docs/limits.md lists exactly these reason codes, with their answer, meaning and fix', () => {
  const section = readFileSync(DOC, 'utf8').split('\n## Reason codes\n')[1]?.split('\n## ')[0] ?? '';
  const documented = section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [code, answer, meaning, fix] = line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim());
      return {
        code: code?.replaceAll('`', ''),
        answer: answer === 'none' ? null : answer?.replaceAll('`', ''),
        meaning,
        fix,
      };
    });
  assert.deepEqual(documented, [...LIMIT_FAILURE_REASONS]);
});
