import { createHash } from 'node:crypto';
import { type AndroidKeyBridge, type AppAttestBridge, PortcullisError } from '@portcullis/client';
import { createSoftwareAndroidDevice, type SoftwareAndroidDevice } from './android-key-attestation-device.js';
import type { AndroidTestAuthority } from './android-test-authority.js';
import { createSoftwareAppAttestDevice, type SoftwareAppAttestDevice } from './apple-app-attest-device.js';
import type { AppAttestTestAuthority } from './apple-app-attest-test-authority.js';

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** What a native bridge adapter raises when the key is gone (reinstall, restore). */
function unknownKey(): PortcullisError {
  return new PortcullisError('key_invalid', { detail: 'software_key_unknown' });
}

/** Options of `createNodeAppAttestBridge`. */
export interface NodeAppAttestBridgeOptions {
  authority: AppAttestTestAuthority;
  /** `TEAMID.bundle.id`. */
  appId: string;
  /** App Attest environment of the keys; default `development`. */
  environment?: 'development' | 'production';
}

/**
 * An `AppAttestBridge` backed by software App Attest devices: the same calls and the same hashing
 * as the native bridges (clientDataHash = SHA-256 of the string's UTF-8 bytes), base64 out.
 * `loseKeys()` forgets every key, like an app reinstall.
 *
 * @example
 * ```ts
 * const bridge = createNodeAppAttestBridge({ authority, appId: 'ABCDE12345.com.example.shop' });
 * ```
 */
export function createNodeAppAttestBridge(
  options: NodeAppAttestBridgeOptions,
): AppAttestBridge & { loseKeys(): void } {
  const devices = new Map<string, SoftwareAppAttestDevice>();
  const device = (keyId: string) => {
    const found = devices.get(keyId);
    if (found === undefined) throw unknownKey();
    return found;
  };
  return {
    isSupported: () => true,
    async generateKey() {
      const created = createSoftwareAppAttestDevice({
        authority: options.authority,
        appId: options.appId,
        environment: options.environment ?? 'development',
      });
      devices.set(created.keyId, created);
      return created.keyId;
    },
    async attestKey(keyId, challenge) {
      return Buffer.from(device(keyId).attest(sha256(challenge))).toString('base64');
    },
    async generateAssertion(keyId, data) {
      return Buffer.from(device(keyId).assert(sha256(data))).toString('base64');
    },
    loseKeys() {
      devices.clear();
    },
  };
}

/** Options of `createNodeAndroidKeyBridge`. */
export interface NodeAndroidKeyBridgeOptions {
  authority: AndroidTestAuthority;
  packageName: string;
  /** SHA-256 (hex) of the app signing certificates the key description lists. */
  signingCertSha256: string | readonly string[];
  /** Where the key lives; default `tee`. */
  securityLevel?: 'software' | 'tee' | 'strongbox';
  /** Whether the bridge can sign with the attested key (`sign`); default true. */
  canSign?: boolean;
}

/**
 * An `AndroidKeyBridge` backed by software Android devices: `attestKey` creates a key under the
 * alias (replacing the previous one, like the Keystore) bound to the UTF-8 bytes of the
 * challenge, and `sign` makes DER ECDSA signatures over the UTF-8 bytes of the data.
 *
 * @example
 * ```ts
 * const bridge = createNodeAndroidKeyBridge({ authority, packageName: 'com.example.shop', signingCertSha256: digest });
 * ```
 */
export function createNodeAndroidKeyBridge(
  options: NodeAndroidKeyBridgeOptions,
): AndroidKeyBridge & { loseKeys(): void } {
  const keys = new Map<string, SoftwareAndroidDevice>();
  const bridge: AndroidKeyBridge & { loseKeys(): void } = {
    async attestKey(alias, challenge) {
      const created = createSoftwareAndroidDevice({
        authority: options.authority,
        packageName: options.packageName,
        signingCertSha256: options.signingCertSha256,
        securityLevel: options.securityLevel ?? 'tee',
      });
      keys.set(alias, created);
      return created.attest(challenge);
    },
    loseKeys() {
      keys.clear();
    },
  };
  if (options.canSign !== false) {
    bridge.sign = async (alias, data) => {
      const key = keys.get(alias);
      if (key === undefined) throw unknownKey();
      return Buffer.from(key.sign(new TextEncoder().encode(data))).toString('base64');
    };
  }
  return bridge;
}
