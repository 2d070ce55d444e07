import type { AndroidSecurityLevel } from './key-description.js';

/**
 * What an app accepts from Android key attestation. Every field is checked with its own failure
 * sub-code (kind `policy`).
 */
export interface AndroidKeyAttestationPolicy {
  /** The app's package name (applicationId); the attested app must be exactly this one package. */
  packageName: string;
  /**
   * SHA-256 digests of the app signing certificates, hex, colons allowed, any case
   * (`AB:CD:...` as the Play Console shows it). At least one attested digest must be listed.
   */
  signingCertSha256: readonly string[];
  /** Lowest accepted security level of the key. Default `tee`; `software` accepts emulators and is for tests only. */
  minSecurityLevel?: AndroidSecurityLevel;
  /** Refuse unless verifiedBootState is Verified. Default true. */
  requireVerifiedBoot?: boolean;
  /** Refuse unless the bootloader is locked. Default true. */
  requireLockedBootloader?: boolean;
  /** Lowest accepted OS security patch level, YYYYMM (202401). Default: not checked. */
  minOsPatchLevel?: number;
  /** Lowest accepted app versionCode. Default: not checked. */
  minAppVersion?: number;
}

/** The app-specific part of a preset policy. */
export interface AndroidAppIdentity {
  packageName: string;
  signingCertSha256: readonly string[];
  minOsPatchLevel?: number;
  minAppVersion?: number;
}

const PACKAGE_NAME = /^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z][A-Za-z0-9_]*)+$/;

/**
 * A signing certificate digest in canonical form (64 lower-case hex characters), or undefined
 * when the text is not a SHA-256 digest.
 *
 * @example normalizeSigningCertSha256('FA:C6:17:...') // 'fac617...'
 */
export function normalizeSigningCertSha256(text: string): string | undefined {
  const hex = text.replaceAll(':', '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(hex) ? hex : undefined;
}

function checkIdentity(app: AndroidAppIdentity): void {
  if (typeof app.packageName !== 'string' || !PACKAGE_NAME.test(app.packageName)) {
    throw new TypeError('packageName must be an Android package name such as com.example.shop');
  }
  if (!Array.isArray(app.signingCertSha256) || app.signingCertSha256.length === 0) {
    throw new TypeError('signingCertSha256 must list at least one SHA-256 certificate digest');
  }
  for (const digest of app.signingCertSha256) {
    if (typeof digest !== 'string' || normalizeSigningCertSha256(digest) === undefined) {
      throw new TypeError('signingCertSha256 entries must be SHA-256 digests in hex (colons allowed)');
    }
  }
  if (app.minOsPatchLevel !== undefined && !isPatchLevel(app.minOsPatchLevel)) {
    throw new TypeError('minOsPatchLevel must be YYYYMM, such as 202401');
  }
  if (
    app.minAppVersion !== undefined &&
    !(Number.isSafeInteger(app.minAppVersion) && app.minAppVersion >= 0)
  ) {
    throw new TypeError('minAppVersion must be a non-negative integer versionCode');
  }
}

/** True for a YYYYMM patch level with a month from 1 to 12. */
export function isPatchLevel(value: number): boolean {
  const month = value % 100;
  return Number.isSafeInteger(value) && value >= 100001 && value <= 999912 && month >= 1 && month <= 12;
}

function withIdentity(app: AndroidAppIdentity): AndroidKeyAttestationPolicy {
  const policy: AndroidKeyAttestationPolicy = {
    packageName: app.packageName,
    signingCertSha256: [...app.signingCertSha256],
  };
  if (app.minOsPatchLevel !== undefined) policy.minOsPatchLevel = app.minOsPatchLevel;
  if (app.minAppVersion !== undefined) policy.minAppVersion = app.minAppVersion;
  return policy;
}

/**
 * The strict preset: key in a TEE or StrongBox, verified boot, locked bootloader. Yields level
 * `hardware` for every device it accepts. Use it on sensitive routes.
 *
 * @throws TypeError naming the option when the identity is not valid.
 * @example strictAndroidPolicy({ packageName: 'com.example.shop', signingCertSha256: ['FA:C6:...'] })
 */
export function strictAndroidPolicy(app: AndroidAppIdentity): AndroidKeyAttestationPolicy {
  checkIdentity(app);
  return {
    ...withIdentity(app),
    minSecurityLevel: 'tee',
    requireVerifiedBoot: true,
    requireLockedBootloader: true,
  };
}

/**
 * The lenient preset: a hardware-backed key (TEE or StrongBox) is enough; unlocked or unverified
 * devices are accepted at level `basic`, because their OS reports the app identity unchecked (any
 * app could claim to be yours). Use it where users with custom ROMs are welcome and a route's
 * `level` decides what they may call.
 *
 * @throws TypeError naming the option when the identity is not valid.
 * @example lenientAndroidPolicy({ packageName: 'com.example.shop', signingCertSha256: ['FA:C6:...'] })
 */
export function lenientAndroidPolicy(app: AndroidAppIdentity): AndroidKeyAttestationPolicy {
  checkIdentity(app);
  return {
    ...withIdentity(app),
    minSecurityLevel: 'tee',
    requireVerifiedBoot: false,
    requireLockedBootloader: false,
  };
}
