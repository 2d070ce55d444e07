import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES } from '@portcullis/protocol';
import { adminError } from './admin-error.js';
import { ADMIN_REASONS } from './admin-reasons.js';

const DOC = new URL('../../../../docs/admin.md', import.meta.url);

test('reasons are unique, lower_snake_case, admin_-prefixed, each answered with a protocol code', () => {
  const codes = ADMIN_REASONS.map((entry) => entry.code);
  assert.equal(new Set(codes).size, codes.length);
  for (const entry of ADMIN_REASONS) {
    assert.match(entry.code, /^admin_[a-z0-9]+(?:_[a-z0-9]+)*$/);
    assert.ok(Object.hasOwn(ERROR_CODES, entry.clientCode), entry.code);
    assert.ok(entry.meaning.length > 20 && entry.fix.length > 10, entry.code);
    assert.ok(!`${entry.meaning}${entry.fix}`.includes('|'), `${entry.code}: a | would split the docs table`);
    const error = adminError(entry.code);
    assert.equal(error.code, entry.clientCode);
    assert.equal(error.reason, entry.code);
    assert.equal(error.status, ERROR_CODES[entry.clientCode].status);
  }
  assert.throws(() => adminError('admin_nothing' as never), TypeError);
});

test('docs/admin.md lists exactly these reasons, with their client code, meaning and fix', () => {
  const section = readFileSync(DOC, 'utf8').split('\n## Codes and reasons\n')[1]?.split('\n## ')[0] ?? '';
  const documented = section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [code, clientCode, meaning, fix] = line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim());
      return { code: code?.replaceAll('`', ''), clientCode: clientCode?.replaceAll('`', ''), meaning, fix };
    });
  assert.deepEqual(documented, [...ADMIN_REASONS]);
});
