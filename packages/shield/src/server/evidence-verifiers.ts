import type { Evidence, EvidenceType } from '@portcullis/protocol';
import type { VerificationResult } from '../attest/contract.js';
import { fail } from '../attest/contract.js';
import { verifyDebugCredential } from '../attest/debug/verify-debug-credential.js';
import type { AppPolicy } from './app-policy.js';

/** Everything a verifier may use besides the evidence: all passed in, nothing read globally. */
export interface EvidenceContext {
  app: AppPolicy;
  challenge: string;
  at: Date;
}

export type EvidenceVerifier = (evidence: Evidence, context: EvidenceContext) => Promise<VerificationResult>;

/** One verifier per evidence kind; a kind this shield cannot verify is refused, never skipped. */
export type EvidenceVerifiers = Record<EvidenceType, EvidenceVerifier>;

const notSupported =
  (type: EvidenceType): EvidenceVerifier =>
  async () => ({
    ...fail('evidence_type_not_supported', 'invalid', `${type} evidence is not verified by this shield`),
    steps: [{ step: 'evidence type supported', verdict: 'fail' }],
  });

export const debugVerifier: EvidenceVerifier = async (evidence, { app, at }) =>
  evidence.type === 'debug'
    ? verifyDebugCredential(evidence.token, app.debugCredentials, at)
    : { ...fail('evidence_type_mismatch', 'invalid', 'not debug evidence'), steps: [] };

/**
 * Client signals are self-reported and never sufficient alone (protocol §2.1). They can only
 * lower a level, never raise one: a reported finding (jailbreak, hooking, debugger, emulator)
 * caps the token at `basic`; no finding leaves the other evidence's level as it is.
 */
export const clientSignalsVerifier: EvidenceVerifier = async (evidence) => {
  if (evidence.type !== 'client-signals')
    return { ...fail('evidence_type_mismatch', 'invalid', 'not client signals'), steps: [] };
  const facts: Record<string, string | number | boolean> = {};
  for (const [name, value] of Object.entries(evidence.signals).slice(0, 16)) {
    if (/^[a-zA-Z][a-zA-Z0-9_]{0,31}$/.test(name) && typeof value === 'boolean')
      facts[`signal_${name}`] = value;
  }
  const finding = Object.values(facts).some((value) => value === true);
  return {
    ok: true,
    evidence: {
      type: 'client-signals',
      platform: 'debug',
      level: finding ? 'basic' : 'hardware',
      testRoot: false,
      facts,
    },
    steps: [{ step: 'signals recorded', verdict: 'pass' }],
  };
};

/** The registry with every kind refused except debug and client signals; the platforms plug in. */
export function createEvidenceVerifiers(overrides: Partial<EvidenceVerifiers> = {}): EvidenceVerifiers {
  return {
    'apple-app-attest': notSupported('apple-app-attest'),
    'android-key-attestation': notSupported('android-key-attestation'),
    'play-integrity': notSupported('play-integrity'),
    debug: debugVerifier,
    'client-signals': clientSignalsVerifier,
    ...overrides,
  } satisfies EvidenceVerifiers;
}
