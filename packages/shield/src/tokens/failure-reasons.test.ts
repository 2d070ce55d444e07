import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { KEY_STORE_FAILURE_REASONS } from './key-store-failure-reasons.js';
import { TOKEN_FAILURE_REASONS } from './token-failure-reasons.js';

// The token profile's checks live partly here and partly in @portcullis/protocol (shared with
// @portcullis/verify): both raise these reasons.
const folders = [new URL('./', import.meta.url), new URL('../../../protocol/src/', import.meta.url)];
const sources = folders
  .flatMap((here) =>
    readdirSync(here)
      .filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts'))
      .map((name) => readFileSync(new URL(name, here), 'utf8')),
  )
  .join('\n');
const docs = readFileSync(new URL('../../../../docs/tokens.md', import.meta.url), 'utf8');

describe('failure reasons', () => {
  const all = [...TOKEN_FAILURE_REASONS, ...KEY_STORE_FAILURE_REASONS];

  test('codes are unique lower_snake_case with a meaning and a fix', () => {
    assert.equal(new Set(all.map((r) => r.code)).size, all.length);
    for (const r of all) {
      assert.match(r.code, /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/);
      assert.ok(r.meaning.length > 10 && r.fix.length > 10, r.code);
    }
  });

  test('every reason the code can raise is listed', () => {
    const raised = new Set<string>();
    for (const match of sources.matchAll(/(?:refuse|invalid)\(\s*'([a-z0-9_]+)'/g)) raised.add(match[1]!);
    for (const match of sources.matchAll(/reason: '(token_[a-z0-9_]+)'/g)) raised.add(match[1]!);
    for (const match of sources.matchAll(/ShieldError\('[a-z_]+', '([a-z0-9_]+)'/g)) raised.add(match[1]!);
    assert.ok(raised.size > 20);
    const listed = new Set<string>(all.map((r) => r.code));
    assert.deepEqual(
      [...raised].filter((code) => !listed.has(code)),
      [],
    );
  });

  test('every listed reason can be raised', () => {
    for (const r of all) assert.ok(sources.includes(`'${r.code}'`), r.code);
  });

  test('docs/tokens.md describes every reason', () => {
    for (const r of all) assert.ok(docs.includes(`\`${r.code}\``), `docs/tokens.md lacks ${r.code}`);
  });
});
