import { benchAndroid } from './micro/bench-android.js';
import { benchApple } from './micro/bench-apple.js';
import { benchLimits } from './micro/bench-limits.js';
import { benchProofs } from './micro/bench-proofs.js';
import { benchTokens } from './micro/bench-tokens.js';
import { benchVerify } from './micro/bench-verify.js';
import type { BenchSettings } from './types.js';

type Figures = Record<string, number | null>;

/**
 * Runs each package's micro-benchmark once, in this process, after every server has stopped:
 * token verification (bare ES256 verify, cache miss, cache hit), App Attest and Android
 * attestation and assertion, per-request proofs, limit checks, and the backend verifier
 * (@portcullis/verify) beside the shield's own, cache miss and hit. An iteration count of 0 skips
 * one; a benchmark that throws is reported as `{ failed: null }` and logged, not fatal.
 */
export async function runMicroBenchmarks(
  iterations: NonNullable<BenchSettings['micro']>,
  log: (line: string) => void,
): Promise<Record<string, Figures>> {
  const results: Record<string, Figures> = {};
  const steps: [string, number, (n: number) => Promise<object> | object][] = [
    ['tokens', iterations.tokens, benchTokens],
    ['proofs', iterations.proofs, benchProofs],
    ['limits', iterations.limits, benchLimits],
    ['apple', iterations.apple, benchApple],
    ['android', iterations.android, benchAndroid],
    ['verify', iterations.verify, benchVerify],
  ];
  for (const [name, n, run] of steps) {
    if (n <= 0) continue;
    log(`micro: ${name} (${n} iterations)`);
    try {
      const figures = (await run(n)) as Record<string, unknown>;
      results[name] = Object.fromEntries(
        Object.entries(figures).map(([key, value]) => [key, typeof value === 'number' ? value : null]),
      );
    } catch (error) {
      log(`micro: ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
      results[name] = { failed: null };
    }
  }
  return results;
}
