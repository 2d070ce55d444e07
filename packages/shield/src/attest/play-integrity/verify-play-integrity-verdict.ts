import type { AssuranceLevel } from '@portcullis/protocol';
import type { EvidenceFacts, StepVerdict, VerificationResult } from '../contract.js';
import { decodeCertificateDigest } from './decode-certificate-digest.js';
import { playFailure } from './lib/play-failure.js';
import {
  DEVICE_RANK,
  deviceRank,
  label,
  labels,
  type ResolvedPolicy,
  VERDICT_CHECKS,
} from './lib/verdict-checks.js';
import { type PlayIntegrityPayload, parsePlayIntegrityPayload } from './parse-play-integrity-payload.js';

/** Device recognition labels, weakest first (MEETS_VIRTUAL_INTEGRITY: a Play-certified emulator). */
export type DeviceRecognitionLevel =
  | 'MEETS_VIRTUAL_INTEGRITY'
  | 'MEETS_BASIC_INTEGRITY'
  | 'MEETS_DEVICE_INTEGRITY'
  | 'MEETS_STRONG_INTEGRITY';

/** One app's Play Integrity policy. Unset options take PLAY_INTEGRITY_POLICY_DEFAULTS. */
export interface PlayIntegrityPolicy {
  /** The application id; both requestPackageName and appIntegrity.packageName must equal it. */
  packageName: string;
  /**
   * SHA-256 digests of the allowed app signing certificates, hex (colons allowed) or base64url.
   * Every digest in the verdict must be in this list; an entry that decodes to no digest matches
   * nothing.
   */
  certificateSha256: readonly string[];
  /** Oldest accepted requestDetails.timestampMillis, in seconds before the verification time. Default 300. */
  maxAgeSeconds?: number;
  /** How far requestDetails.timestampMillis may lie after the verification time, in seconds. Default 60. */
  maxFutureSkewSeconds?: number;
  /** 'PLAY_RECOGNIZED' (default) or 'any' for apps also distributed outside Play. */
  appRecognition?: 'PLAY_RECOGNIZED' | 'any';
  /** Weakest accepted device label. Default MEETS_DEVICE_INTEGRITY. An empty verdict always fails. */
  minDeviceRecognition?: DeviceRecognitionLevel;
  /** Require accountDetails.appLicensingVerdict LICENSED. Default false. */
  requireLicensed?: boolean;
  /** appsDetected values to refuse, e.g. UNKNOWN_CAPTURING, UNKNOWN_CONTROLLING. Default none. */
  refuseAppAccessRisk?: readonly string[];
  /** Require Play Protect on and clean (NO_ISSUES or NO_DATA). Default false. */
  requirePlayProtect?: boolean;
  /** Lowest accepted deviceAttributes.sdkVersion (needs device attributes on in Play Console). Default none. */
  minSdkVersion?: number;
}

/** What the verdict must be bound to: the single-use challenge the shield issued. */
export interface PlayIntegrityBinding {
  challenge: string;
}

/** The defaults of every optional policy option. */
export const PLAY_INTEGRITY_POLICY_DEFAULTS = {
  maxAgeSeconds: 300,
  maxFutureSkewSeconds: 60,
  appRecognition: 'PLAY_RECOGNIZED',
  minDeviceRecognition: 'MEETS_DEVICE_INTEGRITY',
  requireLicensed: false,
  refuseAppAccessRisk: [],
  requirePlayProtect: false,
} as const;

/**
 * Judges a decoded Play Integrity verdict against the app's policy, in Google's order: first
 * requestDetails against the original request (package, challenge binding, freshness), then the
 * app, device, account and environment verdicts. Each check is a named step; the first failing
 * one decides the code. Pure: the verification time is passed in.
 *
 * Binding: a classic request must carry `nonce` equal to the challenge, a standard request
 * `requestHash` equal to b64url(SHA-256(challenge)). Both are compared after mapping standard
 * base64 characters to the web-safe ones and dropping `=` padding, since Android's Base64
 * flags differ between apps; the challenge is unpadded base64url, so this compares the bytes.
 *
 * @example
 * const result = verifyPlayIntegrityVerdict(decoded.payload, { packageName: 'com.example.shop',
 *   certificateSha256: ['AB:CD:…'] }, { challenge }, new Date());
 * if (result.ok) result.evidence.level; // 'hardware' | 'device' | 'basic'
 */
