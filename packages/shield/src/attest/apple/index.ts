export type { AppleFailureCode, AppleFailureCodeInfo } from './apple-failure-codes.js';
export { APPLE_FAILURE_CODES } from './apple-failure-codes.js';
export { APPLE_APP_ATTESTATION_ROOT_CA_PEM, loadAppleRoots } from './roots.js';
export type {
  AppleAssertionDevice,
  AppleAssertionInput,
  AppleAssertionPolicy,
  AppleAssertionResult,
} from './verify-apple-assertion.js';
export {
  APPLE_ASSERTION_STEPS,
  MAX_APPLE_ASSERTION_BYTES,
  verifyAppleAssertion,
} from './verify-apple-assertion.js';
export type {
  AppleAttestationInput,
  AppleAttestationPolicy,
  AppleEnvironment,
} from './verify-apple-attestation.js';
export {
  APPLE_ATTESTATION_STEPS,
  MAX_APPLE_ATTESTATION_BYTES,
  verifyAppleAttestation,
} from './verify-apple-attestation.js';
export type { AppleTrustAnchors } from './verify-apple-certificate-chain.js';
