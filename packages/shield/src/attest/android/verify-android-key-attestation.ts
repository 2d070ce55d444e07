import { timingSafeEqual } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import type { AssuranceLevel, JsonWebKeyLike } from '@portcullis/protocol';
import { base64url, sha256 } from '../../encoding.js';
import type { EvidenceFacts, VerificationResult } from '../contract.js';
import { AndroidParseError } from './android-parse-error.js';
import {
  type AndroidKeyAttestationPolicy,
  isPatchLevel,
  normalizeSigningCertSha256,
} from './android-policy.js';
import { ANDROID_KEY_ATTESTATION_STEPS } from './android-steps.js';
import { KEY_ORIGIN_GENERATED, type KeyDescription } from './key-description.js';
import { parseKeyDescription } from './parse-key-description.js';
import { StepLog } from './step-log.js';
import { type AndroidTrustAnchors, checkAndroidChain } from './verify-android-chain.js';

/** What the app sends: the key's certificate chain and the challenge it attested. */
export interface AndroidKeyAttestationInput {
  /** DER certificates, leaf first, as KeyStore.getCertificateChain returns them. */
  chain: readonly Uint8Array[];
  /**
   * The challenge the key must attest: a string is the challenge the shield issued, attested as
   * its UTF-8 bytes (protocol §2.1); a Uint8Array is compared byte for byte, as given (offline
   * checks of evidence made for another protocol, such as a WebAuthn clientDataHash).
   */
  challenge: string | Uint8Array;
}

/** How verifyAndroidKeyAttestation may widen its checks for offline inspection. */
export interface AndroidKeyAttestationOptions {
  /**
   * Accept an attested RSA key, or an EC key on another curve, and report it in
   * `facts.keyAlgorithm` without a `publicKeyJwk`. For `portcullis evidence verify` only: the
   * shield binds EC P-256 keys alone (protocol §1), so it never sets this.
   */
  anyKeyAlgorithm?: boolean;
}

const EC_PUBLIC_KEY_OID = '1.2.840.10045.2.1';
const RSA_PUBLIC_KEY_OID = '1.2.840.113549.1.1.1';
const LEVEL_RANK: Readonly<Record<string, number>> = { software: 0, tee: 1, strongbox: 2 };
const CURVE_NAMES: Readonly<Record<string, string>> = {
  prime256v1: 'P-256',
  secp384r1: 'P-384',
  secp521r1: 'P-521',
};

/**
 * Verifies an Android Key Attestation (protocol §2.1, `android-key-attestation`) the way
 * Android's "Verify hardware-backed key pairs with key attestation" prescribes, plus the app's
 * policy. Pure: no I/O, no clock (`at` is the verification time), trust anchors passed in.
 *
 * Checks in order (each a named step): chain decoding and shape (the key description on the
 * leaf only), a configured root by public key, issuer/subject names, every signature, validity
 * at `at` (intermediates of factory-provisioned chains may be expired; remotely provisioned ones
 * may not; the leaf's own dates are device-written and not used), the revocation status list,
 * an EC P-256 leaf key, the key description (DER tag order, known tags), the challenge,
 * consistent security levels, a GENERATED key, a root of trust; then the policy: package name,
 * signing certificate, app version, security level, verified boot, locked bootloader, patch level.
 *
 * Level: `hardware` for a TEE or StrongBox key on a verified, locked device; `basic` for every
 * other accepted key (an unlocked or unverified device under a lenient policy, whose OS reports
 * the app identity unchecked; a software key when the policy allows software). Android key
 * attestation never yields `device`.
 *
 * @throws TypeError when `at` is not a valid Date (a caller bug, not an evidence problem).
 * @example
 * const result = verifyAndroidKeyAttestation(
 *   { chain, challenge },
 *   strictAndroidPolicy({ packageName: 'com.example.shop', signingCertSha256: [digest] }),
 *   { roots: loadAndroidRoots(GOOGLE_ATTESTATION_ROOTS_PEM), revocation: source.current() },
 *   new Date(),
 * );
 * if (!result.ok) audit(result.code);
 */
