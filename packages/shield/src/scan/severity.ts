import { SEVERITIES, type Severity } from './types.js';

/** Rank of a severity: info 0 … critical 4. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** `true` when `value` names a severity. */
export function isSeverity(value: string): value is Severity {
  return (SEVERITIES as readonly string[]).includes(value);
}
