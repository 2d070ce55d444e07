#!/usr/bin/env node
// Runs every test file of the repository with node's test runner (Node 20 has no glob support
// in --test, so the files are listed here). Extra arguments are passed to the runner, e.g.
// `npm test -- --test-name-pattern=gateway`.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const roots = ['packages', 'examples', 'bench'].map((d) => join(root, d));
const files = [];
function walk(dir) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'dist' || name === 'fixtures') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (/\.test\.(ts|mts|js|mjs)$/.test(name)) files.push(relative(root, path));
  }
}
roots.forEach(walk);
files.sort();
if (files.length === 0) {
  console.error('scripts/test.mjs: no test files found');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', ...process.argv.slice(2), ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
