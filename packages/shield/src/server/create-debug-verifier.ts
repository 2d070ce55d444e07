import { fail } from '../attest/contract.js';
import type { DebugCredentialStore } from '../stores/index.js';
import { debugVerifier, type EvidenceVerifier } from './evidence-verifiers.js';

/** What the store-backed debug verifier needs. */
export interface DebugVerifierOptions {
  /** Credentials issued from the admin console; absent: the config's credentials only. */
  store?: Pick<DebugCredentialStore, 'findByHash'>;
  /** The keyed hash the store keeps of a credential (IdentifierHasher.debugCredential). */
  keyedHash(credential: string): string;
}

/**
 * Debug evidence checked against the config's credentials first (constant-time over all of
 * them), then, when none matches, against those issued from the console: looked up by keyed
 * hash, so the store never sees the credential and a stolen table cannot be reversed. A console
 * credential must belong to the app, be unrevoked and unexpired at the context's time. Its facts
 * carry `credentialSource: console`, its id and its audience scope, which the attest service
 * applies.
 */
export function createDebugVerifier(options: DebugVerifierOptions): EvidenceVerifier {
  return async (evidence, context) => {
    const configured = await debugVerifier(evidence, context);
    if (configured.ok || configured.code !== 'debug_credential_unknown' || options.store === undefined) {
      return configured;
    }
    if (evidence.type !== 'debug') return configured;
    const stored = await options.store.findByHash(options.keyedHash(evidence.token));
    const steps = configured.steps.filter((step) => step.verdict === 'pass');
    if (stored === null || stored.appId !== context.app.appId) return configured;
    steps.push({ step: 'credential known', verdict: 'pass' });
    if (stored.revokedAt !== null) {
      steps.push({ step: 'credential not revoked', verdict: 'fail' });
      return {
        ...fail('debug_credential_revoked', 'policy', `debug credential "${stored.name}" revoked`),
        steps,
      };
    }
    if (context.at.getTime() >= stored.expiresAt) {
      steps.push({ step: 'credential not expired', verdict: 'fail' });
      return {
        ...fail('debug_credential_expired', 'policy', `debug credential "${stored.name}" expired`),
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
        facts: {
          credential: stored.name,
          credentialId: stored.id,
          credentialSource: 'console',
          ...(stored.audiences === null ? {} : { credentialScope: stored.audiences.join(' ') }),
        },
      },
      steps,
    };
  };
}
