import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { readThreatRows, type ThreatRow, threatCoverage } from './threat-coverage.js';

// docs/threat-model.md defines every threat ID that code, tests and docs cite. These tests keep
// the two in step: a citation without a row, a row whose test file is gone, or a reference to a
// threat catalog outside the repository fails here.

const repo = new URL('../../../../', import.meta.url).pathname;
const DOC = 'docs/threat-model.md';
const ID = /\b(?:A[0-9]{1,2}|[B-F])-[0-9]{2}\b/g;
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

function rows(): ThreatRow[] {
  return readThreatRows(readFileSync(join(repo, DOC), 'utf8'));
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

test('every threat has a test that names it, or says why it is out of the shield’s reach', () => {
  const coverage = threatCoverage(repo);
  assert.ok(coverage.length > 100, 'the threat rows were found');
  const untested = coverage.flatMap((c) =>
    c.status === 'untested' ? [`${DOC}:${c.line} ${c.id}: ${c.reason}`] : [],
  );
  assert.deepEqual(untested, [], 'threats without a test (npm run threats:untested)');
  for (const c of coverage) {
    if (c.status === 'out-of-scope') assert.ok(c.reason.length >= 20, `${c.id}: say why it is out of scope`);
  }
});

test('the coverage reader tells the three states apart, from the row and the files', () => {
  const text = [
    '| A1-01 | a | b | `packages/shield/src/docs/threat-model.test.ts` |',
    '| A1-02 † | a | b | none |',
    '| A1-03 | a | b | out of scope: the backend decides object ownership |',
  ].join('\n');
  assert.deepEqual(
    readThreatRows(text).map((row) => [row.id, row.tests.length, row.outOfScope]),
    [
      ['A1-01', 1, null],
      ['A1-02', 0, null],
      ['A1-03', 0, 'the backend decides object ownership'],
    ],
  );
  assert.throws(() => readThreatRows('| A1-02 | only two cells |'), /threat-model\.md:1/);
});
