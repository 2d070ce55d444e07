import type { AttestationProvider } from './attestation-provider.js';

/** Options of `createDebugProvider`. */
export interface DebugProviderOptions {
  /**
   * A debug credential from the app's `debugTokens` in the shield's config (the shield stores
   * only its SHA-256). Inject it at build time for simulator, CI and device-farm builds only.
   */
  token: string;
  /**
   * Whether this is a release build. Default: React Native's `__DEV__ === false` when that global
   * exists, else false. In a release build the client warns loudly at start and at every
   * attestation: a debug credential shipped in a store build can be extracted and reused.
   */
  releaseBuild?: boolean;
}

function detectReleaseBuild(): boolean {
  return (globalThis as { __DEV__?: unknown }).__DEV__ === false;
}

/**
 * The provider for simulators, emulators, CI and device farms, where App Attest and key
 * attestation are unavailable: it presents the shield's debug credential (evidence type
 * `debug`). Tokens it yields say `lvl: "debug"` and are refused on routes that require a higher
 * level; it has no device key, so every refresh presents the credential again and requests to
 * proof routes go unsigned (a shield that requires the proof refuses them: `proof_unsupported`).
 *
 * @example
 * ```ts
 * const provider = __DEV__
 *   ? createDebugProvider({ token: process.env.EXPO_PUBLIC_PORTCULLIS_DEBUG_TOKEN! })
 *   : createAppAttestProvider({ bridge, storage });
 * ```
 */
export function createDebugProvider(options: DebugProviderOptions): AttestationProvider {
  const token = options?.token;
  if (typeof token !== 'string' || token.length === 0 || token.length > 512 || /\s/.test(token)) {
    throw new TypeError('token must be the debug credential: 1 to 512 characters without whitespace');
  }
  if (options.releaseBuild !== undefined && typeof options.releaseBuild !== 'boolean') {
    throw new TypeError('releaseBuild must be a boolean');
  }
  return {
    platform: 'debug',
    ordered: false,
    releaseBuild: options.releaseBuild ?? detectReleaseBuild(),
    currentKey: async () => null,
    attest: async () => [{ type: 'debug', token }],
    attested: async () => {},
    forgetKey: async () => {},
  };
}
