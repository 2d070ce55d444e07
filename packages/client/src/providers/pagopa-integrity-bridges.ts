import { decodeBase64 } from '@portcullis/protocol';
import type { ClientErrorCode } from '../client-error-codes.js';
import { PortcullisError } from '../portcullis-error.js';
import { bridgeFailure } from './bridge-failure.js';
import type { IntegrityBridges } from './expo-app-integrity-bridges.js';

/**
 * The part of `@pagopa/io-react-native-integrity` (0.3.x) the SDK uses, as a structural type:
 * pass the module itself (`import * as Integrity from '@pagopa/io-react-native-integrity'`).
 */
export interface PagopaIntegrityModule {
  isAttestationServiceAvailable(): Promise<boolean>;
  generateHardwareKey(): Promise<string>;
  getAttestation(challenge: string, hardwareKeyTag: string): Promise<string>;
  generateHardwareSignatureWithAssertion(clientData: string, hardwareKeyTag: string): Promise<string>;
  prepareIntegrityToken(cloudProjectNumber: string): Promise<void>;
  requestIntegrityToken(requestHash?: string): Promise<string>;
}

/**
 * The part of `@pagopa/io-react-native-crypto` (1.2.x) the SDK uses on Android, as a structural
 * type: pass the module itself (`import * as Crypto from '@pagopa/io-react-native-crypto'`).
 */
export interface PagopaCryptoModule {
  /** Deletes the Keystore entry under `keyTag`; resolves when there is none. */
  deleteKey(keyTag: string): Promise<void>;
  /** `SHA256withECDSA` by the Keystore key under `keyTag` over the UTF-8 bytes of `message`: DER, base64. */
  sign(message: string, keyTag: string): Promise<string>;
}

/**
 * The module's error codes (its `IntegrityErrorCodes`; the code is the rejection's `message`,
 * and on Android also its `code`) and what the SDK does about each. Others become
 * `bridge_error`. The iOS codes do not say why App Attest failed, so `GENERATION_ASSERTION_FAILED`
 * is taken as a lost key (the SDK attests a new one once) and `ATTESTATION_ERROR` as a spent key.
 */
export const PAGOPA_INTEGRITY_ERRORS: Readonly<Record<string, ClientErrorCode>> = {
  UNSUPPORTED_SERVICE: 'attestation_unsupported',
  UNSUPPORTED_IOS_VERSION: 'attestation_unsupported',
  UNSUPPORTED_DEVICE: 'attestation_unsupported',
  KEY_IS_NOT_HARDWARE_BACKED: 'attestation_unsupported',
  PLATFORM_NOT_SUPPORTED: 'attestation_unsupported',
  GENERATION_ASSERTION_FAILED: 'key_invalid',
  PREPARE_FAILED: 'attestation_throttled',
  PREPARE_TOKEN_EXCEPTION: 'attestation_throttled',
  REQUEST_TOKEN_FAILED: 'attestation_throttled',
  // @pagopa/io-react-native-crypto (Android): the key under the tag is gone (app data cleared, a
  // restored backup without its Keystore) or no longer usable: the SDK attests a new key once.
  PUBLIC_KEY_NOT_FOUND: 'key_invalid',
  WRONG_KEY_CONFIGURATION: 'key_invalid',
  API_LEVEL_NOT_SUPPORTED: 'attestation_unsupported',
};

function pagopaCode(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return undefined;
  const { message, code } = error as { message?: unknown; code?: unknown };
  if (typeof message === 'string' && Object.hasOwn(PAGOPA_INTEGRITY_ERRORS, message)) return message;
  return typeof code === 'string' && !/^-?\d+$/.test(code) ? code : message;
}

async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw bridgeFailure(error, pagopaCode, PAGOPA_INTEGRITY_ERRORS);
  }
}

/**
 * Android `getAttestation` answers base64 (line-wrapped) of the certificates joined with `,`,
 * each itself line-wrapped base64 DER, leaf first: unwrap it into the protocol's list.
 */
