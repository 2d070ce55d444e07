import type { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  createRevocationSource,
  GOOGLE_ATTESTATION_ROOTS_PEM,
  GOOGLE_REVOCATION_STATUS_URL,
  lenientAndroidPolicy,
  loadAndroidRoots,
  type RevocationSourceState,
  strictAndroidPolicy,
  verifyAndroidAssertion,
  verifyAndroidKeyAttestation,
} from '../attest/android/index.js';
import { fail, type VerificationResult } from '../attest/contract.js';
import {
  createGoogleIntegrityDecoder,
  decodePlayIntegrityTokenLocally,
  type GoogleIntegrityDecoder,
  importPlayIntegrityKeys,
  type PlayIntegrityDecodeResult,
  type PlayIntegrityKeys,
  playIntegrityReplayKey,
  verifyPlayIntegrityVerdict,
} from '../attest/play-integrity/index.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config/index.js';
import { decodeBase64Strict } from '../encoding.js';
import type { ReplayStore } from '../stores/ports.js';
import type { AppPolicy } from './app-policy.js';
import type { AssertionVerifier } from './attest-service.js';
import type { EvidenceVerifier, EvidenceVerifiers } from './evidence-verifiers.js';
import type { Logger } from './logger.js';

type PlayConfig = NonNullable<NonNullable<Config['apps'][string]['android']>['playIntegrity']>;

function keyAttestationPolicy(android: NonNullable<AppPolicy['android']>) {
  const identity = {
    packageName: android.packageName,
    signingCertSha256: android.signingCertSha256,
    ...(android.keyAttestation.minOsPatchLevel !== undefined
      ? { minOsPatchLevel: android.keyAttestation.minOsPatchLevel }
      : {}),
    ...(android.keyAttestation.minAppVersion !== undefined
      ? { minAppVersion: android.keyAttestation.minAppVersion }
      : {}),
  };
  const base =
    android.keyAttestation.policy === 'lenient'
      ? lenientAndroidPolicy(identity)
      : strictAndroidPolicy(identity);
  const ka = android.keyAttestation;
  return {
    ...base,
    ...(ka.minSecurityLevel !== undefined ? { minSecurityLevel: ka.minSecurityLevel } : {}),
    ...(ka.requireVerifiedBoot !== undefined ? { requireVerifiedBoot: ka.requireVerifiedBoot } : {}),
    ...(ka.requireLockedBootloader !== undefined
      ? { requireLockedBootloader: ka.requireLockedBootloader }
      : {}),
  };
}

/**
 * The Android side of the shield: key attestation (with the revocation list it keeps fresh) and
 * Play Integrity (local keys or Google's decode endpoint, one decoder per app), built once.
 */
