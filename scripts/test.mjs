#!/usr/bin/env node
// The whole suite: type check, lint, then every test file with node's test runner (Node 20 has
// no glob support in --test, so the files are listed here). Extra arguments go to the runner,
// e.g. `npm test -- --test-name-pattern=gateway`. PORTCULLIS_TEST_SKIP_STATIC=1 skips the type
// check and lint (for quick local runs; CI never sets it).
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
function step(name, command, args) {
  console.log(`# ${name}: ${command} ${args.join(' ')}`);
  const run = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (run.status !== 0) {
    console.error(`# ${name} failed`);
    console.log('0 passed, 1 failed');
    process.exit(run.status ?? 1);
  }
}
if (process.env.PORTCULLIS_TEST_SKIP_STATIC !== '1') {
  const bin = (name) => join(root, 'node_modules', '.bin', name);
  step('type check', bin('tsc'), ['-p', 'tsconfig.json']);
  step('type check (protocol, no Node types)', bin('tsc'), ['-p', 'packages/protocol/tsconfig.json']);
  step('type check (client, no Node types)', bin('tsc'), ['-p', 'packages/client/tsconfig.json']);
  step('type check (verify core, no Node types)', bin('tsc'), ['-p', 'packages/verify/tsconfig.json']);
  step('type check (client scripts)', bin('tsc'), ['-p', 'packages/client/scripts/tsconfig.json']);
  step('type check (admin console, DOM)', bin('tsc'), ['-p', 'packages/shield/console/tsconfig.json']);
  step('type check (React Native example)', bin('tsc'), ['-p', 'examples/react-native/tsconfig.json']);
  step('lint', bin('biome'), ['ci', '--colors=off', '.']);
}
// No --test-force-exit: it drops results of files still reporting when it fires (Node's runner
// with concurrency). A file whose process stays alive after its tests fails instead, naming the
// handles that keep it (scripts/test-exit-guard.mjs).
const result = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--import',
    join(root, 'scripts', 'test-exit-guard.mjs'),
    '--test',
    '--test-concurrency=2',
    '--test-timeout=180000',
    ...process.argv.slice(2),
    ...files,
  ],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
