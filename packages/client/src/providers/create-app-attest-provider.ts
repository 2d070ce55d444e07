import { PortcullisError } from '../portcullis-error.js';
import type { AttestationProvider } from './attestation-provider.js';
import { bridgeBase64, bridgeBytes } from './bridge-failure.js';
import { checkStorage, createKeyRecordStore } from './key-record-store.js';
import type { AppAttestBridge } from './native-bridges.js';
import type { SecureStorage } from './secure-storage.js';

/** Options of `createAppAttestProvider`. */
export interface AppAttestProviderOptions {
  /** The App Attest bridge, e.g. `expoAppIntegrityBridges(AppIntegrity).appAttest`. */
  bridge: AppAttestBridge;
  /** Where the key id is kept between launches (Keychain-backed, e.g. `expoSecureStoreStorage`). */
  storage: SecureStorage;
  /** Storage key of the record. Default `portcullis.app-attest`; give each shield its own. */
  storageKey?: string;
}

/**
 * The iOS provider: one App Attest key per installation, attested once (a call to Apple), then
 * assertions for every refresh and proof (no call to Apple). The key id is persisted, so a
 * restart asserts instead of attesting again; a key the device no longer has (reinstall, backup
 * restore) is replaced by a new attestation once.
 *
 * Hashing (protocol §2.1, §2.2, §4): the bridge is given the challenge, or the proof message, as a
 * string and computes clientDataHash = SHA-256 of its UTF-8 bytes, which is exactly what the
 * shield recomputes.
 *
 * @example
 * ```ts
 * import * as AppIntegrity from '@expo/app-integrity';
 * import * as SecureStore from 'expo-secure-store';
 * const provider = createAppAttestProvider({
 *   bridge: expoAppIntegrityBridges(AppIntegrity).appAttest,
 *   storage: expoSecureStoreStorage(SecureStore),
 * });
 * ```
 */
export function createAppAttestProvider(options: AppAttestProviderOptions): AttestationProvider {
  const { bridge } = options;
  if (
    typeof bridge !== 'object' ||
    bridge === null ||
    typeof bridge.generateKey !== 'function' ||
    typeof bridge.attestKey !== 'function' ||
    typeof bridge.generateAssertion !== 'function'
  ) {
    throw new TypeError(
      'bridge must be an AppAttestBridge ({ isSupported, generateKey, attestKey, generateAssertion })',
    );
  }
  checkStorage(options.storage, 'storage');
  const storageKey = options.storageKey ?? 'portcullis.app-attest';
  if (typeof storageKey !== 'string' || storageKey.length === 0)
    throw new TypeError('storageKey must be a non-empty string');
  const records = createKeyRecordStore(options.storage, storageKey);

  async function freshKey(): Promise<string> {
    const keyId = await bridge.generateKey();
    if (typeof keyId !== 'string' || keyId.length === 0) {
      throw new PortcullisError('bridge_error', { detail: 'key_id_empty' });
    }
    await records.write({ state: 'new', keyId });
    return keyId;
  }

  return {
    platform: 'ios',
    ordered: true,
    async currentKey() {
      const record = await records.read();
      return record?.state === 'attested' ? record.keyId! : null;
    },
    async attest(challenge) {
      if (!(await bridge.isSupported())) {
        throw new PortcullisError('attestation_unsupported', { detail: 'app_attest_unsupported' });
      }
      const record = await records.read();
      // Apple: after a transient failure, retry the attestation with the same key. A key whose
      // attestation was already made is never attested again.
      let keyId = record?.state === 'new' && record.keyId !== undefined ? record.keyId : await freshKey();
      let attestation: string;
      try {
        attestation = await bridge.attestKey(keyId, challenge);
      } catch (error) {
        if (!(error instanceof PortcullisError) || error.code !== 'attestation_throttled') {
          await records.clear();
        }
        if (error instanceof PortcullisError && error.code === 'key_invalid') {
          keyId = await freshKey();
          attestation = await bridge.attestKey(keyId, challenge);
        } else {
          throw error;
        }
      }
      await records.write({ state: 'sent', keyId });
      return [{ type: 'apple-app-attest', keyId, attestation: bridgeBase64(attestation, 'attestation') }];
    },
    async attested(keyId) {
      const record = await records.read();
      if (record?.keyId === undefined || (keyId !== undefined && keyId !== record.keyId)) return;
      await records.write({ state: 'attested', keyId: record.keyId });
    },
    async assert(keyId, challenge) {
      return bridgeBase64(await bridge.generateAssertion(keyId, challenge), 'assertion');
    },
    async signProof(keyId, message) {
      return bridgeBytes(await bridge.generateAssertion(keyId, message), 'assertion');
    },
    async forgetKey() {
      await records.clear();
    },
  };
}
