import { timingSafeEqual } from 'node:crypto';
import { base64url, sha256 } from '../../../encoding.js';
import { decodeCertificateDigest } from '../decode-certificate-digest.js';
import type { PlayIntegrityPayload } from '../parse-play-integrity-payload.js';
import type { PlayIntegrityFailureCode } from '../play-integrity-failure-codes.js';

/** Device recognition labels ranked weakest first; MEETS_VIRTUAL_INTEGRITY is a Play-certified emulator. */
export const DEVICE_RANK: Readonly<Record<string, number>> = {
  MEETS_VIRTUAL_INTEGRITY: 0,
  MEETS_BASIC_INTEGRITY: 1,
  MEETS_DEVICE_INTEGRITY: 2,
  MEETS_STRONG_INTEGRITY: 3,
};

/** The policy with every default applied and every digest decoded. */
export interface ResolvedPolicy {
  packageName: string;
  certificates: readonly Buffer[];
  maxAgeMs: number;
  maxFutureSkewMs: number;
  appRecognition: 'PLAY_RECOGNIZED' | 'any';
  minDeviceRank: number;
  requireLicensed: boolean;
  refuseAppAccessRisk: readonly string[];
  requirePlayProtect: boolean;
  minSdkVersion: number | undefined;
}

export interface VerdictContext {
  verdict: PlayIntegrityPayload;
  policy: ResolvedPolicy;
  challenge: string;
  /** Verification time, epoch ms. */
  now: number;
}

export type CheckOutcome = 'pass' | 'skipped' | { code: PlayIntegrityFailureCode; message: string };

const LABEL = /^[A-Z][A-Z0-9_]{0,63}$/;

/** Verdict labels only reach messages and facts when they look like Google's enum names. */
export function label(value: string): string {
  return LABEL.test(value) ? value : 'an unrecognised value';
}

/** The labels of a list that look like Google's enum names, joined by commas. */
export function labels(values: readonly string[]): string {
  return values.filter((value) => LABEL.test(value)).join(',');
}

/** Highest rank among the device labels, -1 when none is known. */
export function deviceRank(verdicts: readonly string[]): number {
  return Math.max(-1, ...verdicts.map((verdict) => DEVICE_RANK[verdict] ?? -1));
}

/**
 * The checks in the order they run, each named as its step. Google: "You must first check that
 * the values in the requestDetails field match those of the original request before checking
 * each integrity verdict."
 */
export const VERDICT_CHECKS: readonly (readonly [string, (context: VerdictContext) => CheckOutcome])[] = [
  ['request package name', checkRequestPackage],
  ['request binding', checkRequestBinding],
  ['request timestamp', checkRequestTimestamp],
  ['app recognition', checkAppRecognition],
  ['app package name', checkAppPackage],
  ['app certificate', checkAppCertificate],
  ['device recognition', checkDeviceRecognition],
  ['device sdk version', checkSdkVersion],
  ['account licensing', checkLicensing],
  ['app access risk', checkAppAccessRisk],
  ['play protect', checkPlayProtect],
];

function checkRequestPackage({ verdict, policy }: VerdictContext): CheckOutcome {
  return equalText(verdict.requestDetails.requestPackageName, policy.packageName)
    ? 'pass'
    : { code: 'play_request_package_mismatch', message: 'requestPackageName is not the configured package' };
}

function checkRequestBinding({ verdict, challenge }: VerdictContext): CheckOutcome {
  const { nonce, requestHash } = verdict.requestDetails;
  if (challenge.length === 0) return { code: 'play_request_mismatch', message: 'no challenge to bind to' };
  if (nonce === undefined && requestHash === undefined) {
    return { code: 'play_request_mismatch', message: 'verdict carries neither nonce nor requestHash' };
  }
  // Classic: the nonce is the challenge itself.
  if (nonce !== undefined && !equalText(webSafe(nonce), challenge)) {
    return { code: 'play_request_mismatch', message: 'nonce is not the challenge' };
  }
  // Standard: the requestHash is b64url(SHA-256(challenge)).
  if (requestHash !== undefined && !equalText(webSafe(requestHash), base64url(sha256(challenge)))) {
    return { code: 'play_request_mismatch', message: 'requestHash is not b64url(SHA-256(challenge))' };
  }
  return 'pass';
}

function checkRequestTimestamp({ verdict, policy, now }: VerdictContext): CheckOutcome {
  if (!Number.isFinite(now))
    return { code: 'play_timestamp_stale', message: 'verification time is not a valid date' };
  const ageMs = now - verdict.requestDetails.timestampMillis;
  if (ageMs > policy.maxAgeMs) {
    return {
      code: 'play_timestamp_stale',
      message: `verdict is ${Math.floor(ageMs / 1000)} s old (max ${policy.maxAgeMs / 1000} s)`,
    };
  }
  if (-ageMs > policy.maxFutureSkewMs) {
    return {
      code: 'play_timestamp_future',
      message: `verdict is ${Math.ceil(-ageMs / 1000)} s in the future (max ${policy.maxFutureSkewMs / 1000} s)`,
    };
  }
  return 'pass';
}

