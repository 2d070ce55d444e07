/** One audit sub-code of the Android verifiers: what it means, what the operator or developer does. */
export interface AndroidFailureCodeInfo {
  code: string;
  /** The `kind` a verification failure with this code carries (see contract.ts). */
  kind: 'invalid' | 'policy' | 'unavailable';
  meaning: string;
  fix: string;
}

/**
 * Every sub-code the Android key attestation, assertion and revocation modules produce. Codes are
 * stable and never reused; docs/providers/android.md lists the same codes (a test keeps them in
 * step).
 *
 * @example
 * const info = ANDROID_FAILURE_CODES.find((c) => c.code === 'android_bootloader_unlocked');
 */
export const ANDROID_FAILURE_CODES = [
  {
    code: 'android_chain_malformed',
    kind: 'invalid',
    meaning:
      'The certificate chain is empty, has a single certificate, or an entry is not a DER X.509 certificate within the size limit.',
    fix: 'Send KeyStore.getCertificateChain(alias) unchanged: every certificate, leaf first, each as base64 DER.',
  },
  {
    code: 'android_chain_too_long',
    kind: 'invalid',
    meaning: 'The chain has more certificates than any Android key attestation chain (10).',
    fix: 'Send only the chain of the attested key; never append other certificates.',
  },
  {
    code: 'android_extension_missing',
    kind: 'invalid',
    meaning: 'The leaf certificate has no key description extension (OID 1.3.6.1.4.1.11129.2.1.17).',
    fix: 'Generate the key with KeyGenParameterSpec.Builder.setAttestationChallenge(...) so the keystore attests it.',
  },
  {
    code: 'android_chain_extended',
    kind: 'invalid',
    meaning:
      'A certificate other than the leaf carries the key description: the chain was extended past the attested key (for example a certificate signed by the attested key was put in front).',
    fix: 'Send the chain exactly as the keystore returns it; the attested key must be the leaf. Treat repeated occurrences as an attack.',
  },
  {
    code: 'android_root_untrusted',
    kind: 'invalid',
    meaning:
      'The chain does not end in a configured Google attestation root (self-made root, AOSP software attestation root, pre-production root).',
    fix: 'Real devices chain to Google roots. Update the configured roots if Google added one; emulators and software keystores are refused by design.',
  },
  {
    code: 'android_chain_name_mismatch',
    kind: 'invalid',
    meaning: "A certificate's issuer name is not the subject name of the next certificate in the chain.",
    fix: 'Send the chain in keystore order (leaf first) without reordering or dropping certificates.',
  },
  {
    code: 'android_chain_signature_invalid',
    kind: 'invalid',
    meaning:
      'A certificate signature does not verify with the public key of the next certificate in the chain.',
    fix: 'The chain was altered or forged; send it unchanged.',
  },
  {
    code: 'android_certificate_not_yet_valid',
    kind: 'invalid',
    meaning: 'An intermediate certificate is not yet valid at the verification time.',
    fix: "Check the shield's clock; a chain from the future means a wrong clock or a forged chain.",
  },
  {
    code: 'android_certificate_expired',
    kind: 'invalid',
    meaning:
      'An intermediate of a remotely provisioned (or unrecognised) chain has expired at the verification time.',
    fix: 'The device must fetch fresh attestation keys (remote key provisioning) and attest a new key.',
  },
  {
    code: 'android_certificate_revoked',
    kind: 'invalid',
    meaning: "A certificate of the chain is REVOKED in Google's attestation status list.",
    fix: 'The attestation key was compromised: the device cannot be trusted for key attestation.',
  },
  {
    code: 'android_certificate_suspended',
    kind: 'invalid',
    meaning:
      "A certificate of the chain is SUSPENDED (or has an unknown status) in Google's attestation status list.",
    fix: 'Refused while the status list lists it; try again after Google lifts the suspension.',
  },
  {
    code: 'android_revocation_unavailable',
    kind: 'unavailable',
    meaning: 'No sufficiently fresh revocation status list is available and the stale policy is refuse.',
    fix: 'Restore access to the status list URL or file, or set onStale: allow to accept chains while it is stale.',
  },
  {
    code: 'android_revocation_list_malformed',
    kind: 'unavailable',
    meaning:
      "A fetched or read status list is not valid JSON in Google's format; the last good copy is kept.",
    fix: 'Check the configured URL or file serves https://android.googleapis.com/attestation/status content.',
  },
  {
    code: 'android_revocation_fetch_failed',
    kind: 'unavailable',
    meaning:
      'Fetching or reading the status list failed (network error, HTTP status, timeout, size limit); the last good copy is kept.',
    fix: 'Check network access to the status URL (or the file path) and the timeout.',
  },
  {
    code: 'android_key_algorithm_unsupported',
    kind: 'invalid',
    meaning: 'The attested key uses an algorithm this verifier cannot import (for example ML-DSA).',
    fix: 'Generate an EC P-256 key (KeyProperties.KEY_ALGORITHM_EC, secp256r1) for Portcullis.',
  },
  {
    code: 'android_key_not_p256',
    kind: 'invalid',
    meaning: 'The attested key is RSA or an EC key on a curve other than P-256.',
    fix: 'Generate an EC P-256 key (ECGenParameterSpec("secp256r1")).',
  },
  {
    code: 'android_key_description_malformed',
    kind: 'invalid',
    meaning:
      'The key description extension cannot be parsed, or breaks DER rules (unordered or repeated tags, unknown enumeration values, malformed patch level).',
    fix: 'The extension is produced by the keystore; a malformed one means a broken or forged device.',
  },
  {
    code: 'android_key_description_unknown_tag',
    kind: 'invalid',
    meaning: 'The key description carries an authorization tag this verifier does not know (fail closed).',
    fix: 'If a new Android release added the tag, update Portcullis; otherwise treat it as forged.',
  },
  {
    code: 'android_challenge_mismatch',
    kind: 'invalid',
    meaning: 'The attestation challenge is not the UTF-8 bytes of the challenge issued for this request.',
    fix: 'Call setAttestationChallenge(challenge.getBytes(UTF_8)) with the challenge just issued by POST /v1/challenge.',
  },
  {
    code: 'android_security_level_mismatch',
    kind: 'invalid',
    meaning:
      'attestationSecurityLevel differs from keyMintSecurityLevel, or the attestation certificate names another level (TEE certificate attesting a StrongBox key).',
    fix: 'A consistent keystore never produces this: treat as forged.',
  },
  {
    code: 'android_key_origin_not_generated',
    kind: 'invalid',
    meaning: 'The key was not generated inside the keystore (origin is imported, derived or missing).',
    fix: 'Generate the key on the device with KeyPairGenerator; never import it.',
  },
  {
    code: 'android_root_of_trust_missing',
    kind: 'invalid',
    meaning: 'The key description has no rootOfTrust in the list of its security level.',
    fix: 'Devices without a root of trust cannot prove boot state; they are refused.',
  },
  {
    code: 'android_package_mismatch',
    kind: 'policy',
    meaning:
      'The attested application is not exactly the configured package (other name, several packages sharing a UID, or no application id).',
    fix: "Check the app's packageName in the shield config; apps using sharedUserId are not supported.",
  },
  {
    code: 'android_signature_mismatch',
    kind: 'policy',
    meaning: 'None of the attested signing certificate digests is in the configured signingCertSha256 list.',
    fix: 'Add the SHA-256 of the release signing certificate (Play App Signing key, from the Play Console) to signingCertSha256.',
  },
  {
    code: 'android_app_version_too_old',
    kind: 'policy',
    meaning: 'The attested app versionCode is below minAppVersion.',
    fix: 'The user must update the app, or lower minAppVersion.',
  },
  {
    code: 'android_security_level_insufficient',
    kind: 'policy',
    meaning:
      'The key lives at a lower security level than minSecurityLevel (software below TEE, TEE below StrongBox).',
    fix: 'Request StrongBox only where devices have it (setIsStrongBoxBacked); lower minSecurityLevel if acceptable.',
  },
  {
    code: 'android_boot_unverified',
    kind: 'policy',
    meaning:
      'verifiedBootState is not Verified (self-signed, unverified or failed boot) and the policy requires verified boot.',
    fix: 'The device runs a modified or unlocked OS; use the lenient policy on routes that may accept it.',
  },
  {
    code: 'android_bootloader_unlocked',
    kind: 'policy',
    meaning: 'The bootloader is unlocked (deviceLocked false) and the policy requires a locked bootloader.',
    fix: 'The user must relock the bootloader; use the lenient policy on routes that may accept it.',
  },
  {
    code: 'android_patch_level_too_old',
    kind: 'policy',
    meaning: 'The attested osPatchLevel (YYYYMM) is missing or older than minOsPatchLevel.',
    fix: 'The user must install system updates, or lower minOsPatchLevel.',
  },
  {
    code: 'android_assertion_key_invalid',
    kind: 'invalid',
    meaning: 'The stored device key is not an EC P-256 public JWK.',
    fix: 'Only keys registered by a successful Android key attestation can sign assertions.',
  },
  {
    code: 'android_assertion_signature_malformed',
    kind: 'invalid',
    meaning:
      'The assertion is not one canonical DER ECDSA signature (for example the raw 64-byte r and s of IEEE P1363).',
    fix: 'Sign with Signature.getInstance("SHA256withECDSA") and send its output (DER) unchanged.',
  },
  {
    code: 'android_assertion_signature_invalid',
    kind: 'invalid',
    meaning:
      'The assertion signature does not verify with the device key over the challenge (or r or s is out of range).',
    fix: 'Sign the UTF-8 bytes of the challenge just issued with the attested key.',
  },
] as const satisfies readonly AndroidFailureCodeInfo[];

/** A sub-code of ANDROID_FAILURE_CODES. */
export type AndroidFailureCode = (typeof ANDROID_FAILURE_CODES)[number]['code'];
