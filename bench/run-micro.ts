// `npm run bench:micro -- <name,...> [--iterations N]`: runs only the named micro-benchmarks
// (tokens, proofs, limits, apple, android, verify) in this process and prints their figures as
// JSON. No servers, no load tool, no results file: for checking one figure after a change
// (`npm run bench:micro -- verify`), not for publishing (that is `npm run bench`).
import { parseArgs } from 'node:util';
import { runMicroBenchmarks } from './run-micro-benchmarks.js';
import type { BenchSettings } from './types.js';

type Iterations = NonNullable<BenchSettings['micro']>;
const NAMES: readonly (keyof Iterations)[] = ['tokens', 'proofs', 'limits', 'apple', 'android', 'verify'];
const DEFAULT_ITERATIONS = 2000;

const { values, positionals } = parseArgs({
  args: process.argv.slice(2),
  options: { iterations: { type: 'string' } },
  allowPositionals: true,
  strict: true,
});
const wanted = positionals.flatMap((each) => each.split(',')).filter((each) => each !== '');
if (wanted.length === 0 || wanted.some((name) => !(NAMES as readonly string[]).includes(name))) {
  process.stderr.write(`usage: npm run bench:micro -- <${NAMES.join('|')}>[,...] [--iterations N]\n`);
  process.exit(2);
}
const iterations = values.iterations === undefined ? DEFAULT_ITERATIONS : Number(values.iterations);
if (!Number.isSafeInteger(iterations) || iterations <= 0) {
  process.stderr.write('--iterations must be a positive integer\n');
  process.exit(2);
}
const plan = Object.fromEntries(
  NAMES.map((name) => [name, wanted.includes(name) ? iterations : 0]),
) as Iterations;
const figures = await runMicroBenchmarks(plan, (line) => process.stderr.write(`bench: ${line}\n`));
process.stdout.write(`${JSON.stringify({ node: process.version, iterations, micro: figures }, null, 2)}\n`);
