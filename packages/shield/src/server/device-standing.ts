import { EVIDENCE_TYPES, type EvidenceType } from '@portcullis/protocol';
import type { VerifiedEvidence } from '../attest/contract.js';
import type { DeviceAttestation, DeviceRecord } from '../stores/ports.js';
import type { AppPolicy } from './app-policy.js';
import { canonicalJson } from './canonical-json.js';

/**
 * Why a registered device no longer stands under its app's current policy. Each is an audit
 * reason of `/v1/assert` (answered `evidence_invalid`, so the client attests again).
 */
export type DeviceStandingFailure =
  | 'device_attestation_unrecorded'
  | 'device_registration_expired'
  | 'device_evidence_not_accepted'
  | 'device_environment_not_accepted'
  | 'device_policy_changed';

/** A debug credential's part of the stored policy: the credential that was presented. */
function debugPart(credential: string): string {
  return canonicalJson({ credential });
}

/**
 * What to store with a device registered from `verified`: its evidence kinds, its App Attest
 * environment, and the policy text of each kind as the app judges it now (see
 * `AppPolicy.evidencePolicies`; a debug credential is recorded by name).
 */
export function attestationRecord(app: AppPolicy, verified: readonly VerifiedEvidence[]): DeviceAttestation {
  const environment = verified.find((item) => item.type === 'apple-app-attest')?.facts['environment'];
  const credential = verified.find((item) => item.type === 'debug')?.facts['credential'];
  return attestationOf(app, {
    evidence: verified.map((item) => item.type),
    environment: environment === 'development' || environment === 'production' ? environment : null,
    ...(credential !== undefined ? { debugCredential: String(credential) } : {}),
  });
}

/**
 * The stored attestation of a device attested with these evidence kinds under the app's current
 * policy (what `attestationRecord` stores, for callers that register devices themselves, such
 * as a benchmark seeding its store).
 */
export function attestationOf(
  app: AppPolicy,
  attested: {
    evidence: readonly EvidenceType[];
    environment: 'development' | 'production' | null;
    debugCredential?: string;
  },
): DeviceAttestation {
  const kinds = EVIDENCE_TYPES.filter((kind) => attested.evidence.includes(kind));
  const parts: Record<string, string> = {};
  for (const kind of kinds) {
    parts[kind] =
      kind === 'debug' ? debugPart(attested.debugCredential ?? '') : (app.evidencePolicies[kind] ?? '{}');
  }
  return { evidence: kinds, environment: attested.environment, policy: canonicalJson(parts) };
}

function storedParts(policy: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(policy);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/**
 * Whether a registered device still stands under its app's current policy, at `now` (epoch ms):
 * what was attested is known, younger than `registrationMaxAgeMs`, of evidence kinds the app still
 * accepts, from an App Attest environment it still accepts, under the same evidence policy, and
 * (for a debug credential) with a credential still configured and unexpired. Null when it stands;
 * otherwise the reason. Refresh (`/v1/assert`) and per-request proofs both ask this one function.
 *
 * @example
 * ```ts
 * const failure = deviceStanding(device, apps.get(device.appId)!, clock.now());
 * if (failure !== null) throw new ShieldError('evidence_invalid', failure);
 * ```
 */
export function deviceStanding(
  device: DeviceRecord,
  app: AppPolicy,
  now: number,
): DeviceStandingFailure | null {
  const attestation = device.attestation;
  if (attestation === null) return 'device_attestation_unrecorded';
  if (now - device.firstSeen >= app.registrationMaxAgeMs) return 'device_registration_expired';
  if (attestation.evidence.some((kind) => !app.evidence.has(kind))) return 'device_evidence_not_accepted';
  if (attestation.environment !== null && !(app.ios?.environments ?? []).includes(attestation.environment)) {
    return 'device_environment_not_accepted';
  }
  const stored = storedParts(attestation.policy);
  if (stored === null) return 'device_policy_changed';
  for (const kind of attestation.evidence) {
    const part = stored[kind];
    if (kind === 'debug') {
      const name = typeof part === 'string' ? storedParts(part)?.['credential'] : undefined;
      const credential = app.debugCredentials.find((c) => c.name === name);
      if (credential === undefined || now >= credential.expires.getTime()) return 'device_policy_changed';
    } else if (part !== app.evidencePolicies[kind]) {
      return 'device_policy_changed';
    }
  }
  return null;
}

/** Audit reasons of {@link deviceStanding}, with meaning and fix (listed in docs/errors.md). */
export const DEVICE_STANDING_REASONS = [
  {
    code: 'device_attestation_unrecorded',
    meaning:
      'The device was registered before the shield recorded what was attested (an older store row), so it cannot be re-checked.',
    fix: 'None: the client attests again once (a new key) and the new registration is recorded.',
  },
  {
    code: 'device_registration_expired',
    meaning: "The device's attestation is older than apps.<app>.registrationMaxAge.",
    fix: 'None: the client attests again (a new key); raise registrationMaxAge to ask less often.',
  },
  {
    code: 'device_evidence_not_accepted',
    meaning: "The device was attested with an evidence kind the app's evidence list no longer accepts.",
    fix: 'None when intended: the client attests again with an accepted kind.',
  },
  {
    code: 'device_environment_not_accepted',
    meaning:
      "The App Attest key is of an environment apps.<app>.ios.environments no longer accepts (a development build's key).",
    fix: 'None when intended: the app attests again from a build of an accepted environment.',
  },
  {
    code: 'device_policy_changed',
    meaning:
      'The policy that accepted the device (Android key attestation or Play Integrity settings, signing certificates, package, or its debug credential) changed or was removed.',
    fix: 'None when intended: the client attests again and is judged by the current policy.',
  },
] as const satisfies ReadonlyArray<{ code: DeviceStandingFailure; meaning: string; fix: string }>;
