import type { Config } from '../config/index.js';
import type { AppPolicy } from './app-policy.js';

/** Derives, once, what the attestation endpoints need to know about each configured app. */
export function appPolicies(config: Config): ReadonlyMap<string, AppPolicy> {
  const policies = new Map<string, AppPolicy>();
  for (const [appId, app] of Object.entries(config.apps)) {
    const policy: AppPolicy = {
      appId,
      audiences: [...app.audiences],
      tokenTtlSeconds: Math.min(app.tokenTtlSeconds, config.tokens.maxTtlSeconds),
      evidence: new Set(app.evidence),
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
