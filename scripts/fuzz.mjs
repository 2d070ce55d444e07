#!/usr/bin/env node
// The long fuzz run: every *.fuzz.test.ts with many more runs per property than `npm test` gives
// them, from a fresh random seed that is printed first, so a failure is replayed exactly with
// `npm run fuzz -- --seed N` (add `--scale N` to change the runs, and file paths to run only
// those files). `npm test` runs the same properties with a fixed seed and a small budget.
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const args = process.argv.slice(2);
function option(name, fallback) {
  const at = args.indexOf(name);
  if (at === -1) return fallback;
  const value = args[at + 1];
  args.splice(at, 2);
  if (value === undefined || !/^[0-9]{1,9}$/.test(value) || Number(value) < 1) {
    console.error(`scripts/fuzz.mjs: ${name} takes a positive integer`);
    process.exit(2);
  }
  return Number(value);
}
const seed = option('--seed', randomInt(1, 2 ** 31 - 1));
const scale = option('--scale', 25);

const files = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist' || name === 'fixtures') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.fuzz.test.ts')) files.push(relative(root, path));
  }
}
for (const dir of ['packages', 'examples']) walk(join(root, dir));
files.sort();
const chosen = args.length > 0 ? args : files;
if (chosen.length === 0) {
  console.error('scripts/fuzz.mjs: no *.fuzz.test.ts files found');
  process.exit(1);
}

console.log(
  `# fuzz seed: ${seed}, scale: ${scale} (replay: npm run fuzz -- --seed ${seed} --scale ${scale})`,
);
const run = spawnSync(
  process.execPath,
  [
    '--import',
    'tsx',
    '--import',
    join(root, 'scripts', 'test-exit-guard.mjs'),
    '--test',
    '--test-concurrency=2',
    '--test-timeout=3600000',
    ...chosen,
  ],
  {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PORTCULLIS_FUZZ_SEED: String(seed), PORTCULLIS_FUZZ_SCALE: String(scale) },
  },
);
if (run.status !== 0) console.log(`# fuzz failed; replay: npm run fuzz -- --seed ${seed} --scale ${scale}`);
process.exit(run.status ?? 1);
