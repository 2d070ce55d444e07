import type { StepVerdict, VerificationFailure } from '../contract.js';

/** Records step verdicts in order; a failure marks every later step `skipped`. */
export interface StepRecorder<Step extends string> {
  pass(step: Step): void;
  fail(step: Step, failure: VerificationFailure): VerificationFailure & { steps: StepVerdict[] };
  /** The verdicts so far (a copy). */
  done(): StepVerdict[];
}

/** A recorder over the ordered list of step names a verifier performs. */
export function createStepRecorder<Step extends string>(order: readonly Step[]): StepRecorder<Step> {
  const steps: StepVerdict[] = [];
  return {
    pass(step) {
      steps.push({ step, verdict: 'pass' });
    },
    fail(step, failure) {
      steps.push({ step, verdict: 'fail' });
      const rest = order
        .slice(order.indexOf(step) + 1)
        .map((s): StepVerdict => ({ step: s, verdict: 'skipped' }));
      return { ...failure, steps: [...steps, ...rest] };
    },
    done() {
      return [...steps];
    },
  };
}
