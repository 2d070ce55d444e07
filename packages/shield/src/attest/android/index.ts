export { AndroidParseError } from './android-parse-error.js';
export type { AndroidAppIdentity, AndroidKeyAttestationPolicy } from './android-policy.js';
export {
  isPatchLevel,
  lenientAndroidPolicy,
  normalizeSigningCertSha256,
  strictAndroidPolicy,
} from './android-policy.js';
export type { AndroidKeyAttestationStep } from './android-steps.js';
export { ANDROID_KEY_ATTESTATION_STEPS } from './android-steps.js';
export type {
  RevocationSource,
  RevocationSourceOptions,
  RevocationSourceState,
} from './create-revocation-source.js';
export { createRevocationSource, GOOGLE_REVOCATION_STATUS_URL } from './create-revocation-source.js';
export type { AndroidFailureCode, AndroidFailureCodeInfo } from './failure-codes.js';
export { ANDROID_FAILURE_CODES } from './failure-codes.js';
export type {
  AndroidSecurityLevel,
  AttestationApplicationId,
  AttestationPackage,
  AuthorizationList,
  KeyDescription,
  RootOfTrust,
  VerifiedBootState,
} from './key-description.js';
export { KEY_ORIGIN_GENERATED } from './key-description.js';
export { KEY_DESCRIPTION_OID, parseKeyDescription } from './parse-key-description.js';
export type { RevocationEntry, RevocationStatus } from './parse-revocation-status.js';
export { findRevocationEntry, normalizeSerialHex, parseRevocationStatus } from './parse-revocation-status.js';
export {
  GOOGLE_ATTESTATION_ROOTS_PEM,
  GOOGLE_HARDWARE_ATTESTATION_ROOT_1_PEM,
  GOOGLE_HARDWARE_ATTESTATION_ROOT_2_PEM,
  GOOGLE_HARDWARE_ATTESTATION_ROOT_3_PEM,
  GOOGLE_HARDWARE_ATTESTATION_ROOT_4_PEM,
  GOOGLE_KEY_ATTESTATION_CA1_EC_ROOT_PEM,
  loadAndroidRoots,
} from './roots.js';
export type {
  AndroidAssertionInput,
  AndroidAssertionResult,
  AndroidDeviceKey,
} from './verify-android-assertion.js';
export { ANDROID_ASSERTION_STEPS, verifyAndroidAssertion } from './verify-android-assertion.js';
export type { AndroidTrustAnchors, AndroidTrustRoot, ProvisioningMethod } from './verify-android-chain.js';
export { MAX_CERTIFICATE_BYTES, MAX_CHAIN_LENGTH } from './verify-android-chain.js';
export type {
  AndroidKeyAttestationInput,
  AndroidKeyAttestationOptions,
} from './verify-android-key-attestation.js';
export { verifyAndroidKeyAttestation } from './verify-android-key-attestation.js';
