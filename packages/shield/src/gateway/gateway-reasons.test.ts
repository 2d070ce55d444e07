import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { ERROR_CODES, isErrorCode } from '@portcullis/protocol';
import type { PathRejectionReason } from './canonicalize-path.js';
import { GATEWAY_REASONS, type GatewayReason } from './gateway-reasons.js';

// Every path rejection is a registered sub-code (compile-time check).
const pathReasonsAreRegistered: PathRejectionReason extends GatewayReason ? true : never = true;

const docs = readFileSync(new URL('../../../../docs/gateway.md', import.meta.url), 'utf8');

describe('GATEWAY_REASONS', () => {
  test('sub-codes are unique lower_snake_case with a one-line meaning and fix', () => {
    assert.equal(pathReasonsAreRegistered, true);
    const seen = new Set<string>();
    for (const entry of GATEWAY_REASONS) {
      assert.match(entry.reason, /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/);
      assert.ok(!seen.has(entry.reason), `${entry.reason} is listed twice`);
      seen.add(entry.reason);
      assert.ok(entry.code === null || isErrorCode(entry.code), `${entry.reason}: ${String(entry.code)}`);
      for (const text of [entry.meaning, entry.fix]) {
        assert.ok(text.length > 0 && !text.includes('\n'), `${entry.reason}: one line of text`);
      }
    }
  });

  test('docs/gateway.md has a row for every sub-code with its client code and status', () => {
    for (const { reason, code } of GATEWAY_REASONS) {
      const row = docs.split('\n').find((line) => line.startsWith(`| \`${reason}\` |`));
      assert.ok(row, `docs/gateway.md lacks a row for ${reason}`);
      if (code !== null) {
        assert.ok(
          row.includes(`| \`${code}\` | ${ERROR_CODES[code].status} |`),
          `${reason}: code or status differ in the docs`,
        );
      }
    }
    const section = docs.slice(docs.indexOf('Audit sub-codes'), docs.indexOf('## 10.'));
    const documented = section.match(/^\| `[a-z0-9_]+` \|/gm) ?? [];
    assert.equal(documented.length, GATEWAY_REASONS.length, 'no stale rows in the docs');
  });
});
