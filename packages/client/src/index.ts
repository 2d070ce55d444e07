// The public surface of @portcullis/client: explicit named exports only.
export type { ErrorCode } from '@portcullis/protocol';
export { CLIENT_ERROR_CODES, type ClientErrorCode, type ClientErrorCodeInfo } from './client-error-codes.js';
export { createPortcullis, type Portcullis, type PortcullisOptions } from './create-portcullis.js';
export type { RouteRule } from './create-route-matcher.js';
export type { FetchFunction } from './create-shield-api.js';
export type { RetryPolicy } from './create-token-source.js';
export {
  isClientErrorCode,
  isPortcullisError,
  PortcullisError,
  type PortcullisErrorCode,
  type PortcullisErrorInit,
} from './portcullis-error.js';
export type { PortcullisEvent, PortcullisListener } from './portcullis-event.js';
export type { AttestationProvider } from './providers/attestation-provider.js';
export { type AndroidProviderOptions, createAndroidProvider } from './providers/create-android-provider.js';
export {
  type AppAttestProviderOptions,
  createAppAttestProvider,
} from './providers/create-app-attest-provider.js';
export { createDebugProvider, type DebugProviderOptions } from './providers/create-debug-provider.js';
export {
  EXPO_APP_INTEGRITY_ERRORS,
  type ExpoAppIntegrityModule,
  expoAppIntegrityBridges,
  type IntegrityBridges,
} from './providers/expo-app-integrity-bridges.js';
export { type ExpoSecureStoreModule, expoSecureStoreStorage } from './providers/expo-secure-store-storage.js';
export type { AndroidKeyBridge, AppAttestBridge, PlayIntegrityBridge } from './providers/native-bridges.js';
export {
  PAGOPA_INTEGRITY_ERRORS,
  type PagopaCryptoModule,
  type PagopaIntegrityModule,
  pagopaIntegrityBridges,
} from './providers/pagopa-integrity-bridges.js';
export { createMemoryStorage, type SecureStorage } from './providers/secure-storage.js';
