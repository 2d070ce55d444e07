import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { ERROR_CODES } from '@portcullis/protocol';
import { CLIENT_ERROR_CODES } from './client-error-codes.js';
import { isClientErrorCode, PortcullisError } from './portcullis-error.js';

const DOC = readFileSync(new URL('../../../docs/client.md', import.meta.url), 'utf8');

/** The rows of the table under `heading` in docs/client.md, cell by cell. */
function tableUnder(heading: string): string[][] {
  const start = DOC.indexOf(`\n${heading}\n`);
  assert.ok(start >= 0, `docs/client.md has "${heading}"`);
  const lines = DOC.slice(start).split('\n');
  const first = lines.findIndex((line) => line.startsWith('|'));
  const rows: string[][] = [];
  for (const line of lines.slice(first + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim()),
    );
  }
  return rows;
}

test('client codes are stable lower_snake_case, unique, and never reuse a shield code', () => {
  const codes = CLIENT_ERROR_CODES.map((c) => c.code);
  assert.equal(new Set(codes).size, codes.length);
  for (const info of CLIENT_ERROR_CODES) {
    assert.match(info.code, /^[a-z]+(?:_[a-z]+)*$/);
    assert.ok(!Object.hasOwn(ERROR_CODES, info.code), `${info.code} is a shield code`);
    assert.ok(info.meaning.length > 20 && info.fix.length > 20, info.code);
    assert.ok(isClientErrorCode(info.code));
    assert.equal(new PortcullisError(info.code).hint, info.fix);
  }
});

test('docs/client.md lists exactly the client codes, with the same meaning and fix', () => {
  const rows = tableUnder('### Codes the SDK raises itself');
  assert.deepEqual(
    rows,
    CLIENT_ERROR_CODES.map((c) => [`\`${c.code}\``, c.meaning, c.fix]),
  );
});

test("a shield code's hint is the protocol's fix, and the message never carries more than code and title", () => {
  for (const [code, info] of Object.entries(ERROR_CODES)) {
    const error = new PortcullisError(code as keyof typeof ERROR_CODES, {
      status: info.status,
      requestId: 'r-1',
    });
    assert.equal(error.hint, info.fix);
    assert.equal(error.message, `${code}: ${info.title}`);
    assert.equal(error.name, 'PortcullisError');
    assert.ok(error instanceof Error);
  }
});
