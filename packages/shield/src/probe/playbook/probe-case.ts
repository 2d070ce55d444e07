import type { RouteConfig } from '../../config/index.js';
import type { ProbeContext } from '../create-probe-context.js';
import type { ProbeVerdict } from '../probe-types.js';

/** One move of the attacker's playbook, against one route or the listener as a whole. */
export interface ProbeCase {
  /** Stable id, e.g. `token-missing`; with the route it identifies a row of the report. */
  id: string;
  /** Threat IDs of docs/threat-model.md this case exercises. */
  threats: string[];
  title: string;
  route: RouteConfig | null;
  /** What the shield must do, in a few words. */
  expectation: string;
  /** What the owner does when the attack got through. */
  fix: string;
  run(context: ProbeContext): Promise<ProbeVerdict>;
}

/** A verdict for a case that cannot run here, with why. */
export function skipped(detail: string): ProbeVerdict {
  return { outcome: 'skipped', detail };
}

/** Skips cases that need the signing key or the device store unless this is a dry run. */
export const NEEDS_DRY_RUN = 'needs the signing key: run without --target (dry run)';
