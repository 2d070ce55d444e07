import { createHash } from 'node:crypto';
import {
  type AndroidTestAuthority,
  type AppAttestTestAuthority,
  createSoftwareAndroidDevice,
  createSoftwareAppAttestDevice,
  type SoftwareAndroidDevice,
  type SoftwareAppAttestDevice,
} from '@portcullis/testkit';
import type { ExpoAppIntegrityModule } from '../providers/expo-app-integrity-bridges.js';
import type { PagopaCryptoModule, PagopaIntegrityModule } from '../providers/pagopa-integrity-bridges.js';

/**
 * Test support: stand-ins for the native modules at the bridge boundary, doing what their native
 * code does (read from @expo/app-integrity 55 and @pagopa/io-react-native-integrity 0.3.x):
 * SHA-256 of the string's UTF-8 bytes for App Attest, the challenge's UTF-8 bytes for key
 * attestation, the request hash passed verbatim to Play Integrity, and each module's output
 * encoding. Backed by the test kit's software devices, so a live shield verifies what they make.
 */

export interface Call {
  fn: string;
  args: unknown[];
}

export interface StandInIdentity {
  apple: AppAttestTestAuthority;
  android: AndroidTestAuthority;
  appId: string;
  packageName: string;
  signingCertSha256: string;
}

