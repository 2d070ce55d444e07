import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import type { Evidence } from '@portcullis/protocol';
import { encodeBase64Url } from '@portcullis/protocol';
import { PortcullisError } from '../portcullis-error.js';
import type { AttestationProvider } from './attestation-provider.js';
import { bridgeBase64, bridgeBytes } from './bridge-failure.js';
import { checkStorage, createKeyRecordStore } from './key-record-store.js';
import type { AndroidKeyBridge, PlayIntegrityBridge } from './native-bridges.js';
import type { SecureStorage } from './secure-storage.js';

/** Options of `createAndroidProvider`: key attestation, Play Integrity, or both. */
export interface AndroidProviderOptions {
  /** Android key attestation, e.g. `expoAppIntegrityBridges(AppIntegrity).androidKey`. */
  keyAttestation?: AndroidKeyBridge;
  /** Play Integrity standard requests and the Google Cloud project number (digits) to prepare them with. */
  playIntegrity?: { bridge: PlayIntegrityBridge; cloudProjectNumber: string };
  /** Where the key record is kept between launches (Keystore-backed, e.g. `expoSecureStoreStorage`). */
  storage: SecureStorage;
  /** Storage key of the record. Default `portcullis.android`. */
  storageKey?: string;
  /** Keystore alias of the device key. Default `portcullis-device-key`. */
  keyAlias?: string;
}

const ALIAS = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The Android provider. Evidence per the app's policy: key attestation (an EC P-256 Keystore key
 * generated with `setAttestationChallenge(UTF-8 bytes of the challenge)`, chain leaf first),
 * Play Integrity (a standard request with `requestHash = b64url(SHA-256(challenge))`, which the
 * shield checks), or both in one attestation.
 *
 * With a bridge that can sign with the attested key (`AndroidKeyBridge.sign`, e.g.
 * `pagopaIntegrityBridges(Integrity, { crypto: Crypto }).androidKey`), refreshes are assertions
 * and proofs are available, as on iOS. Without one (the Expo bridge, the PagoPA integrity module
 * alone), every refresh attests a new key: key attestation costs no call to Google, but
 * Play Integrity evidence then costs one standard request per refresh (mind its daily quota),
 * and requests to proof routes go unsigned (a shield that requires the proof refuses them:
 * `proof_unsupported`).
 *
 * @example
 * ```ts
 * const bridges = expoAppIntegrityBridges(AppIntegrity);
 * const provider = createAndroidProvider({
 *   keyAttestation: bridges.androidKey,
 *   storage: expoSecureStoreStorage(SecureStore),
 * });
 * ```
 */
export function createAndroidProvider(options: AndroidProviderOptions): AttestationProvider {
  const { keyAttestation, playIntegrity } = options;
  if (keyAttestation === undefined && playIntegrity === undefined) {
    throw new TypeError('give keyAttestation, playIntegrity or both');
  }
  if (keyAttestation !== undefined && typeof keyAttestation?.attestKey !== 'function') {
    throw new TypeError('keyAttestation must be an AndroidKeyBridge ({ attestKey, sign? })');
  }
  if (playIntegrity !== undefined) {
    if (
      typeof playIntegrity?.bridge?.prepare !== 'function' ||
      typeof playIntegrity.bridge.request !== 'function'
    ) {
      throw new TypeError('playIntegrity.bridge must be a PlayIntegrityBridge ({ prepare, request })');
    }
    if (
      typeof playIntegrity.cloudProjectNumber !== 'string' ||
      !/^\d{1,20}$/.test(playIntegrity.cloudProjectNumber)
    ) {
      throw new TypeError(
        'playIntegrity.cloudProjectNumber must be the Google Cloud project number (digits)',
      );
    }
  }
  checkStorage(options.storage, 'storage');
  const alias = options.keyAlias ?? 'portcullis-device-key';
  if (typeof alias !== 'string' || !ALIAS.test(alias)) {
    throw new TypeError('keyAlias must be 1 to 64 letters, digits, _ . or -');
  }
  const storageKey = options.storageKey ?? 'portcullis.android';
  if (typeof storageKey !== 'string' || storageKey.length === 0)
    throw new TypeError('storageKey must be a non-empty string');
  const records = createKeyRecordStore(options.storage, storageKey);
  const signer = keyAttestation?.sign?.bind(keyAttestation);
  let prepared: Promise<void> | undefined;

  function prepare(bridge: PlayIntegrityBridge, cloudProjectNumber: string): Promise<void> {
    prepared ??= bridge.prepare(cloudProjectNumber).catch((error: unknown) => {
      prepared = undefined;
      throw error;
    });
    return prepared;
  }

  async function sign(keyId: string, data: string): Promise<string> {
    const record = await records.read();
    if (signer === undefined || record?.state !== 'attested' || record.keyId !== keyId) {
      throw new PortcullisError('key_invalid', { detail: 'android_key_not_attested' });
    }
    return signer(record.alias ?? alias, data);
  }

  const provider: AttestationProvider = {
    platform: 'android',
    ordered: false,
    async currentKey() {
      if (signer === undefined) return null;
      const record = await records.read();
      return record?.state === 'attested' ? record.keyId! : null;
    },
    async attest(challenge) {
      const evidence: Evidence[] = [];
      if (keyAttestation !== undefined) {
        // The new key replaces the old one under the alias: a challenge is bound at key creation.
        await records.write({ state: 'sent', alias });
        const chain = await keyAttestation.attestKey(alias, challenge);
        if (!Array.isArray(chain) || chain.length < 2) {
          throw new PortcullisError('bridge_error', { detail: 'certificate_chain_short' });
        }
        evidence.push({
          type: 'android-key-attestation',
          certificateChain: chain.map((der) => bridgeBase64(der, 'certificate')),
        });
      }
      if (playIntegrity !== undefined) {
        await prepare(playIntegrity.bridge, playIntegrity.cloudProjectNumber);
        const requestHash = encodeBase64Url(sha256(utf8ToBytes(challenge)));
        const token = await playIntegrity.bridge.request(requestHash);
        if (typeof token !== 'string' || token.length === 0) {
          throw new PortcullisError('bridge_error', { detail: 'integrity_token_empty' });
        }
        evidence.push({ type: 'play-integrity', token });
      }
      return evidence;
    },
    async attested(keyId) {
      if (keyAttestation === undefined || keyId === undefined) return;
      await records.write({ state: 'attested', keyId, alias });
    },
    async forgetKey() {
      await records.clear();
    },
  };
  if (signer !== undefined) {
    provider.assert = async (keyId, challenge) => bridgeBase64(await sign(keyId, challenge), 'signature');
    provider.signProof = async (keyId, message) => bridgeBytes(await sign(keyId, message), 'signature');
  }
  return provider;
}
