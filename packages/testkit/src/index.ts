export type {
  CreateSoftwareAndroidDeviceOptions,
  SoftwareAndroidDevice,
} from './android-key-attestation-device.js';
export {
  ANDROID_KEY_DESCRIPTION_OID,
  createSoftwareAndroidDevice,
} from './android-key-attestation-device.js';
export type { AndroidTestAuthority, CreateAndroidTestAuthorityOptions } from './android-test-authority.js';
export { createAndroidTestAuthority } from './android-test-authority.js';
export type {
  CreateSoftwareAppAttestDeviceOptions,
  SoftwareAppAttestDevice,
} from './apple-app-attest-device.js';
export { createSoftwareAppAttestDevice } from './apple-app-attest-device.js';
export type {
  AppAttestTestAuthority,
  CreateAppAttestTestAuthorityOptions,
} from './apple-app-attest-test-authority.js';
export {
  APP_ATTEST_NONCE_OID,
  createAppAttestTestAuthority,
  encodeAppAttestNonceExtension,
} from './apple-app-attest-test-authority.js';
export type { NodeProvider, NodeProviderOptions } from './node-provider.js';
export { createNodeProvider } from './node-provider.js';
export type { NodeAndroidKeyBridgeOptions, NodeAppAttestBridgeOptions } from './node-provider-bridges.js';
export { createNodeAndroidKeyBridge, createNodeAppAttestBridge } from './node-provider-bridges.js';
export type {
  CreateTestCertificateOptions,
  TestCertificate,
  TestCertificateExtension,
  TestIssuer,
  TestKeyAlgorithm,
  TestKeyPair,
  TestKeyUsage,
  TestName,
} from './test-pki.js';
export { createTestCertificate, createTestKeyPair, toPem } from './test-pki.js';
