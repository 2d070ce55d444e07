/**
 * The budget of the fuzz tests (`*.fuzz.test.ts`). Under `npm test` every property runs a fixed,
 * small number of times from a fixed seed, so the suite is the same on every machine and adds
 * seconds, not minutes. `npm run fuzz` (scripts/fuzz.mjs) sets PORTCULLIS_FUZZ_SCALE to run each
 * property that many times more, and PORTCULLIS_FUZZ_SEED to a seed it prints, so a failure found
 * there is replayed with `npm run fuzz -- --seed N` (fast-check also prints the seed and path of
 * the smallest counterexample).
 */

/** The seed of `npm test`. */
export const DEFAULT_FUZZ_SEED = 20261206;

function positiveInteger(value: string | undefined): number | undefined {
  if (value === undefined || !/^[0-9]{1,9}$/.test(value)) return undefined;
  const parsed = Number(value);
  return parsed > 0 ? parsed : undefined;
}

/**
 * fast-check parameters for a property that runs `runs` times under `npm test`. `salt` gives each
 * property of a file its own seed, derived from the run's seed.
 *
 * @example
 * fc.assert(fc.property(fc.uint8Array(), check), fuzzParameters(200, 1));
 */
export function fuzzParameters(runs: number, salt = 0): { numRuns: number; seed: number } {
  const scale = positiveInteger(process.env['PORTCULLIS_FUZZ_SCALE']) ?? 1;
  const seed = positiveInteger(process.env['PORTCULLIS_FUZZ_SEED']) ?? DEFAULT_FUZZ_SEED;
  return { numRuns: runs * scale, seed: (seed + salt * 7919) | 0 };
}
