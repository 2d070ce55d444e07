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
import type { PagopaIntegrityModule } from '../providers/pagopa-integrity-bridges.js';

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
