import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { link, lstat, open, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { decodeBase64UrlStrict } from '../encoding.js';
import { ShieldError } from '../errors.js';
import { IDENTIFIER_KEY_BYTES } from '../identifier-hasher.js';
import type { KeyStoreFailureReason } from './key-store-failure-reasons.js';

/** Name of the identifier key's file inside the key directory. */
export const IDENTIFIER_KEY_FILE = 'identifier-key.json';
/** Leftover of an interrupted write: `.identifier-key.json.<16 hex>.tmp`. */
export const TEMP_IDENTIFIER_KEY_FILE = /^\.identifier-key\.json\.[0-9a-f]{16}\.tmp$/;
const FORMAT = 'portcullis-identifier-key';
const MAX_FILE_BYTES = 4096;

function refuse(reason: KeyStoreFailureReason, message: string, cause?: unknown): never {
  throw new ShieldError('internal_error', reason, { message, ...(cause === undefined ? {} : { cause }) });
}

function isCode(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}

async function readKey(path: string): Promise<Buffer> {
  const info = await lstat(path);
  if (!info.isFile())
    refuse('identifier_key_not_regular', `Identifier key file ${path} is not a regular file.`);
  const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK).catch(
    () =>
      refuse(
        'identifier_key_not_regular',
        `Identifier key file ${path} could not be opened as a regular file.`,
      ),
  );
  let text: string;
  try {
    const stats = await handle.stat();
    if (!stats.isFile())
      refuse('identifier_key_not_regular', `Identifier key file ${path} is not a regular file.`);
    if ((stats.mode & 0o077) !== 0) {
      refuse(
        'identifier_key_insecure',
        `Identifier key file ${path} has mode ${(stats.mode & 0o777).toString(8).padStart(4, '0')}: group or others can access it. ` +
          'Run chmod 600 on it; if others may have read it, replace it (limits start afresh, see docs/limits.md).',
      );
    }
    if (stats.size > MAX_FILE_BYTES)
      refuse('identifier_key_corrupt', `Identifier key file ${path} is too large to be one.`);
    text = await handle.readFile({ encoding: 'utf8' });
  } finally {
    await handle.close();
  }
  const corrupt = (what: string): never =>
    refuse(
      'identifier_key_corrupt',
      `Identifier key file ${path} is corrupt (${what}); restore it from backup (or the copy another instance uses).`,
    );
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    corrupt('not JSON');
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) corrupt('not a JSON object');
  const record = data as Record<string, unknown>;
  if (record['format'] !== FORMAT || record['version'] !== 1) corrupt('unknown format or version');
  const key = typeof record['key'] === 'string' ? decodeBase64UrlStrict(record['key']) : undefined;
  if (key === undefined || key.length !== IDENTIFIER_KEY_BYTES)
    corrupt(`the key is not ${IDENTIFIER_KEY_BYTES} bytes`);
  return key as Buffer;
}

/**
 * Writes a fresh key to a temporary file (O_EXCL, mode 0600, fsynced), then links it to its name,
 * which fails when the name exists: of several processes starting at once, exactly one key wins
 * and every process reads that one.
 */
async function createKey(dir: string, path: string, now: number): Promise<void> {
  const body = JSON.stringify({
    format: FORMAT,
    version: 1,
    createdAt: new Date(now).toISOString(),
    key: randomBytes(IDENTIFIER_KEY_BYTES).toString('base64url'),
  });
  const temp = join(dir, `.${IDENTIFIER_KEY_FILE}.${randomBytes(8).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(body, { encoding: 'utf8' });
      await handle.sync();
    } finally {
      await handle.close();
    }
    try {
      await link(temp, path);
    } catch (error) {
      if (!isCode(error, 'EEXIST')) throw error;
    }
    await unlink(temp);
    const directory = await open(dir, 'r');
    try {
      await directory.sync();
    } finally {
      await directory.close();
    }
  } catch (cause) {
    await unlink(temp).catch(() => undefined);
    refuse(
      'identifier_key_write_failed',
      `Could not write the identifier key in ${dir}; check free space and permissions, or copy ${IDENTIFIER_KEY_FILE} from another instance.`,
      cause,
    );
  }
}

/**
 * The deployment's identifier key (32 random bytes; see createIdentifierHasher), kept in the key
 * directory as `identifier-key.json` (mode 0600) beside the signing keys, so instances that share
 * the key directory share it. With `create`, the first start generates it; without, a missing
 * file is refused. The directory itself must exist (the key store creates it). Throws
 * `ShieldError('internal_error', reason)` with a message naming the file and the fix, never the key.
 *
 * @example
 * ```ts
 * const key = await loadIdentifierKey('/var/lib/portcullis/keys', { create: true, now: Date.now() });
 * ```
 */
export async function loadIdentifierKey(
  dir: string,
  options: { create: boolean; now: number },
): Promise<Buffer> {
  const path = join(dir, IDENTIFIER_KEY_FILE);
  try {
    return await readKey(path);
  } catch (error) {
    if (!isCode(error, 'ENOENT')) throw error;
  }
  if (!options.create) {
    refuse(
      'identifier_key_missing',
      `Identifier key file ${path} does not exist; start the shield once to create it, or copy it from another instance.`,
    );
  }
  await createKey(dir, path, options.now);
  return readKey(path);
}
