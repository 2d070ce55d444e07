import { createHash, timingSafeEqual } from 'node:crypto';
import { fail, type StepVerdict, type VerificationResult } from '../contract.js';

/** One debug credential as configured: only its SHA-256 is stored. */
export interface DebugCredential {
  name: string;
  /** Lower-case hex SHA-256 of the credential's UTF-8 bytes. */
  sha256: string;
  /** The credential is refused from this instant on. */
  expires: Date;
  /** When set, tokens minted with this credential carry only these of the app's audiences. */
  audiences?: readonly string[];
}

/** Audit-only sub-codes of the debug verifier, with meaning and fix. */
export const DEBUG_FAILURE_CODES = [
  {
    code: 'debug_credential_malformed',
    meaning: 'The debug credential is not a string of 16 to 512 printable characters.',
    fix: 'Send the credential exactly as generated (`portcullis init` prints one).',
  },
  {
    code: 'debug_credential_unknown',
    meaning: 'No debug credential configured for this app has this hash.',
    fix: "Add the credential's SHA-256 to apps.<app>.debugTokens, or use the right app id.",
  },
  {
    code: 'debug_credential_expired',
    meaning: 'The matching debug credential is past its `expires` date.',
    fix: 'Issue a new debug credential and update its hash and expiry in the config.',
  },
  {
    code: 'debug_credential_revoked',
    meaning: 'The matching debug credential was issued from the admin console and has been revoked there.',
    fix: 'Issue a new debug credential from the console (Debug credentials page).',
  },
] as const;

const PRINTABLE = /^[\x21-\x7e]{16,512}$/;

/**
 * Verifies a debug credential against the app's configured hashes. Every configured hash is
 * compared (constant time, no early exit) so timing does not reveal which one matched.
 * Tokens minted from a debug credential carry `lvl: "debug"`, which no route admits unless its
 * policy names that level.
 */
export function verifyDebugCredential(
  credential: unknown,
  configured: readonly DebugCredential[],
  at: Date,
): VerificationResult {
  const steps: StepVerdict[] = [];
  if (typeof credential !== 'string' || !PRINTABLE.test(credential)) {
    steps.push({ step: 'credential format', verdict: 'fail' });
    return { ...fail('debug_credential_malformed', 'invalid', 'debug credential malformed'), steps };
  }
  steps.push({ step: 'credential format', verdict: 'pass' });
  const presented = createHash('sha256').update(credential, 'utf8').digest();
  let match: DebugCredential | undefined;
  for (const candidate of configured) {
    const expected = Buffer.from(candidate.sha256, 'hex');
    if (expected.length === presented.length && timingSafeEqual(expected, presented) && match === undefined) {
      match = candidate;
    }
  }
  if (match === undefined) {
    steps.push({ step: 'credential known', verdict: 'fail' });
    return {
      ...fail('debug_credential_unknown', 'invalid', 'debug credential not configured for this app'),
      steps,
    };
  }
  steps.push({ step: 'credential known', verdict: 'pass' });
  if (at.getTime() >= match.expires.getTime()) {
    steps.push({ step: 'credential not expired', verdict: 'fail' });
    return {
      ...fail('debug_credential_expired', 'policy', `debug credential "${match.name}" expired`),
      steps,
    };
  }
  steps.push({ step: 'credential not expired', verdict: 'pass' });
  return {
    ok: true,
    evidence: {
      type: 'debug',
      platform: 'debug',
      level: 'debug',
      testRoot: false,
      facts: { credential: match.name },
    },
    steps,
  };
}
