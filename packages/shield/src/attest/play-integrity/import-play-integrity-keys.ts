import { createPublicKey } from 'node:crypto';
import { decodeBase64Strict } from '../../encoding.js';
import type { PlayIntegrityKeys } from './decode-play-integrity-token-locally.js';

/** The two keys as Play Console shows them (App integrity > Response encryption). */
export interface PlayIntegrityKeysConfig {
  /** Standard base64 of the 32-byte AES decryption key. */
  decryptionKey: string;
  /** Standard base64 of the DER SubjectPublicKeyInfo of the EC P-256 verification key. */
  verificationKey: string;
}

/**
 * Turns the base64 keys from the app's config into PlayIntegrityKeys. Meant for config loading:
 * it throws a TypeError naming the bad option (never echoing key material) so a broken key stops
 * the shield at start-up rather than failing every request.
 *
 * @example
 * const keys = importPlayIntegrityKeys(app.android.playIntegrity.keys);
 */
export function importPlayIntegrityKeys(config: PlayIntegrityKeysConfig): PlayIntegrityKeys {
  const decryptionKey = decodeBase64Strict(String(config.decryptionKey).trim());
  if (decryptionKey === undefined || decryptionKey.length !== 32) {
    throw new TypeError('playIntegrity decryptionKey must be the base64 of a 32-byte AES key');
  }
  const spki = decodeBase64Strict(String(config.verificationKey).trim());
  if (spki === undefined)
    throw new TypeError('playIntegrity verificationKey must be base64 (DER SubjectPublicKeyInfo)');
  let verificationKey: ReturnType<typeof createPublicKey>;
  try {
    verificationKey = createPublicKey({ key: spki, format: 'der', type: 'spki' });
  } catch {
    throw new TypeError('playIntegrity verificationKey is not a DER SubjectPublicKeyInfo');
  }
  if (
    verificationKey.asymmetricKeyType !== 'ec' ||
    verificationKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
  ) {
    throw new TypeError('playIntegrity verificationKey must be an EC P-256 public key');
  }
  return { decryptionKey: new Uint8Array(decryptionKey), verificationKey };
}
