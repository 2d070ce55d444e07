import type { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { APPLE_APP_ATTESTATION_ROOT_CA_PEM, loadAppleRoots } from '../attest/apple/roots.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import type { ReplayStore } from '../stores/ports.js';
import type { AssertionVerifiers } from './attest-service.js';
import type { EvidenceVerifier, EvidenceVerifiers } from './evidence-verifiers.js';
import type { Logger } from './logger.js';

export interface PlatformVerifiers {
  evidenceVerifiers: Pick<
    EvidenceVerifiers,
    'apple-app-attest' | 'android-key-attestation' | 'play-integrity'
  >;
  assertionVerifiers: AssertionVerifiers;
  /** Reads the Android revocation list before traffic (when an app uses Android) and keeps it fresh. */
  start(): Promise<void>;
  stop(): void;
}

function once<T>(load: () => Promise<T>): () => Promise<T> {
  let loaded: Promise<T> | undefined;
  return () => {
    loaded ??= load();
    return loaded;
  };
}

/**
 * The App Attest and Android verifiers. Each platform's module (with its ASN.1 and CBOR parsers)
 * is loaded at start when an app of the config uses that platform, and otherwise only if evidence
 * of that platform ever arrives (which then meets an app without that identity and is refused,
 * exactly as if it had been loaded up front).
 */
export async function createPlatformVerifiers(
  config: Config,
  options: {
    clock: Clock;
    logger: Logger;
    replay: ReplayStore;
    appleTestRoots: readonly X509Certificate[];
    androidTestRoots: readonly X509Certificate[];
    fetch?: typeof fetch;
  },
): Promise<PlatformVerifiers> {
  const appleRoots = loadAppleRoots(
    config.trust.appleRootsFile === undefined
      ? [APPLE_APP_ATTESTATION_ROOT_CA_PEM]
      : [readFileSync(config.trust.appleRootsFile, 'utf8')],
  );
  const apple = once(async () => {
    const module = await import('./apple-verifiers.js');
    return {
      attestation: module.createAppleAttestationVerifier({
        roots: appleRoots,
        testRoots: options.appleTestRoots,
      }),
      assertion: module.appleAssertionVerifier,
    };
  });
  const android = once(async () => {
    const module = await import('./android-verifiers.js');
    const verifiers = module.createAndroidVerifiers(config, {
      clock: options.clock,
      testRoots: options.androidTestRoots,
      logger: options.logger,
      replay: options.replay,
      ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
    });
    return { ...verifiers, assertion: module.androidAssertionVerifier };
  });
  const apps = Object.values(config.apps);
  if (apps.some((app) => app.ios !== undefined)) await apple();
  const androidInUse = apps.some((app) => app.android !== undefined) ? await android() : undefined;

  const androidEvidence =
    (type: 'android-key-attestation' | 'play-integrity'): EvidenceVerifier =>
    async (evidence, context) => {
      const verify = (await android()).evidenceVerifiers[type];
      if (verify === undefined) throw new Error(`no ${type} verifier`);
      return verify(evidence, context);
    };
  return {
    evidenceVerifiers: {
      'apple-app-attest': async (evidence, context) => (await apple()).attestation(evidence, context),
      'android-key-attestation': androidEvidence('android-key-attestation'),
      'play-integrity': androidEvidence('play-integrity'),
    },
    assertionVerifiers: {
      ios: async (input) => (await apple()).assertion(input),
      android: async (input) => (await android()).assertion(input),
    },
    // Without an Android app there is no revocation list to keep (the Android verifiers' start
    // would do nothing then either).
    start: async () => {
      await androidInUse?.start();
    },
    stop: () => androidInUse?.stop(),
  };
}
