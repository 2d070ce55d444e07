import type { ClientErrorCode } from '../client-error-codes.js';
import type { PortcullisError } from '../portcullis-error.js';
import { bridgeFailure } from './bridge-failure.js';
import type { AndroidKeyBridge, AppAttestBridge, PlayIntegrityBridge } from './native-bridges.js';

/**
 * The part of `@expo/app-integrity` (≥ 55, the `…Async` API) the SDK uses, as a structural type:
 * pass the module itself (`import * as AppIntegrity from '@expo/app-integrity'`).
 */
export interface ExpoAppIntegrityModule {
  readonly isSupported?: boolean;
  generateKeyAsync(): Promise<string>;
  attestKeyAsync(keyId: string, challenge: string): Promise<string>;
  generateAssertionAsync(keyId: string, challenge: string): Promise<string>;
  prepareIntegrityTokenProviderAsync(cloudProjectNumber: string): Promise<void>;
  requestIntegrityCheckAsync(requestHash: string): Promise<string>;
  generateHardwareAttestedKeyAsync(keyAlias: string, challenge: string): Promise<void>;
  getAttestationCertificateChainAsync(keyAlias: string): Promise<string[]>;
}

/** The three bridges one native module provides. */
export interface IntegrityBridges {
  appAttest: AppAttestBridge;
  androidKey: AndroidKeyBridge;
  playIntegrity: PlayIntegrityBridge;
}

/**
 * `@expo/app-integrity`'s error codes (its IntegrityErrorCodes, iOS and Android) and what the
 * SDK does about each. Codes not listed become `bridge_error` with the code in `detail`.
 */
export const EXPO_APP_INTEGRITY_ERRORS: Readonly<Record<string, ClientErrorCode>> = {
  ERR_APP_INTEGRITY_FEATURE_UNSUPPORTED: 'attestation_unsupported',
  ERR_APP_INTEGRITY_INVALID_KEY: 'key_invalid',
  ERR_APP_INTEGRITY_SERVER_UNAVAILABLE: 'attestation_throttled',
  ERR_APP_INTEGRITY_API_NOT_AVAILABLE: 'attestation_unsupported',
  ERR_APP_INTEGRITY_APP_NOT_INSTALLED: 'attestation_unsupported',
  ERR_APP_INTEGRITY_PLAY_SERVICES_NOT_FOUND: 'attestation_unsupported',
  ERR_APP_INTEGRITY_PLAY_SERVICES_OUTDATED: 'attestation_unsupported',
  ERR_APP_INTEGRITY_PLAY_STORE_NOT_FOUND: 'attestation_unsupported',
  ERR_APP_INTEGRITY_PLAY_STORE_OUTDATED: 'attestation_unsupported',
  ERR_APP_INTEGRITY_TOO_MANY_REQUESTS: 'attestation_throttled',
  ERR_APP_INTEGRITY_GOOGLE_SERVER_UNAVAILABLE: 'attestation_throttled',
  ERR_APP_INTEGRITY_NETWORK_ERROR: 'attestation_throttled',
  ERR_APP_INTEGRITY_CLIENT_TRANSIENT_ERROR: 'attestation_throttled',
  ERR_APP_INTEGRITY_CANNOT_BIND_SERVICE: 'attestation_throttled',
  ERR_APP_INTEGRITY_INTERNAL_ERROR: 'attestation_throttled',
};

const PROVIDER_INVALID = 'ERR_APP_INTEGRITY_PROVIDER_INVALID';

function expoCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
}

function fail(error: unknown): PortcullisError {
  return bridgeFailure(error, expoCode, EXPO_APP_INTEGRITY_ERRORS);
}

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw fail(error);
  }
}

/**
 * Bridges over `@expo/app-integrity` ≥ 55 (Expo modules; MIT). What the module does with what
 * the SDK passes, read from its native source:
 * - iOS `attestKeyAsync(keyId, challenge)` / `generateAssertionAsync(keyId, data)`: clientDataHash
 *   = SHA-256 of the string's UTF-8 bytes (CryptoKit), result as base64 — the protocol's
 *   `H(challenge)`, and `H(message)` for proofs.
 * - Android `generateHardwareAttestedKeyAsync(alias, challenge)`: an EC key (P-256 by default)
 *   with `setAttestationChallenge(challenge.toByteArray())`, Kotlin's UTF-8; the chain comes back
 *   from `getAttestationCertificateChainAsync` as base64 DER, leaf first. The module has no way
 *   to sign with that key, so `androidKey.sign` is absent.
 * - Android `requestIntegrityCheckAsync(requestHash)`: passed verbatim to
 *   `StandardIntegrityTokenRequest.setRequestHash`; the SDK passes `b64url(SHA-256(challenge))`.
 *   A provider Google invalidated (`ERR_APP_INTEGRITY_PROVIDER_INVALID`) is prepared again once.
 *
 * @example
 * ```ts
 * import * as AppIntegrity from '@expo/app-integrity';
 * const bridges = expoAppIntegrityBridges(AppIntegrity);
 * ```
 */
export function expoAppIntegrityBridges(module: ExpoAppIntegrityModule): IntegrityBridges {
  if (typeof module !== 'object' || module === null) {
    throw new TypeError('module must be the @expo/app-integrity module (≥ 55)');
  }
  let lastProjectNumber: string | undefined;
  return {
    appAttest: {
      isSupported: () => module.isSupported !== false,
      generateKey: () => call(() => module.generateKeyAsync()),
      attestKey: (keyId, challenge) => call(() => module.attestKeyAsync(keyId, challenge)),
      generateAssertion: (keyId, data) => call(() => module.generateAssertionAsync(keyId, data)),
    },
    androidKey: {
      attestKey: (alias, challenge) =>
        call(async () => {
          await module.generateHardwareAttestedKeyAsync(alias, challenge);
          return module.getAttestationCertificateChainAsync(alias);
        }),
    },
    playIntegrity: {
      prepare: (cloudProjectNumber) =>
        call(async () => {
          await module.prepareIntegrityTokenProviderAsync(cloudProjectNumber);
          lastProjectNumber = cloudProjectNumber;
        }),
      async request(requestHash) {
        try {
          return await module.requestIntegrityCheckAsync(requestHash);
        } catch (error) {
          if (expoCode(error) !== PROVIDER_INVALID || lastProjectNumber === undefined) throw fail(error);
        }
        return call(async () => {
          await module.prepareIntegrityTokenProviderAsync(lastProjectNumber!);
          return module.requestIntegrityCheckAsync(requestHash);
        });
      },
    },
  };
}
