import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

// docs/threat-model.md defines every threat ID that code, tests and docs cite. These tests keep
// the two in step: a citation without a row, a row whose test file is gone, or a reference to a
// threat catalog outside the repository fails here.

const repo = new URL('../../../../', import.meta.url).pathname;
const DOC = 'docs/threat-model.md';
const ID = /\b(?:A[0-9]{1,2}|[B-F])-[0-9]{2}\b/g;
const ROW = /^\| ([A-F][0-9]{0,2}-[0-9]{2})( †)? \| (.+?) \| (.+?) \| (.+?) \|$/;
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'fixtures', '.git', '.portcullis', 'coverage']);
const TEXT_FILE = /\.(?:ts|tsx|mts|mjs|js|md|yaml|yml|json)$/;

/** Every text file of the repository that may cite a threat (sources, tests, docs, examples). */
function repositoryFiles(dir = repo): string[] {
  return readdirSync(dir).flatMap((name) => {
    if (SKIPPED_DIRS.has(name) || name === 'package-lock.json') return [];
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return repositoryFiles(path);
    return TEXT_FILE.test(name) ? [relative(repo, path)] : [];
  });
}

interface Row {
  id: string;
  tests: string[];
}

function rows(): Row[] {
  const text = readFileSync(join(repo, DOC), 'utf8');
  const found: Row[] = [];
  for (const line of text.split('\n')) {
    if (!/^\| [A-F][0-9]{0,2}-/.test(line)) continue;
    const match = ROW.exec(line);
    assert.ok(
      match,
      `${DOC}: a threat row that is not | ID | attack | what the shield does | tested in |: ${line}`,
    );
    const cell = match[5]!;
    const tests = cell === 'none' ? [] : cell.split(', ').map((entry) => entry.replace(/^`(.+)`$/, '$1'));
    found.push({ id: match[1]!, tests });
  }
  return found;
}

test('every threat row has a unique ID and names test files that exist (or none)', () => {
  const seen = new Set<string>();
  const all = rows();
  assert.ok(all.length > 100, 'the threat rows were found');
  for (const row of all) {
    assert.ok(!seen.has(row.id), `${row.id} is defined twice`);
    seen.add(row.id);
    for (const file of row.tests) {
      assert.match(file, /^[\w./-]+\.test\.(?:ts|mts|mjs)$/, `${row.id}: "${file}" is not a test file path`);
      assert.ok(existsSync(join(repo, file)), `${row.id}: ${file} does not exist`);
    }
  }
});

test('every threat ID cited in code, tests or docs is defined in docs/threat-model.md', () => {
  const defined = new Set(rows().map((row) => row.id));
  const missing: string[] = [];
  for (const file of repositoryFiles()) {
    if (file === DOC) continue;
    const text = readFileSync(join(repo, file), 'utf8');
    for (const [id] of text.matchAll(ID)) {
      if (!defined.has(id)) missing.push(`${file}: ${id}`);
    }
  }
  assert.deepEqual(missing, [], 'cited threat IDs without a row in docs/threat-model.md');
});

test('threat citations point at docs/threat-model.md, not at a catalog outside the repository', () => {
  const stray = repositoryFiles().filter(
    (file) => file !== DOC && /threats\.md|spec\/threats/.test(readFileSync(join(repo, file), 'utf8')),
  );
  assert.deepEqual(stray, []);
});
