import { createPrivateKey, createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open } from 'node:fs/promises';
import { calculateJwkThumbprint } from 'jose';
import { ShieldError } from '../errors.js';
import { keyMatchesAlgorithm } from './import-verification-jwk.js';
import type { KeyStoreFailureReason } from './key-store-failure-reasons.js';
import { TOKEN_ALGORITHMS, type TokenAlgorithm } from './types.js';

/** The `format` member every key file carries. */
export const KEY_FILE_FORMAT = 'portcullis-signing-key';
/** Key files are small; anything larger is not one of ours. */
const MAX_KEY_FILE_BYTES = 16 * 1024;

/** The public half of a signing key as a minimal JWK (the RFC 7638 thumbprint members). */
export interface MinimalPublicJwk {
  kty: 'EC' | 'OKP';
  crv: 'P-256' | 'Ed25519';
  x: string;
  y?: string;
}

/** One signing key as held in memory. Never serialised except by writeKeyFile. */
export interface KeyFileRecord {
  kid: string;
  alg: TokenAlgorithm;
  /** 1 for the first key of a directory, then one more than the newest key at each rotation. */
  sequence: number;
  createdAt: number;
  activatesAt: number;
  /** How long the keys this one supersedes stay published after it activates, in seconds. */
  retirePreviousAfterSeconds: number;
  privateKey: KeyObject;
  publicKey: KeyObject;
  publicJwk: MinimalPublicJwk;
}

function refuse(reason: KeyStoreFailureReason, message: string): never {
  throw new ShieldError('internal_error', reason, { message });
}

/** The minimal public JWK of a key pair, as RFC 7638 hashes it. */
export function minimalPublicJwk(publicKey: KeyObject): MinimalPublicJwk {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty === 'EC' && jwk.crv === 'P-256' && typeof jwk.x === 'string' && typeof jwk.y === 'string') {
    return { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y };
  }
  if (jwk.kty === 'OKP' && jwk.crv === 'Ed25519' && typeof jwk.x === 'string') {
    return { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
  }
  throw new TypeError('minimalPublicJwk: not a P-256 or Ed25519 public key');
}

/** kid = RFC 7638 JWK SHA-256 thumbprint of the public key. */
export async function thumbprintKid(jwk: MinimalPublicJwk): Promise<string> {
  return calculateJwkThumbprint(jwk, 'sha256');
}

function parseTime(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  return Number.isFinite(ms) && new Date(ms).toISOString() === value ? ms : undefined;
}

/**
 * Reads and checks one key file: a regular file (no symlink, FIFO or directory: opened with
 * O_NOFOLLOW and re-checked on the open descriptor), mode 0600 or stricter, the expected JSON
 * shape, an ES256 or EdDSA private key matching its `alg`, and a `kid` equal to the key's RFC 7638
 * thumbprint and to the file name. Throws `ShieldError('internal_error', reason)` with a message
 * that names the file and the fix, never the key.
 *
 * @example
 * ```ts
 * const record = await readKeyFile('/var/lib/portcullis/keys/abc.json', 'abc');
 * ```
 */
export async function readKeyFile(path: string, expectedKid: string): Promise<KeyFileRecord> {
  const link = await lstat(path);
  if (!link.isFile()) refuse('key_file_not_regular', `Signing key file ${path} is not a regular file.`);
  let text: string;
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
    () => refuse('key_file_not_regular', `Signing key file ${path} could not be opened as a regular file.`),
  );
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) refuse('key_file_not_regular', `Signing key file ${path} is not a regular file.`);
    if ((stats.mode & 0o077) !== 0) {
      refuse(
        'key_file_insecure',
        `Signing key file ${path} has mode ${(stats.mode & 0o777).toString(8).padStart(4, '0')}: group or others can access it. ` +
          'Run chmod 600 on it and rotate the key, since it may have been read.',
      );
    }
    if (stats.size > MAX_KEY_FILE_BYTES) {
      refuse('key_file_corrupt', `Signing key file ${path} is too large to be a key file.`);
    }
    text = await handle.readFile({ encoding: 'utf8' });
  } finally {
    await handle.close();
  }

  const corrupt = (what: string): never =>
    refuse(
      'key_file_corrupt',
      `Signing key file ${path} is corrupt (${what}); restore it from backup or remove it and rotate.`,
    );
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    corrupt('not JSON');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) corrupt('not a JSON object');
  const d = data as Record<string, unknown>;
  if (d.format !== KEY_FILE_FORMAT || d.version !== 1) corrupt('unknown format or version');
  if (typeof d.alg !== 'string' || !(TOKEN_ALGORITHMS as readonly string[]).includes(d.alg)) {
    refuse(
      'key_file_unexpected_type',
      `Signing key file ${path} holds an ${String(d.alg)} key; only ES256 and EdDSA keys are accepted.`,
    );
  }
  const alg = d.alg as TokenAlgorithm;
  const createdAt = parseTime(d.createdAt);
  const activatesAt = parseTime(d.activatesAt);
  if (createdAt === undefined || activatesAt === undefined) corrupt('bad createdAt or activatesAt');
  const sequence = d.sequence;
  if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 1) {
    corrupt('bad sequence');
  }
  const retire = d.retirePreviousAfterSeconds;
  if (typeof retire !== 'number' || !Number.isSafeInteger(retire) || retire < 0) {
    corrupt('bad retirePreviousAfterSeconds');
  }
  const jwk = d.privateJwk;
  if (typeof jwk !== 'object' || jwk === null || typeof (jwk as { d?: unknown }).d !== 'string') {
    refuse('key_file_unexpected_type', `Signing key file ${path} does not hold a private key.`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    refuse('key_file_unexpected_type', `Signing key file ${path} does not hold a usable private key.`);
  }
  const publicKey = createPublicKey(privateKey);
  if (!keyMatchesAlgorithm(publicKey, alg)) {
    refuse('key_file_unexpected_type', `Signing key file ${path} holds a key that is not an ${alg} key.`);
  }
  const publicJwk = minimalPublicJwk(publicKey);
  const kid = await thumbprintKid(publicJwk);
  if (d.kid !== kid || kid !== expectedKid) corrupt('kid does not match the key or the file name');
  return {
    kid,
    alg,
    sequence: sequence as number,
    createdAt: createdAt as number,
    activatesAt: activatesAt as number,
    retirePreviousAfterSeconds: retire as number,
    privateKey,
    publicKey,
    publicJwk,
  };
}
