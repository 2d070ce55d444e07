import { createHash } from 'node:crypto';

/** Characters of a secret shown at most, after which it is cut. */
const SHOWN = 10;

/**
 * A short prefix of `value`, enough to recognise the key (`sk_live_51…`), never enough to use it:
 * at most a quarter of the value and at most {@link SHOWN} characters.
 */
export function redact(value: string): string {
  const shown = Math.min(SHOWN, Math.floor(value.length / 4));
  return `${value.slice(0, shown)}…`;
}

/** Stable id of a finding: SHA-256 of rule and value, 16 hex digits. The value cannot be recovered. */
export function fingerprint(ruleId: string, value: string): string {
  return createHash('sha256').update(`${ruleId}\0${value}`).digest('hex').slice(0, 16);
}