function checkAppRecognition({ verdict, policy }: VerdictContext): CheckOutcome {
  const recognition = verdict.appIntegrity.appRecognitionVerdict;
  if (policy.appRecognition === 'any' || recognition === 'PLAY_RECOGNIZED') return 'pass';
  return { code: 'play_app_unrecognized', message: `appRecognitionVerdict is ${label(recognition)}` };
}

function checkAppPackage({ verdict, policy }: VerdictContext): CheckOutcome {
  const packageName = verdict.appIntegrity.packageName;
  return packageName !== undefined && equalText(packageName, policy.packageName)
    ? 'pass'
    : {
        code: 'play_package_mismatch',
        message: 'appIntegrity.packageName is missing or not the configured package',
      };
}

/** Every digest in the verdict must be allowed: an extra signer is not "ours plus one". */
function checkAppCertificate({ verdict, policy }: VerdictContext): CheckOutcome {
  const presented = verdict.appIntegrity.certificateSha256Digest ?? [];
  const allowed =
    presented.length > 0 &&
    presented.every((text) => {
      const digest = decodeCertificateDigest(text);
      let found = false;
      for (const candidate of policy.certificates) {
        found = (digest !== undefined && timingSafeEqual(candidate, digest)) || found;
      }
      return found;
    });
  return allowed
    ? 'pass'
    : {
        code: 'play_certificate_mismatch',
        message: 'certificateSha256Digest is missing or not in the allow-list',
      };
}

function checkDeviceRecognition({ verdict, policy }: VerdictContext): CheckOutcome {
  const rank = deviceRank(verdict.deviceIntegrity.deviceRecognitionVerdict);
  if (rank < 0)
    return { code: 'play_device_integrity_insufficient', message: 'device meets no integrity level' };
  if (rank < policy.minDeviceRank) {
    return {
      code: 'play_device_integrity_insufficient',
      message: 'device is below the policy minDeviceRecognition',
    };
  }
  return 'pass';
}

function checkSdkVersion({ verdict, policy }: VerdictContext): CheckOutcome {
  if (policy.minSdkVersion === undefined) return 'skipped';
  const sdkVersion = verdict.deviceIntegrity.deviceAttributes?.sdkVersion;
  if (sdkVersion !== undefined && sdkVersion >= policy.minSdkVersion) return 'pass';
  return {
    code: 'play_sdk_version_low',
    message: `sdkVersion is ${sdkVersion ?? 'missing'} (min ${policy.minSdkVersion})`,
  };
}

function checkLicensing({ verdict, policy }: VerdictContext): CheckOutcome {
  if (!policy.requireLicensed) return 'skipped';
  const licensing = verdict.accountDetails.appLicensingVerdict;
  return licensing === 'LICENSED'
    ? 'pass'
    : { code: 'play_unlicensed', message: `appLicensingVerdict is ${label(licensing)}` };
}

function checkAppAccessRisk({ verdict, policy }: VerdictContext): CheckOutcome {
  if (policy.refuseAppAccessRisk.length === 0) return 'skipped';
  const detected = verdict.environmentDetails?.appAccessRiskVerdict?.appsDetected;
  if (detected === undefined) {
    return {
      code: 'play_app_access_risk',
      message: 'no app access risk verdict (turn it on in Play Console)',
    };
  }
  const hit = detected.find((kind) => policy.refuseAppAccessRisk.includes(kind));
  return hit === undefined
    ? 'pass'
    : { code: 'play_app_access_risk', message: `appsDetected includes ${label(hit)}` };
}

/** NO_ISSUES: on and clean; NO_DATA: on, no scan yet. POSSIBLE_RISK means Play Protect is off. */
function checkPlayProtect({ verdict, policy }: VerdictContext): CheckOutcome {
  if (!policy.requirePlayProtect) return 'skipped';
  const protect = verdict.environmentDetails?.playProtectVerdict;
  if (protect === 'NO_ISSUES' || protect === 'NO_DATA') return 'pass';
  if (protect === 'MEDIUM_RISK' || protect === 'HIGH_RISK') {
    return { code: 'play_protect_risk', message: `playProtectVerdict is ${protect}` };
  }
  return {
    code: 'play_protect_off',
    message: `playProtectVerdict is ${protect === undefined ? 'missing' : label(protect)}`,
  };
}

/** Standard base64 characters to web-safe ones, padding dropped: Android apps use both flags. */
function webSafe(value: string): string {
  return value
    .replaceAll('+', '-')
    .replaceAll('/', '_')
    .replace(/={1,2}$/, '');
}

function equalText(a: string, b: string): boolean {
  const x = Buffer.from(a, 'utf8');
  const y = Buffer.from(b, 'utf8');
  return x.length === y.length && timingSafeEqual(x, y);
}
