// The native modules this app uses, as their packages declare them (the subset it calls). They are
// installed in the app itself (`npx expo install @expo/app-integrity expo-secure-store
// @pagopa/io-react-native-integrity @pagopa/io-react-native-crypto`) and not in this repository's
// workspace, whose CI only type-checks the example; when they are installed, delete this file
// and the packages' own types take over. Expo inlines EXPO_PUBLIC_* variables at
// build time (expo/types declares process.env the same way).

declare module '@expo/app-integrity' {
  export const isSupported: boolean;
  export function generateKeyAsync(): Promise<string>;
  export function attestKeyAsync(keyId: string, challenge: string): Promise<string>;
  export function generateAssertionAsync(keyId: string, challenge: string): Promise<string>;
  export function prepareIntegrityTokenProviderAsync(cloudProjectNumber: string): Promise<void>;
  export function requestIntegrityCheckAsync(requestHash: string): Promise<string>;
  export function isHardwareAttestationSupportedAsync(): Promise<boolean>;
  export function generateHardwareAttestedKeyAsync(keyAlias: string, challenge: string): Promise<void>;
  export function getAttestationCertificateChainAsync(keyAlias: string): Promise<string[]>;
}

declare module '@pagopa/io-react-native-integrity' {
  export function isAttestationServiceAvailable(): Promise<boolean>;
  export function generateHardwareKey(): Promise<string>;
  export function getAttestation(challenge: string, hardwareKeyTag: string): Promise<string>;
  export function generateHardwareSignatureWithAssertion(
    clientData: string,
    hardwareKeyTag: string,
  ): Promise<string>;
  export function prepareIntegrityToken(cloudProjectNumber: string): Promise<void>;
  export function requestIntegrityToken(requestHash?: string): Promise<string>;
}

declare module '@pagopa/io-react-native-crypto' {
  export function deleteKey(keyTag: string): Promise<void>;
  export function sign(message: string, keyTag: string): Promise<string>;
}

declare module 'expo-secure-store' {
  export function getItemAsync(key: string): Promise<string | null>;
  export function setItemAsync(key: string, value: string): Promise<void>;
  export function deleteItemAsync(key: string): Promise<void>;
}

declare const process: { env: { readonly [name: string]: string | undefined } };
