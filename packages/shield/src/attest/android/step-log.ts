import type { ComparedValues, StepVerdict, VerificationFailure } from '../contract.js';
import { ANDROID_FAILURE_CODES, type AndroidFailureCode } from './failure-codes.js';

const KIND = new Map<string, VerificationFailure['kind']>(ANDROID_FAILURE_CODES.map((c) => [c.code, c.kind]));

/**
 * Records step verdicts in order. On failure the failing step is marked `fail` and every step
 * not yet reached is listed as `skipped`, so an operator sees the whole path.
 */
export class StepLog<Step extends string> {
  readonly #all: readonly Step[];
  readonly #done: StepVerdict[] = [];

  constructor(all: readonly Step[]) {
    this.#all = all;
  }

  pass(step: Step): void {
    this.#done.push({ step, verdict: 'pass' });
  }

  skip(step: Step): void {
    this.#done.push({ step, verdict: 'skipped' });
  }

  fail(
    step: Step,
    code: AndroidFailureCode,
    message: string,
    compared?: ComparedValues,
  ): VerificationFailure & { steps: StepVerdict[] } {
    this.#done.push({ step, verdict: 'fail' });
    const failure = {
      ok: false as const,
      code,
      kind: KIND.get(code) ?? 'invalid',
      message,
      steps: this.steps(),
    };
    return compared === undefined ? failure : { ...failure, compared };
  }

  /** The verdicts so far followed by every remaining step as skipped. */
  steps(): StepVerdict[] {
    const seen = new Set(this.#done.map((s) => s.step));
    return [
      ...this.#done,
      ...this.#all.filter((s) => !seen.has(s)).map((step) => ({ step, verdict: 'skipped' as const })),
    ];
  }
}
