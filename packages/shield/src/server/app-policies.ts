import type { EvidenceType } from '@portcullis/protocol';
import type { AppConfig, Config } from '../config/index.js';
import type { AppPolicy } from './app-policy.js';
import { canonicalJson } from './canonical-json.js';

/**
 * What judges each evidence kind of an app, as canonical text. App Attest's App IDs are checked
 * again by every assertion and proof, and its environment is kept with the device, so only the
 * kinds whose verdict rests on settings never seen again at refresh carry settings here.
 */
function evidencePolicies(app: AppConfig): Partial<Record<EvidenceType, string>> {
  const parts: Partial<Record<EvidenceType, string>> = {};
  for (const kind of app.evidence) {
    if (kind === 'android-key-attestation' && app.android !== undefined) {
      parts[kind] = canonicalJson({
        packageName: app.android.packageName,
        signingCertSha256: [...app.android.signingCertSha256].sort(),
        ...app.android.keyAttestation,
      });
    } else if (kind === 'play-integrity' && app.android?.playIntegrity !== undefined) {
      const play = app.android.playIntegrity;
      parts[kind] = canonicalJson({
        packageName: app.android.packageName,
        signingCertSha256: [...app.android.signingCertSha256].sort(),
        minDeviceRecognition: play.minDeviceRecognition,
        appRecognition: play.appRecognition,
        requireLicensed: play.requireLicensed,
      });
    } else {
      parts[kind] = '{}';
    }
  }
  return parts;
}

/** Derives, once, what the attestation endpoints need to know about each configured app. */
export function appPolicies(config: Config): ReadonlyMap<string, AppPolicy> {
  const policies = new Map<string, AppPolicy>();
  for (const [appId, app] of Object.entries(config.apps)) {
    const policy: AppPolicy = {
      appId,
      audiences: [...app.audiences],
      tokenTtlSeconds: Math.min(app.tokenTtlSeconds, config.tokens.maxTtlSeconds),
      evidence: new Set(app.evidence),
      evidencePolicies: evidencePolicies(app),
      registrationMaxAgeMs: app.registrationMaxAge * 1000,
      debugCredentials: app.debugTokens.map((token) => ({
        name: token.name,
        sha256: token.sha256,
        expires: new Date(token.expires),
        ...(token.scope?.audiences !== undefined ? { audiences: [...token.scope.audiences] } : {}),
      })),
      ...(app.ios !== undefined
        ? {
            ios: {
              appIds: app.ios.bundleIds.map((bundleId) => `${app.ios!.teamId}.${bundleId}`),
              environments: [...app.ios.environments],
            },
          }
        : {}),
      ...(app.android !== undefined
        ? {
            android: {
              packageName: app.android.packageName,
              signingCertSha256: [...app.android.signingCertSha256],
              keyAttestation: { ...app.android.keyAttestation },
              playIntegrity: app.android.playIntegrity,
            },
          }
        : {}),
    };
    policies.set(appId, policy);
  }
  return policies;
}
