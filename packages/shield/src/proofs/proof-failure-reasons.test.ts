import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES } from '@portcullis/protocol';
import { proofError } from './proof-error.js';
import { PROOF_FAILURE_REASONS } from './proof-failure-reasons.js';

const DOC = new URL('../../../../docs/proofs.md', import.meta.url);

test('reasons are unique, lower_snake_case, each answered with a protocol code (or none when degraded)', () => {
  const codes = PROOF_FAILURE_REASONS.map((entry) => entry.code);
  assert.equal(new Set(codes).size, codes.length);
  for (const entry of PROOF_FAILURE_REASONS) {
    assert.match(entry.code, /^[a-z]+(?:_[a-z0-9]+)+$/);
    assert.ok(entry.meaning.length > 20 && entry.fix.length > 10, entry.code);
    if (entry.clientCode === null) {
      assert.match(entry.code, /^proof_degraded_/);
      assert.throws(() => proofError(entry.code), TypeError);
    } else {
      assert.ok(Object.hasOwn(ERROR_CODES, entry.clientCode));
      const error = proofError(entry.code);
      assert.equal(error.code, entry.clientCode);
      assert.equal(error.reason, entry.code);
    }
  }
});

test('docs/proofs.md lists exactly these reasons, with their client code, meaning and fix', () => {
  const section = readFileSync(DOC, 'utf8').split('\n## Codes and reasons\n')[1]?.split('\n## ')[0] ?? '';
  const documented = section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [code, clientCode, meaning, fix] = line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim());
      return {
        code: code?.replaceAll('`', ''),
        clientCode: clientCode === '—' ? null : clientCode?.replaceAll('`', ''),
        meaning,
        fix,
      };
    });
  assert.deepEqual(documented, [...PROOF_FAILURE_REASONS]);
});