export function verifyAndroidKeyAttestation(
  input: AndroidKeyAttestationInput,
  policy: AndroidKeyAttestationPolicy,
  anchors: AndroidTrustAnchors,
  at: Date,
  options: AndroidKeyAttestationOptions = {},
): VerificationResult {
  if (!(at instanceof Date) || Number.isNaN(at.getTime())) {
    throw new TypeError('verifyAndroidKeyAttestation: at must be a valid Date');
  }
  const log = new StepLog(ANDROID_KEY_ATTESTATION_STEPS);
  const chain = checkAndroidChain(input.chain, anchors, at, log);
  if ('ok' in chain) return chain;

  // The device key: the protocol binds EC P-256 keys only. The algorithm is read from the
  // certificate, so the answer does not depend on which algorithms this Node version imports.
  const spkiAlgorithm = chain.leafAsn.tbsCertificate.subjectPublicKeyInfo.algorithm.algorithm;
  const anyKey = options.anyKeyAlgorithm === true;
  if (spkiAlgorithm === RSA_PUBLIC_KEY_OID && !anyKey) {
    return log.fail('leaf_key', 'android_key_not_p256', 'the attested key is an RSA key', {
      keyAlgorithm: 'RSA',
    });
  }
  if (spkiAlgorithm !== EC_PUBLIC_KEY_OID && spkiAlgorithm !== RSA_PUBLIC_KEY_OID) {
    return log.fail(
      'leaf_key',
      'android_key_algorithm_unsupported',
      'the attested key algorithm is not supported',
      { keyAlgorithmOid: spkiAlgorithm },
    );
  }
  let publicKeyJwk: JsonWebKeyLike | undefined;
  let keyAlgorithm: string;
  try {
    const key = chain.leaf.publicKey;
    const details = key.asymmetricKeyDetails;
    if (spkiAlgorithm === RSA_PUBLIC_KEY_OID) {
      if (details?.modulusLength === undefined) throw new Error('not an RSA key');
      keyAlgorithm = `RSA ${details.modulusLength}`;
    } else {
      const curve = details?.namedCurve ?? 'unknown curve';
      keyAlgorithm = `EC ${CURVE_NAMES[curve] ?? curve}`;
      if (curve !== 'prime256v1' && !anyKey) {
        return log.fail('leaf_key', 'android_key_not_p256', 'the attested EC key is not on P-256', {
          keyAlgorithm,
        });
      }
      if (curve === 'prime256v1') {
        const { kty, crv, x, y } = key.export({ format: 'jwk' });
        if (kty !== 'EC' || crv !== 'P-256' || x === undefined || y === undefined)
          throw new Error('not a P-256 JWK');
        publicKeyJwk = { kty, crv, x, y };
      }
    }
  } catch {
    return log.fail('leaf_key', 'android_key_algorithm_unsupported', 'the attested key cannot be imported');
  }
  const spkiDer = new Uint8Array(AsnConvert.serialize(chain.leafAsn.tbsCertificate.subjectPublicKeyInfo));
  log.pass('leaf_key');

  let kd: KeyDescription;
  try {
    kd = parseKeyDescription(chain.extension);
  } catch (e) {
    const code = e instanceof AndroidParseError ? e.code : 'android_key_description_malformed';
    return log.fail('key_description', code, 'the key description cannot be decoded');
  }
  for (const list of [kd.softwareEnforced, kd.hardwareEnforced]) {
    if (!list.tagsOrdered) {
      return log.fail(
        'key_description',
        'android_key_description_malformed',
        'authorization tags are not in ascending order (not DER)',
      );
    }
    if (list.unknownTags.length > 0) {
      return log.fail(
        'key_description',
        'android_key_description_unknown_tag',
        `unknown authorization tag ${list.unknownTags[0]}`,
      );
    }
  }
  log.pass('key_description');

  // Android step 7: "Check the extension data ... for consistency and compare with the set of
  // values that you expect the hardware-backed key to contain." From here on.
  const expected =
    typeof input.challenge === 'string'
      ? new TextEncoder().encode(input.challenge)
      : input.challenge instanceof Uint8Array
        ? input.challenge
        : undefined;
  if (expected === undefined || !sameBytes(kd.attestationChallenge, expected)) {
    return log.fail(
      'challenge',
      'android_challenge_mismatch',
      'the attested challenge is not the issued challenge',
      {
        attested: base64(kd.attestationChallenge),
        expected: expected === undefined ? '(not a string or bytes)' : base64(expected),
      },
    );
  }
  log.pass('challenge');

  const level = kd.attestationSecurityLevel;
  if (level !== kd.keyMintSecurityLevel) {
    return log.fail(
      'security_level',
      'android_security_level_mismatch',
      'attestationSecurityLevel and keyMintSecurityLevel differ',
    );
  }
  if (chain.namedLevel !== undefined && chain.namedLevel !== level) {
    return log.fail(
      'security_level',
      'android_security_level_mismatch',
      'the attestation certificate names another security level than the key description',
    );
  }
  log.pass('security_level');

  // A hardware-backed key's properties are trusted only from the hardware-enforced list.
  const enforced = level === 'software' ? kd.softwareEnforced : kd.hardwareEnforced;
  if (enforced.origin !== KEY_ORIGIN_GENERATED) {
    return log.fail(
      'key_origin',
      'android_key_origin_not_generated',
      'the key was not generated in the keystore',
    );
  }
  log.pass('key_origin');

  const rootOfTrust = enforced.rootOfTrust;
  if (rootOfTrust === undefined) {
    return log.fail(
      'root_of_trust',
      'android_root_of_trust_missing',
      'the key description has no root of trust',
    );
  }
  log.pass('root_of_trust');

  // Policy.
  const applicationId =
    kd.hardwareEnforced.attestationApplicationId ?? kd.softwareEnforced.attestationApplicationId;
  const app = applicationId?.packages.length === 1 ? applicationId.packages[0] : undefined;
  if (app === undefined || app.name !== policy.packageName) {
    return log.fail(
      'package_name',
      'android_package_mismatch',
      applicationId === undefined
        ? 'the key description names no application'
        : 'the attested application is not exactly the configured package',
      {
        attested: (applicationId?.packages ?? []).map((p) => p.name).join(', ') || '(none)',
        expected: policy.packageName,
      },
    );
  }
  log.pass('package_name');

  const allowed = policy.signingCertSha256.map(normalizeSigningCertSha256).filter((d) => d !== undefined);
  const signed = (applicationId?.signatureDigests ?? []).some((digest) =>
    allowed.some((hex) => sameBytes(digest, Buffer.from(hex, 'hex'))),
  );
  if (!signed) {
    return log.fail(
      'signing_certificate',
      'android_signature_mismatch',
      'no attested signing certificate digest is allowed',
      {
        attested:
          (applicationId?.signatureDigests ?? []).map((d) => Buffer.from(d).toString('hex')).join(', ') ||
          '(none)',
        expected: allowed.join(', '),
      },
    );
  }
  log.pass('signing_certificate');

  // Policy values are validated when the config is built; a bad one here fails closed.
  if (policy.minAppVersion === undefined) log.skip('app_version');
  else if (!Number.isSafeInteger(policy.minAppVersion) || app.version < policy.minAppVersion) {
    return log.fail('app_version', 'android_app_version_too_old', 'the app version is below minAppVersion', {
      attested: app.version,
      minimum: String(policy.minAppVersion),
    });
  } else log.pass('app_version');

  const minLevel = policy.minSecurityLevel ?? 'tee';
  if ((LEVEL_RANK[level] ?? -1) < (LEVEL_RANK[minLevel] ?? Number.POSITIVE_INFINITY)) {
    return log.fail(
      'min_security_level',
      'android_security_level_insufficient',
      `the key is at security level ${level}, below ${minLevel}`,
      { attested: level, minimum: String(minLevel) },
    );
  }
  log.pass('min_security_level');

  const verifiedBoot = rootOfTrust.verifiedBootState === 'verified';
  if (!(policy.requireVerifiedBoot ?? true)) log.skip('verified_boot');
  else if (!verifiedBoot) {
    return log.fail(
      'verified_boot',
      'android_boot_unverified',
      `verifiedBootState is ${rootOfTrust.verifiedBootState}`,
      { attested: rootOfTrust.verifiedBootState, expected: 'verified' },
    );
  } else log.pass('verified_boot');

  if (!(policy.requireLockedBootloader ?? true)) log.skip('bootloader_locked');
  else if (!rootOfTrust.deviceLocked) {
    return log.fail('bootloader_locked', 'android_bootloader_unlocked', 'the bootloader is unlocked', {
      deviceLocked: false,
    });
  } else log.pass('bootloader_locked');

  const patchLevel = enforced.osPatchLevel;
  if (policy.minOsPatchLevel === undefined) log.skip('os_patch_level');
  else if (patchLevel !== undefined && !isPatchLevel(patchLevel)) {
    return log.fail('os_patch_level', 'android_key_description_malformed', 'osPatchLevel is not YYYYMM');
  } else if (
    patchLevel === undefined ||
    !isPatchLevel(policy.minOsPatchLevel) ||
    patchLevel < policy.minOsPatchLevel
  ) {
    return log.fail(
      'os_patch_level',
      'android_patch_level_too_old',
      'osPatchLevel is missing or below minOsPatchLevel',
      { attested: patchLevel ?? '(none)', minimum: String(policy.minOsPatchLevel) },
    );
  } else log.pass('os_patch_level');

  // The app identity (package, signer) is not measured by the keystore: the OS writes it into
  // the software-enforced list. Only a verified boot on a locked bootloader makes that OS the
  // genuine one; an unlocked or custom OS can name any app it likes, so the key proves a device
  // but not the app, which is `basic`, whatever hardware holds the key.
  const appIdentityVerified = level !== 'software' && verifiedBoot && rootOfTrust.deviceLocked;
  const assurance: AssuranceLevel = appIdentityVerified ? 'hardware' : 'basic';
  const facts: EvidenceFacts = {
    securityLevel: level,
    verifiedBootState: rootOfTrust.verifiedBootState,
    deviceLocked: rootOfTrust.deviceLocked,
    attestationVersion: kd.attestationVersion,
    keyMintVersion: kd.keyMintVersion,
    packageName: app.name,
    appVersion: app.version,
    provisioning: chain.provisioning,
    revocationChecked: chain.revocationChecked,
    appIdentityVerified,
    keyAlgorithm,
  };
  if (patchLevel !== undefined) facts['osPatchLevel'] = patchLevel;
  return {
    ok: true,
    evidence: {
      type: 'android-key-attestation',
      platform: 'android',
      level: assurance,
      keyId: base64url(sha256(spkiDer)),
      ...(publicKeyJwk === undefined ? {} : { publicKeyJwk }),
      testRoot: chain.testRoot,
      facts,
    },
    steps: log.steps(),
  };
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
