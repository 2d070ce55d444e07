import { generateKeyPairSync, type KeyObject, randomBytes } from 'node:crypto';
import { CompactEncrypt, CompactSign } from 'jose';
import { base64url, sha256 } from '../../encoding.js';
import type { PlayIntegrityKeys } from './decode-play-integrity-token-locally.js';
import type { PlayIntegrityKeysConfig } from './import-play-integrity-keys.js';

/** A generated stand-in for an app's Play Integrity keys, with the private signing half. */
export interface PlayIntegrityTestKeys extends PlayIntegrityKeys {
  /** The ES256 private key that plays Google's part. */
  signingKey: KeyObject;
  /** The same keys as they would appear in the app's config (base64, base64 SPKI DER). */
  config: PlayIntegrityKeysConfig;
}

/**
 * Generates a fresh AES-256 decryption key and EC P-256 signing key pair. No real Play token is
 * public together with the keys that open it, so tests make their own in the real format.
 *
 * @example
 * const keys = createPlayIntegrityTestKeys();
 * const token = await buildPlayIntegrityToken(createPlayIntegrityTestPayload({ ... }), keys);
 */
export function createPlayIntegrityTestKeys(): PlayIntegrityTestKeys {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const decryptionKey = new Uint8Array(randomBytes(32));
  return {
    decryptionKey,
    verificationKey: publicKey,
    signingKey: privateKey,
    config: {
      decryptionKey: Buffer.from(decryptionKey).toString('base64'),
      verificationKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    },
  };
}

/**
 * Builds a token exactly as Play Integrity does: the JSON payload signed as a compact JWS
 * (ES256), that JWS encrypted as a compact JWE (A256KW, A256GCM).
 */
export async function buildPlayIntegrityToken(
  payload: unknown,
  keys: Pick<PlayIntegrityTestKeys, 'decryptionKey' | 'signingKey'>,
): Promise<string> {
  const jws = await new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg: 'ES256' })
    .sign(keys.signingKey);
  return new CompactEncrypt(new TextEncoder().encode(jws))
    .setProtectedHeader({ alg: 'A256KW', enc: 'A256GCM' })
    .encrypt(keys.decryptionKey);
}

export interface PlayIntegrityTestPayloadOptions {
  packageName: string;
  challenge: string;
  /** When Google prepared the verdict, epoch ms. */
  timestampMillis: number;
  /** base64url SHA-256 of the signing certificate, as Google writes it. */
  certificateSha256Digest: string;
  /** 'classic' puts the challenge in nonce; 'standard' puts b64url(SHA-256(challenge)) in requestHash. Default 'standard'. */
  request?: 'classic' | 'standard';
  /** Default ['MEETS_DEVICE_INTEGRITY']. */
  deviceRecognitionVerdict?: string[];
  /** Default 'PLAY_RECOGNIZED'. */
  appRecognitionVerdict?: string;
  /** Default 'LICENSED'. */
  appLicensingVerdict?: string;
}

/** A verdict payload in Google's documented shape that passes a matching default policy. */
export function createPlayIntegrityTestPayload(
  options: PlayIntegrityTestPayloadOptions,
): Record<string, unknown> {
  const binding =
    options.request === 'classic'
      ? { nonce: options.challenge }
      : { requestHash: base64url(sha256(options.challenge)) };
  return {
    requestDetails: {
      requestPackageName: options.packageName,
      ...binding,
      timestampMillis: String(options.timestampMillis),
    },
    appIntegrity: {
      appRecognitionVerdict: options.appRecognitionVerdict ?? 'PLAY_RECOGNIZED',
      packageName: options.packageName,
      certificateSha256Digest: [options.certificateSha256Digest],
      versionCode: '42',
    },
    deviceIntegrity: {
      deviceRecognitionVerdict: options.deviceRecognitionVerdict ?? ['MEETS_DEVICE_INTEGRITY'],
    },
    accountDetails: { appLicensingVerdict: options.appLicensingVerdict ?? 'LICENSED' },
  };
}
