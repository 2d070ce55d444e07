import { timingSafeEqual } from 'node:crypto';
import type { AssuranceLevel } from '@portcullis/protocol';
import { base64url, sha256 } from '../../encoding.js';
import type { EvidenceFacts, StepVerdict, VerificationResult } from '../contract.js';
import { decodeCertificateDigest } from './decode-certificate-digest.js';
import { playFailure } from './lib/play-failure.js';
import { parsePlayIntegrityPayload } from './parse-play-integrity-payload.js';
import type { PlayIntegrityFailureCode } from './play-integrity-failure-codes.js';

/** Device recognition labels, weakest first (MEETS_VIRTUAL_INTEGRITY: a Play-certified emulator). */
export type DeviceRecognitionLevel =
  | 'MEETS_VIRTUAL_INTEGRITY'
  | 'MEETS_BASIC_INTEGRITY'
  | 'MEETS_DEVICE_INTEGRITY'
  | 'MEETS_STRONG_INTEGRITY';

const DEVICE_RANK: Readonly<Record<string, number>> = {
  MEETS_VIRTUAL_INTEGRITY: 0,
  MEETS_BASIC_INTEGRITY: 1,
  MEETS_DEVICE_INTEGRITY: 2,
  MEETS_STRONG_INTEGRITY: 3,
};

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

const LABEL = /^[A-Z][A-Z0-9_]{0,63}$/;