export function verifyPlayIntegrityVerdict(
  payload: unknown,
  policy: PlayIntegrityPolicy,
  binding: PlayIntegrityBinding,
  at: Date,
): VerificationResult {
  const steps: StepVerdict[] = [];
  const parsed = parsePlayIntegrityPayload(payload);
  if (!parsed.ok) {
    steps.push({ step: 'payload shape', verdict: 'fail' });
    return { ...parsed, steps };
  }
  steps.push({ step: 'payload shape', verdict: 'pass' });

  const context = {
    verdict: parsed.payload,
    policy: resolvePolicy(policy),
    challenge: typeof binding.challenge === 'string' ? binding.challenge : '',
    now: at.getTime(),
  };
  for (const [step, check] of VERDICT_CHECKS) {
    const outcome = check(context);
    if (typeof outcome === 'object') {
      steps.push({ step, verdict: 'fail' });
      return { ...playFailure(outcome.code, outcome.message), steps };
    }
    steps.push({ step, verdict: outcome });
  }

  const verdict = parsed.payload;
  return {
    ok: true,
    evidence: {
      type: 'play-integrity',
      platform: 'android',
      level: levelOf(deviceRank(verdict.deviceIntegrity.deviceRecognitionVerdict)),
      testRoot: false,
      facts: factsOf(verdict),
    },
    steps,
  };
}

function resolvePolicy(policy: PlayIntegrityPolicy): ResolvedPolicy {
  const defaults = PLAY_INTEGRITY_POLICY_DEFAULTS;
  return {
    packageName: policy.packageName,
    certificates: policy.certificateSha256
      .map(decodeCertificateDigest)
      .filter((d): d is Buffer => d !== undefined),
    maxAgeMs: seconds(policy.maxAgeSeconds, defaults.maxAgeSeconds) * 1000,
    maxFutureSkewMs: seconds(policy.maxFutureSkewSeconds, defaults.maxFutureSkewSeconds) * 1000,
    appRecognition: policy.appRecognition === 'any' ? 'any' : 'PLAY_RECOGNIZED',
    // An unknown label ranks above every real one, so nothing passes (fail closed).
    minDeviceRank:
      DEVICE_RANK[policy.minDeviceRecognition ?? defaults.minDeviceRecognition] ?? Number.POSITIVE_INFINITY,
    requireLicensed: policy.requireLicensed === true,
    refuseAppAccessRisk: policy.refuseAppAccessRisk ?? defaults.refuseAppAccessRisk,
    requirePlayProtect: policy.requirePlayProtect === true,
    minSdkVersion: policy.minSdkVersion,
  };
}

/** A non-negative number of seconds; anything else becomes 0, the strictest value. */
function seconds(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  return Number.isFinite(value) && value >= 0 ? value : 0;
}

function levelOf(rank: number): AssuranceLevel {
  if (rank >= DEVICE_RANK['MEETS_STRONG_INTEGRITY']!) return 'hardware';
  if (rank >= DEVICE_RANK['MEETS_DEVICE_INTEGRITY']!) return 'device';
  return 'basic';
}

function factsOf(verdict: PlayIntegrityPayload): EvidenceFacts {
  const { requestDetails, appIntegrity, deviceIntegrity, accountDetails, environmentDetails } = verdict;
  const facts: EvidenceFacts = {
    requestKind: requestDetails.requestHash !== undefined ? 'standard' : 'classic',
    deviceRecognition: labels(deviceIntegrity.deviceRecognitionVerdict),
    appRecognition: label(appIntegrity.appRecognitionVerdict),
    licensing: label(accountDetails.appLicensingVerdict),
  };
  if (appIntegrity.versionCode !== undefined) facts['versionCode'] = appIntegrity.versionCode;
  const sdkVersion = deviceIntegrity.deviceAttributes?.sdkVersion;
  if (sdkVersion !== undefined) facts['sdkVersion'] = sdkVersion;
  const activity = deviceIntegrity.recentDeviceActivity?.deviceActivityLevel;
  if (activity !== undefined) facts['deviceActivity'] = label(activity);
  const detected = environmentDetails?.appAccessRiskVerdict?.appsDetected;
  if (detected !== undefined) facts['appsDetected'] = labels(detected);
  const protect = environmentDetails?.playProtectVerdict;
  if (protect !== undefined) facts['playProtect'] = label(protect);
  return facts;
}
