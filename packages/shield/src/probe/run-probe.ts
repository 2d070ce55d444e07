import { createProbeContext } from './create-probe-context.js';
import { BudgetExhausted, createRequestBudget } from './create-request-budget.js';
import { buildPlaybook } from './playbook/build-playbook.js';
import type { ProbeCase } from './playbook/probe-case.js';
import type { ProbeCaseResult, ProbeEnvironment, ProbeMode, ProbeVerdict } from './probe-types.js';
import { routeName } from './route-facts.js';

/** The report of one probe run; its JSON form is documented in docs/probe.md. */
export interface ProbeReport {
  /** Version of this schema. */
  version: 1;
  mode: ProbeMode;
  /** The shield's origin (in a dry run, the loopback listener the probe started). */
  target: string;
  /** The config file, as given. */
  config: string;
  requests: { sent: number; max: number; ratePerSecond: number };
  /** False when the request budget ran out before every case was played. */
  complete: boolean;
  summary: { held: number; gotThrough: number; inconclusive: number; skipped: number };
  cases: ProbeCaseResult[];
}

export interface RunProbeOptions {
  /** The config file as the owner named it (for the report). */
  configPath: string;
  maxRequests: number;
  ratePerSecond: number;
  /** Per exchange. Default 10 s. */
  timeoutMs?: number;
  /** Told about each case as it finishes. */
  onCase?(result: ProbeCaseResult): void;
  /** Replaces the playbook (tests of the runner). */
  cases?: ProbeCase[];
}

function resultOf(probeCase: ProbeCase, verdict: ProbeVerdict): ProbeCaseResult {
  const failing = verdict.outcome === 'got-through' || verdict.outcome === 'inconclusive';
  return {
    id: probeCase.id,
    threats: [...probeCase.threats],
    title: probeCase.title,
    route: probeCase.route === null ? null : routeName(probeCase.route),
    expectation: probeCase.expectation,
    outcome: verdict.outcome,
    status: verdict.status ?? null,
    code: verdict.code ?? null,
    detail: verdict.detail,
    fix: failing ? (verdict.fix ?? probeCase.fix) : null,
  };
}

/**
 * Plays the attacker's playbook against the shield `env` describes, one case after another, every
 * request through one budget (at most `maxRequests`, paced at `ratePerSecond`). Once the budget is
 * spent the remaining cases are reported as skipped and the report says it is incomplete. A case
 * that fails unexpectedly is reported inconclusive with the error's message; nothing stops the run.
 */
export async function runProbe(env: ProbeEnvironment, options: RunProbeOptions): Promise<ProbeReport> {
  const budget = createRequestBudget({ max: options.maxRequests, ratePerSecond: options.ratePerSecond });
  const context = createProbeContext(
    env,
    budget,
    options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs },
  );
  const cases = options.cases ?? buildPlaybook(env);
  const results: ProbeCaseResult[] = [];
  let exhausted = false;
  for (const probeCase of cases) {
    let verdict: ProbeVerdict;
    if (exhausted) {
      verdict = {
        outcome: 'skipped',
        detail: `not run: the budget of ${options.maxRequests} requests was spent`,
      };
    } else {
      try {
        verdict = await probeCase.run(context);
      } catch (error) {
        if (error instanceof BudgetExhausted) {
          exhausted = true;
          verdict = {
            outcome: 'skipped',
            detail: `not run: the budget of ${options.maxRequests} requests was spent`,
          };
        } else {
          const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          verdict = { outcome: 'inconclusive', detail: `the probe could not play this case (${message})` };
        }
      }
    }
    const result = resultOf(probeCase, verdict);
    results.push(result);
    options.onCase?.(result);
  }
  const count = (outcome: ProbeCaseResult['outcome']) => results.filter((r) => r.outcome === outcome).length;
  return {
    version: 1,
    mode: env.mode,
    target: env.url.origin,
    config: options.configPath,
    requests: { sent: budget.sent, max: budget.max, ratePerSecond: budget.ratePerSecond },
    complete: !exhausted,
    summary: {
      held: count('held'),
      gotThrough: count('got-through'),
      inconclusive: count('inconclusive'),
      skipped: count('skipped'),
    },
    cases: results,
  };
}

/** 1 when something got through or the run was cut short by its budget, else 0. */
export function probeExitCode(report: ProbeReport): 0 | 1 {
  return report.summary.gotThrough > 0 || !report.complete ? 1 : 0;
}