/**
 * Judges a decoded Play Integrity verdict against the app's policy, in Google's order: first
 * requestDetails against the original request (package, challenge binding, freshness), then the
 * app, device, account and environment verdicts. Pure: the verification time is passed in.
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
  const refuse = (step: string, code: PlayIntegrityFailureCode, message: string): VerificationResult => {
    steps.push({ step, verdict: 'fail' });
    return { ...playFailure(code, message), steps };
  };
  const pass = (step: string) => steps.push({ step, verdict: 'pass' });
  const skip = (step: string) => steps.push({ step, verdict: 'skipped' });

  const parsed = parsePlayIntegrityPayload(payload);
  if (!parsed.ok) return refuse('payload shape', 'play_payload_malformed', parsed.message);
  pass('payload shape');
  const { requestDetails, appIntegrity, deviceIntegrity, accountDetails, environmentDetails } =
    parsed.payload;

  // Google: "You must first check that the values in the requestDetails field match those of
  // the original request before checking each integrity verdict."
  if (!equalText(requestDetails.requestPackageName, policy.packageName)) {
    return refuse(
      'request package name',
      'play_request_package_mismatch',
      'requestPackageName is not the configured package',
    );
  }
  pass('request package name');

  const challenge = typeof binding.challenge === 'string' ? binding.challenge : '';
  if (challenge.length === 0)
    return refuse('request binding', 'play_request_mismatch', 'no challenge to bind to');
  if (requestDetails.nonce === undefined && requestDetails.requestHash === undefined) {
    return refuse(
      'request binding',
      'play_request_mismatch',
      'verdict carries neither nonce nor requestHash',
    );
  }
  if (requestDetails.nonce !== undefined && !equalText(webSafe(requestDetails.nonce), challenge)) {
    return refuse('request binding', 'play_request_mismatch', 'nonce is not the challenge');
  }
  if (
    requestDetails.requestHash !== undefined &&
    !equalText(webSafe(requestDetails.requestHash), base64url(sha256(challenge)))
  ) {
    return refuse(
      'request binding',
      'play_request_mismatch',
      'requestHash is not b64url(SHA-256(challenge))',
    );
  }
  pass('request binding');

  const now = at.getTime();
  const maxAgeMs = seconds(policy.maxAgeSeconds, PLAY_INTEGRITY_POLICY_DEFAULTS.maxAgeSeconds) * 1000;
  const skewMs =
    seconds(policy.maxFutureSkewSeconds, PLAY_INTEGRITY_POLICY_DEFAULTS.maxFutureSkewSeconds) * 1000;
  if (!Number.isFinite(now))
    return refuse('request timestamp', 'play_timestamp_stale', 'verification time is not a valid date');
  const ageMs = now - requestDetails.timestampMillis;
  if (ageMs > maxAgeMs) {
    return refuse(
      'request timestamp',
      'play_timestamp_stale',
      `verdict is ${Math.floor(ageMs / 1000)} s old (max ${maxAgeMs / 1000} s)`,
    );
  }
  if (-ageMs > skewMs) {
    return refuse(
      'request timestamp',
      'play_timestamp_future',
      `verdict is ${Math.ceil(-ageMs / 1000)} s in the future (max ${skewMs / 1000} s)`,
    );
  }
  pass('request timestamp');

  const appRecognition = policy.appRecognition ?? PLAY_INTEGRITY_POLICY_DEFAULTS.appRecognition;
  if (appRecognition !== 'any' && appIntegrity.appRecognitionVerdict !== 'PLAY_RECOGNIZED') {
    return refuse(
      'app recognition',
      'play_app_unrecognized',
      `appRecognitionVerdict is ${label(appIntegrity.appRecognitionVerdict)}`,
    );
  }
  pass('app recognition');

  if (appIntegrity.packageName === undefined || !equalText(appIntegrity.packageName, policy.packageName)) {
    return refuse(
      'app package name',
      'play_package_mismatch',
      'appIntegrity.packageName is missing or not the configured package',
    );
  }
  pass('app package name');

  if (!certificatesAllowed(appIntegrity.certificateSha256Digest, policy.certificateSha256)) {
    return refuse(
      'app certificate',
      'play_certificate_mismatch',
      'certificateSha256Digest is missing or not in the allow-list',
    );
  }
  pass('app certificate');

  const rank = Math.max(-1, ...deviceIntegrity.deviceRecognitionVerdict.map((v) => DEVICE_RANK[v] ?? -1));
  const minimum = policy.minDeviceRecognition ?? PLAY_INTEGRITY_POLICY_DEFAULTS.minDeviceRecognition;
  if (rank < 0)
    return refuse(
      'device recognition',
      'play_device_integrity_insufficient',
      'device meets no integrity level',
    );
  if (rank < (DEVICE_RANK[minimum] ?? Number.POSITIVE_INFINITY)) {
    return refuse(
      'device recognition',
      'play_device_integrity_insufficient',
      `device does not meet ${label(minimum)}`,
    );
  }
  pass('device recognition');

  const sdkVersion = deviceIntegrity.deviceAttributes?.sdkVersion;
  if (policy.minSdkVersion === undefined) skip('device sdk version');
  else if (sdkVersion === undefined || !(sdkVersion >= policy.minSdkVersion)) {
    return refuse(
      'device sdk version',
      'play_sdk_version_low',
      `sdkVersion is ${sdkVersion ?? 'missing'} (min ${policy.minSdkVersion})`,
    );
  } else pass('device sdk version');

  const licensing = accountDetails.appLicensingVerdict;
  if (policy.requireLicensed !== true) skip('account licensing');
  else if (licensing !== 'LICENSED') {
    return refuse('account licensing', 'play_unlicensed', `appLicensingVerdict is ${label(licensing)}`);
  } else pass('account licensing');

  const refused = policy.refuseAppAccessRisk ?? PLAY_INTEGRITY_POLICY_DEFAULTS.refuseAppAccessRisk;
  const detected = environmentDetails?.appAccessRiskVerdict?.appsDetected;
  if (refused.length === 0) skip('app access risk');
  else if (detected === undefined) {
    return refuse(
      'app access risk',
      'play_app_access_risk',
      'no app access risk verdict (turn it on in Play Console)',
    );
  } else {
    const hit = detected.find((kind) => refused.includes(kind));
    if (hit !== undefined)
      return refuse('app access risk', 'play_app_access_risk', `appsDetected includes ${label(hit)}`);
    pass('app access risk');
  }

  const protect = environmentDetails?.playProtectVerdict;
  if (policy.requirePlayProtect !== true) skip('play protect');
  else if (protect === 'MEDIUM_RISK' || protect === 'HIGH_RISK') {
    return refuse('play protect', 'play_protect_risk', `playProtectVerdict is ${protect}`);
  } else if (protect !== 'NO_ISSUES' && protect !== 'NO_DATA') {
    return refuse(
      'play protect',
      'play_protect_off',
      `playProtectVerdict is ${protect === undefined ? 'missing' : label(protect)}`,
    );
  } else pass('play protect');

  const facts: EvidenceFacts = {
    requestKind: requestDetails.requestHash !== undefined ? 'standard' : 'classic',
    deviceRecognition: deviceIntegrity.deviceRecognitionVerdict.filter((v) => LABEL.test(v)).join(','),
    appRecognition: label(appIntegrity.appRecognitionVerdict),
    licensing: label(licensing),
  };
  if (appIntegrity.versionCode !== undefined) facts['versionCode'] = appIntegrity.versionCode;
  if (sdkVersion !== undefined) facts['sdkVersion'] = sdkVersion;
  const activity = deviceIntegrity.recentDeviceActivity?.deviceActivityLevel;
  if (activity !== undefined) facts['deviceActivity'] = label(activity);
  if (detected !== undefined) facts['appsDetected'] = detected.filter((v) => LABEL.test(v)).join(',');
  if (protect !== undefined) facts['playProtect'] = label(protect);

  return {
    ok: true,
    evidence: { type: 'play-integrity', platform: 'android', level: levelOf(rank), testRoot: false, facts },
    steps,
  };
}

function levelOf(rank: number): AssuranceLevel {
  if (rank >= 3) return 'hardware';
  if (rank === 2) return 'device';
  return 'basic';
}

function certificatesAllowed(presented: readonly string[] | undefined, allowed: readonly string[]): boolean {
  if (presented === undefined || presented.length === 0) return false;
  const allowList = allowed.map(decodeCertificateDigest).filter((d): d is Buffer => d !== undefined);
  return presented.every((text) => {
    const digest = decodeCertificateDigest(text);
    if (digest === undefined) return false;
    let found = false;
    for (const candidate of allowList) found = timingSafeEqual(candidate, digest) || found;
    return found;
  });
}

/** Standard base64 characters to web-safe ones, padding dropped. */
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

/** A non-negative number of seconds; anything else becomes 0, the strictest value. */
function seconds(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  return Number.isFinite(value) && value >= 0 ? value : 0;
}

/** Verdict labels only reach messages and facts when they look like Google's enum names. */
function label(value: string): string {
  return LABEL.test(value) ? value : 'an unrecognised value';
}
