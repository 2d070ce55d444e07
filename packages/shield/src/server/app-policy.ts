import type { EvidenceType } from '@portcullis/protocol';
import type { DebugCredential } from '../attest/debug/verify-debug-credential.js';

/**
 * What the attestation endpoints need to know about one app, derived once from the config.
 * Each evidence verifier reads its own section.
 */
export interface AppPolicy {
  appId: string;
  audiences: readonly string[];
  tokenTtlSeconds: number;
  /** Evidence kinds that may mint a token for this app. */
  evidence: ReadonlySet<EvidenceType>;
  debugCredentials: readonly DebugCredential[];
  /**
   * For each evidence kind the app accepts, the canonical text of the settings that judge it
   * (Android key attestation policy, Play Integrity verdict policy; `{}` for kinds judged only by
   * what is checked again on every assertion). A device registered under another text must
   * attest again.
   */
  evidencePolicies: Readonly<Partial<Record<EvidenceType, string>>>;
  /** After this long a registered key's attestation no longer counts (ms). */
  registrationMaxAgeMs: number;
  ios?: {
    /** `TEAMID.bundle.id` for each bundle id. */
    appIds: readonly string[];
    environments: ReadonlyArray<'development' | 'production'>;
  };
  android?: {
    packageName: string;
    signingCertSha256: readonly string[];
    keyAttestation: {
      policy: 'strict' | 'lenient';
      minSecurityLevel?: 'software' | 'tee' | 'strongbox' | undefined;
      requireVerifiedBoot?: boolean | undefined;
      requireLockedBootloader?: boolean | undefined;
      minOsPatchLevel?: number | undefined;
      minAppVersion?: number | undefined;
    };
    playIntegrity?: unknown;
  };
}
