import {
  type AttestationProvider,
  createAndroidProvider,
  createAppAttestProvider,
  createMemoryStorage,
  type SecureStorage,
} from '@portcullis/client';
import {
  createNodeAndroidKeyBridge,
  createNodeAppAttestBridge,
  type NodeAndroidKeyBridgeOptions,
  type NodeAppAttestBridgeOptions,
} from './node-provider-bridges.js';

/** Options of `createNodeProvider`: the platform whose evidence to produce and its identity. */
export type NodeProviderOptions =
  | ({ platform: 'ios'; storage?: SecureStorage } & NodeAppAttestBridgeOptions)
  | ({ platform: 'android'; storage?: SecureStorage } & NodeAndroidKeyBridgeOptions);

/** A Node provider, plus `loseKeys()` to simulate a device that lost its keys (reinstall, restore). */
export type NodeProvider = AttestationProvider & { loseKeys(): void };

/**
 * An `AttestationProvider` for Node: the client SDK's own App Attest or Android provider, driven
 * by software devices whose evidence is in the real formats and chains to a test authority. A
 * shield trusts them only in development mode with that authority's root as a test root, so the
 * whole flow (attest, assert, proofs) runs in tests, in `npm run demo` and in owners' integration
 * tests, exactly as the app runs it.
 *
 * @example
 * ```ts
 * const authority = createAppAttestTestAuthority(); // its root goes to the shield's appleTestRoots
 * const portcullis = createPortcullis({
 *   baseUrl,
 *   appId: 'shop',
 *   provider: createNodeProvider({ platform: 'ios', authority, appId: 'ABCDE12345.com.example.shop' }),
 * });
 * ```
 */
export function createNodeProvider(options: NodeProviderOptions): NodeProvider {
  const storage = options.storage ?? createMemoryStorage();
  if (options.platform === 'ios') {
    const bridge = createNodeAppAttestBridge(options);
    return Object.assign(createAppAttestProvider({ bridge, storage }), { loseKeys: () => bridge.loseKeys() });
  }
  if (options.platform === 'android') {
    const bridge = createNodeAndroidKeyBridge(options);
    return Object.assign(createAndroidProvider({ keyAttestation: bridge, storage }), {
      loseKeys: () => bridge.loseKeys(),
    });
  }
  throw new TypeError("platform must be 'ios' or 'android'");
}