function clientDataHash(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Like Android's Base64.DEFAULT: lines of 76 characters, each ended by `\n`. */
export function androidDefaultBase64(bytes: Uint8Array): string {
  const text = Buffer.from(bytes).toString('base64');
  return `${text.match(/.{1,76}/g)!.join('\n')}\n`;
}

class Devices {
  readonly apple = new Map<string, SoftwareAppAttestDevice>();
  readonly android = new Map<string, SoftwareAndroidDevice>();
  readonly chains = new Map<string, string[]>();
  constructor(readonly identity: StandInIdentity) {}

  newAppleKey(): string {
    const device = createSoftwareAppAttestDevice({
      authority: this.identity.apple,
      appId: this.identity.appId,
      environment: 'development',
    });
    this.apple.set(device.keyId, device);
    return device.keyId;
  }

  appleKey(keyId: string): SoftwareAppAttestDevice {
    const device = this.apple.get(keyId);
    if (device === undefined)
      throw Object.assign(new Error('Invalid key provided'), { code: 'ERR_APP_INTEGRITY_INVALID_KEY' });
    return device;
  }

  newAndroidKey(alias: string, challenge: string): string[] {
    const device = createSoftwareAndroidDevice({
      authority: this.identity.android,
      packageName: this.identity.packageName,
      signingCertSha256: this.identity.signingCertSha256,
    });
    this.android.set(alias, device);
    const chain = device.attest(challenge);
    this.chains.set(alias, chain);
    return chain;
  }
}

/** A stand-in for the `@expo/app-integrity` module (≥ 55), recording every call. */
export function createExpoStandIn(identity: StandInIdentity): ExpoAppIntegrityModule & {
  calls: Call[];
  devices: Devices;
  isSupported: boolean;
  fail: Map<string, unknown>;
} {
  const devices = new Devices(identity);
  const calls: Call[] = [];
  const fail = new Map<string, unknown>();
  const record = (fn: string, ...args: unknown[]) => {
    calls.push({ fn, args });
    const error = fail.get(fn);
    if (error !== undefined) {
      fail.delete(fn);
      throw error;
    }
  };
  return {
    calls,
    devices,
    fail,
    isSupported: true,
    async generateKeyAsync() {
      record('generateKeyAsync');
      return devices.newAppleKey();
    },
    async attestKeyAsync(keyId, challenge) {
      record('attestKeyAsync', keyId, challenge);
      return Buffer.from(devices.appleKey(keyId).attest(clientDataHash(challenge))).toString('base64');
    },
    async generateAssertionAsync(keyId, challenge) {
      record('generateAssertionAsync', keyId, challenge);
      return Buffer.from(devices.appleKey(keyId).assert(clientDataHash(challenge))).toString('base64');
    },
    async prepareIntegrityTokenProviderAsync(cloudProjectNumber) {
      record('prepareIntegrityTokenProviderAsync', cloudProjectNumber);
    },
    async requestIntegrityCheckAsync(requestHash) {
      record('requestIntegrityCheckAsync', requestHash);
      return `integrity-token-for-${requestHash}`;
    },
    async generateHardwareAttestedKeyAsync(keyAlias, challenge) {
      record('generateHardwareAttestedKeyAsync', keyAlias, challenge);
      devices.newAndroidKey(keyAlias, challenge);
    },
    async getAttestationCertificateChainAsync(keyAlias) {
      record('getAttestationCertificateChainAsync', keyAlias);
      const chain = devices.chains.get(keyAlias);
      if (chain === undefined)
        throw Object.assign(new Error('No certificate chain found'), { code: 'ERR_APP_INTEGRITY_UNKNOWN' });
      return chain;
    },
  };
}

/** What React Native makes of the module's iOS rejections: `reject("-1", "<CODE>", error)`. */
function pagopaIosError(code: string): Error {
  return Object.assign(new Error(code), {
    code: '-1',
    userInfo: { error: 'The operation could not be completed' },
  });
}

/**
 * What React Native makes of the modules' Android rejections: `promise.reject(name, name, map)`
 * (IoReactNativeCryptoModule.kt 679-691, the integrity module alike): code and message both the name.
 */
function pagopaAndroidError(code: string): Error {
  return Object.assign(new Error(code), { code, userInfo: {} });
}

export type PagopaStandIn = PagopaIntegrityModule & {
  calls: Call[];
  devices: Devices;
  fail: Map<string, unknown>;
  /** Which native side answers `getAttestation` (the module has one name for both). */
  platform: 'ios' | 'android';
};

/** A stand-in for the `@pagopa/io-react-native-integrity` module (0.3.x), recording every call. */
export function createPagopaStandIn(identity: StandInIdentity): PagopaStandIn {
  const devices = new Devices(identity);
  const calls: Call[] = [];
  const fail = new Map<string, unknown>();
  const record = (fn: string, ...args: unknown[]) => {
    calls.push({ fn, args });
    const error = fail.get(fn);
    if (error !== undefined) {
      fail.delete(fn);
      throw error;
    }
  };
  const appleKey = (keyTag: string, code: string) => {
    const device = devices.apple.get(keyTag);
    if (device === undefined) throw pagopaIosError(code);
    return device;
  };
  const standIn: PagopaStandIn = {
    calls,
    devices,
    fail,
    platform: 'ios',
    async isAttestationServiceAvailable() {
      record('isAttestationServiceAvailable');
      return true;
    },
    async generateHardwareKey() {
      record('generateHardwareKey');
      return devices.newAppleKey();
    },
    async getAttestation(challenge, hardwareKeyTag) {
      record('getAttestation', challenge, hardwareKeyTag);
      if (standIn.platform === 'ios') {
        return Buffer.from(
          appleKey(hardwareKeyTag, 'ATTESTATION_ERROR').attest(clientDataHash(challenge)),
        ).toString('base64');
      }
      // Android (IoReactNativeIntegrityModule.kt 302-304): a key under the alias is refused.
      if (devices.android.has(hardwareKeyTag)) throw pagopaAndroidError('KEY_ALREADY_EXISTS');
      // Android: Base64.DEFAULT of the comma-joined Base64.DEFAULT certificates.
      const chain = devices.newAndroidKey(hardwareKeyTag, challenge);
      const joined = chain.map((der) => androidDefaultBase64(Buffer.from(der, 'base64'))).join(',');
      return androidDefaultBase64(Buffer.from(joined, 'ascii'));
    },
    async generateHardwareSignatureWithAssertion(clientData, hardwareKeyTag) {
      record('generateHardwareSignatureWithAssertion', clientData, hardwareKeyTag);
      return Buffer.from(
        appleKey(hardwareKeyTag, 'GENERATION_ASSERTION_FAILED').assert(clientDataHash(clientData)),
      ).toString('base64');
    },
    async prepareIntegrityToken(cloudProjectNumber) {
      record('prepareIntegrityToken', cloudProjectNumber);
    },
    async requestIntegrityToken(requestHash) {
      record('requestIntegrityToken', requestHash);
      return `integrity-token-for-${requestHash}`;
    },
  };
  return standIn;
}

export type PagopaCryptoStandIn = PagopaCryptoModule & { calls: Call[] };

/**
 * A stand-in for `@pagopa/io-react-native-crypto` (1.2.x) on Android, sharing the integrity
 * stand-in's Keystore (both modules open `AndroidKeyStore` and find keys by alias). What its
 * Kotlin does (IoReactNativeCryptoModule.kt):
 * - `deleteKey(tag)` (`deletePublicKey`, 284-320): deletes the entry; resolves when there is none.
 * - `sign(message, tag)` (`signUTF8Text`, 438-490): `Signature("SHA256withECDSA")` (640) by the
 *   hardware-backed private key under the tag (508-525) over `message.toByteArray(UTF_8)`, the
 *   DER signature as `Base64.NO_WRAP`; `PUBLIC_KEY_NOT_FOUND` when the tag has no key.
 */
export function createPagopaCryptoStandIn(integrity: PagopaStandIn): PagopaCryptoStandIn {
  const calls: Call[] = [];
  const { devices } = integrity;
  return {
    calls,
    async deleteKey(keyTag) {
      calls.push({ fn: 'deleteKey', args: [keyTag] });
      devices.android.delete(keyTag);
      devices.chains.delete(keyTag);
    },
    async sign(message, keyTag) {
      calls.push({ fn: 'sign', args: [message, keyTag] });
      const device = devices.android.get(keyTag);
      if (device === undefined) throw pagopaAndroidError('PUBLIC_KEY_NOT_FOUND');
      return Buffer.from(device.sign(Buffer.from(message, 'utf8'))).toString('base64');
    },
  };
}