export function createAndroidVerifiers(
  config: Config,
  options: {
    clock: Clock;
    testRoots: readonly X509Certificate[];
    logger: Logger;
    replay: ReplayStore;
    fetch?: typeof fetch;
  },
): { evidenceVerifiers: Partial<EvidenceVerifiers>; start(): Promise<void>; stop(): void } {
  const roots = loadAndroidRoots(
    config.trust.androidRootsFile === undefined
      ? GOOGLE_ATTESTATION_ROOTS_PEM
      : readFileSync(config.trust.androidRootsFile, 'utf8'),
  );
  // The status list: the configured file or URL; in production, Google's URL when none is
  // configured (fail closed while it cannot be fetched, per onStale). Only a development shield
  // may run without one, and it says so.
  const revocationConfig = config.trust.androidRevocation;
  const androidInUse = Object.values(config.apps).some((app) => app.android !== undefined);
  const url =
    revocationConfig.url ??
    (revocationConfig.file === undefined && config.mode === 'production'
      ? GOOGLE_REVOCATION_STATUS_URL
      : undefined);
  // Where the list comes from, for the log line that says it could not be loaded: the URL
  // without credentials or query, else the file.
  const source = url === undefined ? revocationConfig.file : shownUrl(url);
  const reportRefresh = (state: RevocationSourceState): void => {
    if (state.lastError === undefined) return;
    const consequence = !state.stale
      ? `the copy obtained ${new Date(state.obtainedAt ?? 0).toISOString()} is used meanwhile`
      : revocationConfig.onStale === 'refuse'
        ? 'Android key attestations are refused (attestation_unavailable) until it loads (onStale: refuse)'
        : 'Android key attestations are accepted WITHOUT the revocation check until it loads (onStale: allow)';
    options.logger[state.stale ? 'error' : 'warn'](
      { source, code: state.lastError, reason: state.lastErrorReason, onStale: revocationConfig.onStale },
      `Android revocation status list not loaded from ${source}: ${state.lastErrorReason ?? state.lastError}; ${consequence}`,
    );
  };
  const revocation =
    revocationConfig.file === undefined && url === undefined
      ? undefined
      : createRevocationSource({
          ...(revocationConfig.file !== undefined ? { file: revocationConfig.file } : {}),
          ...(url !== undefined ? { url } : {}),
          refreshSeconds: revocationConfig.refreshSeconds,
          maxAgeSeconds: revocationConfig.maxAgeSeconds,
          onStale: revocationConfig.onStale,
          clock: options.clock,
          timeoutMs: 10_000,
          onRefresh: reportRefresh,
          ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
        });
  if (revocation === undefined && androidInUse) {
    options.logger.warn(
      {},
      'DEVELOPMENT MODE: no Android revocation status list (trust.androidRevocation): revoked attestation keys are not refused',
    );
  }
  const noRevocations = { entries: new Map() };

  const keyAttestation: EvidenceVerifier = async (evidence, { app, challenge, at }) => {
    if (evidence.type !== 'android-key-attestation' || app.android === undefined) {
      return {
        ...fail('evidence_type_not_supported', 'invalid', 'no Android identity for this app'),
        steps: [],
      };
    }
    const chain: Uint8Array[] = [];
    for (const certificate of evidence.certificateChain) {
      const der = decodeBase64Strict(certificate);
      if (der === undefined) {
        return {
          ...fail('evidence_base64_invalid', 'invalid', 'certificate is not canonical base64'),
          steps: [],
        };
      }
      chain.push(der);
    }
    return verifyAndroidKeyAttestation(
      { chain, challenge },
      keyAttestationPolicy(app.android),
      {
        roots,
        testRoots: options.testRoots,
        revocation: revocation === undefined ? noRevocations : revocation.current(),
      },
      at,
    );
  };

  const decoders = new Map<string, (token: string) => Promise<PlayIntegrityDecodeResult>>();
  for (const [appId, app] of Object.entries(config.apps)) {
    const play: PlayConfig | undefined = app.android?.playIntegrity;
    if (play === undefined || app.android === undefined) continue;
    if (play.decode === 'local') {
      const keys: PlayIntegrityKeys = importPlayIntegrityKeys({
        decryptionKey: play.decryptionKey,
        verificationKey: play.verificationKey,
      });
      decoders.set(appId, (token) => decodePlayIntegrityTokenLocally(token, keys));
    } else {
      const serviceAccount = JSON.parse(readFileSync(play.serviceAccountFile, 'utf8')) as Parameters<
        typeof createGoogleIntegrityDecoder
      >[0]['serviceAccount'];
      const decoder: GoogleIntegrityDecoder = createGoogleIntegrityDecoder({
        serviceAccount,
        clock: options.clock,
        ...(play.endpoint !== undefined ? { endpoint: play.endpoint } : {}),
        ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
      });
      const packageName = app.android.packageName;
      decoders.set(appId, (token) => decoder.decode(packageName, token));
    }
  }

  const playIntegrity: EvidenceVerifier = async (
    evidence,
    { app, challenge, at },
  ): Promise<VerificationResult> => {
    const decode = decoders.get(app.appId);
    const play = config.apps[app.appId]?.android?.playIntegrity;
    if (
      evidence.type !== 'play-integrity' ||
      decode === undefined ||
      play === undefined ||
      app.android === undefined
    ) {
      return {
        ...fail('evidence_type_not_supported', 'invalid', 'no Play Integrity configuration for this app'),
        steps: [],
      };
    }
    const decoded = await decode(evidence.token);
    if (!decoded.ok) return { ...decoded, steps: [{ step: 'decode', verdict: 'fail' }] };
    const result = verifyPlayIntegrityVerdict(
      decoded.payload,
      {
        packageName: app.android.packageName,
        certificateSha256: app.android.signingCertSha256,
        maxAgeSeconds: play.maxAgeSeconds,
        minDeviceRecognition: play.minDeviceRecognition,
        appRecognition: play.appRecognition,
        requireLicensed: play.requireLicensed,
      },
      { challenge },
      at,
    );
    if (!result.ok) return result;
    // The challenge is single-use already; this also refuses the same token under a new challenge.
    const fresh = await options.replay.firstSeen(
      `play:${playIntegrityReplayKey(evidence.token)}`,
      (play.maxAgeSeconds + 60) * 1000,
      at.getTime(),
    );
    if (!fresh) {
      return {
        ...fail('play_token_replayed', 'invalid', 'this Play Integrity token was used before'),
        steps: result.steps,
      };
    }
    return result;
  };

  return {
    evidenceVerifiers: { 'android-key-attestation': keyAttestation, 'play-integrity': playIntegrity },
    // The first copy of the status list is read before the shield opens its port, so the first
    // attestations are not refused as "stale" while it loads (bounded by the fetch timeout); the
    // timer then refreshes it without fetching it again at once.
    start: async () => {
      if (!androidInUse || revocation === undefined) return;
      await revocation.refresh();
      revocation.start();
    },
    stop: () => revocation?.stop(),
  };
}

/** A URL as a log line may show it: no user name, password, query or fragment. */
function shownUrl(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

/** Android assertion (protocol §2.2): DER ECDSA by the attested key over the challenge's UTF-8 bytes. */
export const androidAssertionVerifier: AssertionVerifier = ({ assertion, challenge, device }) => {
  const signature = decodeBase64Strict(assertion);
  if (signature === undefined) {
    return { ok: false, code: 'evidence_base64_invalid', message: 'assertion is not canonical base64' };
  }
  const result = verifyAndroidAssertion(
    { signature, message: new TextEncoder().encode(challenge) },
    { publicKeyJwk: device.publicKeyJwk },
  );
  return result.ok ? { ok: true } : { ok: false, code: result.code, message: result.message };
};