function certificateChain(encoded: unknown): string[] {
  const outer = typeof encoded === 'string' ? decodeBase64(encoded, { skipWhitespace: true }) : undefined;
  if (outer === undefined) throw new PortcullisError('bridge_error', { detail: 'attestation_not_base64' });
  let text = '';
  for (const byte of outer) {
    if (byte > 0x7e) throw new PortcullisError('bridge_error', { detail: 'attestation_not_base64' });
    text += String.fromCharCode(byte);
  }
  return text.split(',').map((part) => part.replace(/[\t\n\f\r ]/g, ''));
}

/**
 * Bridges over `@pagopa/io-react-native-integrity` 0.3.x (bare React Native; MIT). What the
 * module does with what the SDK passes, read from its native source:
 * - iOS `getAttestation(challenge, keyTag)` and `generateHardwareSignatureWithAssertion(data,
 *   keyTag)`: clientDataHash = SHA-256 of the string's UTF-8 bytes, result as base64 — the
 *   protocol's `H(challenge)`, and `H(message)` for proofs.
 * - Android `getAttestation(challenge, alias)`: generates an EC P-256 key under `alias` in
 *   `AndroidKeyStore` (StrongBox when present, TEE otherwise, refused unless hardware-backed) with
 *   `setAttestationChallenge(challenge.toByteArray())`, UTF-8, and refuses (`KEY_ALREADY_EXISTS`)
 *   when a key already exists under `alias`; the answer is base64 of the comma-joined base64
 *   certificates, unwrapped here. The module cannot sign with that key.
 * - With `crypto` (`@pagopa/io-react-native-crypto` 1.2.x), `androidKey` signs with the attested
 *   key: its `sign(message, tag)` loads the `AndroidKeyStore` entry under the same tag (only when
 *   hardware-backed) and signs with `SHA256withECDSA`, the DER signature as base64 — the key
 *   `getAttestation` generated, since both modules read one Keystore by alias. Before a new
 *   attestation the bridge deletes the old key (`crypto.deleteKey`), which `getAttestation`
 *   would otherwise refuse. Never pair it with `crypto.generate`: that key carries no
 *   attestation challenge. See docs/client.md for the source lines.
 * - Android `requestIntegrityToken(requestHash)`: passed verbatim to `setRequestHash`; the SDK
 *   passes `b64url(SHA-256(challenge))`.
 *
 * @example
 * ```ts
 * import * as Crypto from '@pagopa/io-react-native-crypto';
 * import * as Integrity from '@pagopa/io-react-native-integrity';
 * const bridges = pagopaIntegrityBridges(Integrity, { crypto: Crypto });
 * ```
 */
export function pagopaIntegrityBridges(
  module: PagopaIntegrityModule,
  options: { crypto?: PagopaCryptoModule } = {},
): IntegrityBridges {
  if (typeof module !== 'object' || module === null) {
    throw new TypeError('module must be the @pagopa/io-react-native-integrity module (0.3.x)');
  }
  const { crypto } = options;
  if (
    crypto !== undefined &&
    (typeof crypto?.sign !== 'function' || typeof crypto.deleteKey !== 'function')
  ) {
    throw new TypeError('crypto must be the @pagopa/io-react-native-crypto module (1.2.x)');
  }
  const attestKey = async (alias: string, challenge: string) =>
    certificateChain(await call(() => module.getAttestation(challenge, alias)));
  return {
    appAttest: {
      isSupported: () => module.isAttestationServiceAvailable().catch(() => false),
      generateKey: () => call(() => module.generateHardwareKey()),
      attestKey: (keyId, challenge) => call(() => module.getAttestation(challenge, keyId)),
      generateAssertion: (keyId, data) =>
        call(() => module.generateHardwareSignatureWithAssertion(data, keyId)),
    },
    androidKey:
      crypto === undefined
        ? { attestKey }
        : {
            attestKey: async (alias, challenge) => {
              await call(() => crypto.deleteKey(alias));
              return attestKey(alias, challenge);
            },
            sign: (alias, data) => call(() => crypto.sign(data, alias)),
          },
    playIntegrity: {
      prepare: (cloudProjectNumber) => call(() => module.prepareIntegrityToken(cloudProjectNumber)),
      request: (requestHash) => call(() => module.requestIntegrityToken(requestHash)),
    },
  };
}
