import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ShieldError } from '../errors.js';
import { KEY_FILE_FORMAT, type KeyFileRecord } from './read-key-file.js';

/** Name of a key file inside the key directory. */
export function keyFileName(kid: string): string {
  return `${kid}.json`;
}

/** Leftover of an interrupted write: `.<kid>.json.<16 hex>.tmp`. */
export const TEMP_KEY_FILE = /^\.[A-Za-z0-9_-]{43}\.json\.[0-9a-f]{16}\.tmp$/;

/**
 * Writes a key file atomically: a fresh temporary file created with O_EXCL and mode 0600,
 * fsynced, renamed over `<kid>.json`, then the directory fsynced, so a crash leaves either the
 * old file or the new one, never a torn key. Throws `ShieldError('internal_error',
 * 'key_write_failed')`; the message names the directory, never the key.
 *
 * @example
 * ```ts
 * await writeKeyFile('/var/lib/portcullis/keys', record);
 * ```
 */
export async function writeKeyFile(dir: string, record: KeyFileRecord): Promise<void> {
  const body = JSON.stringify({
    format: KEY_FILE_FORMAT,
    version: 1,
    kid: record.kid,
    alg: record.alg,
    sequence: record.sequence,
    createdAt: new Date(record.createdAt).toISOString(),
    activatesAt: new Date(record.activatesAt).toISOString(),
    retirePreviousAfterSeconds: record.retirePreviousAfterSeconds,
    privateJwk: record.privateKey.export({ format: 'jwk' }),
  });
  const temp = join(dir, `.${keyFileName(record.kid)}.${randomBytes(8).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(body, { encoding: 'utf8' });
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, join(dir, keyFileName(record.kid)));
    const directory = await open(dir, 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  } catch (cause) {
    await unlink(temp).catch(() => undefined);
    throw new ShieldError('internal_error', 'key_write_failed', {
      message: `Could not write a signing key file in ${dir}; check free space and permissions.`,
      cause,
    });
  }
}
