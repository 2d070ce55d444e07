/**
 * The verification steps of verifyAndroidKeyAttestation, in the order performed: chain checks,
 * then the key description (kind `invalid` when they fail), then the app's policy (kind `policy`).
 */
export const ANDROID_KEY_ATTESTATION_STEPS = [
  'chain_decode',
  'chain_shape',
  'chain_root',
  'chain_names',
  'chain_signatures',
  'chain_validity',
  'revocation',
  'leaf_key',
  'key_description',
  'challenge',
  'security_level',
  'key_origin',
  'root_of_trust',
  'package_name',
  'signing_certificate',
  'app_version',
  'min_security_level',
  'verified_boot',
  'bootloader_locked',
  'os_patch_level',
] as const;

export type AndroidKeyAttestationStep = (typeof ANDROID_KEY_ATTESTATION_STEPS)[number];
