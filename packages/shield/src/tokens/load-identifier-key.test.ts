import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createManualClock } from '../clock.js';
import { isShieldError } from '../errors.js';
import { createKeyStore } from './create-key-store.js';
import { IDENTIFIER_KEY_FILE, loadIdentifierKey } from './load-identifier-key.js';

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
let root: string;
let counter = 0;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'portcullis-identifier-key-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

async function freshDir(): Promise<string> {
  counter++;
  const dir = join(root, `case-${counter}`);
  await mkdir(dir, { mode: 0o700 });
  return dir;
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    assert.ok(isShieldError(error), String(error));
    return error.reason;
  }
}

describe('loadIdentifierKey', () => {
  test('the first start writes 32 random bytes to identifier-key.json (0600); later starts read the same key', async () => {
    const dir = await freshDir();
    const key = await loadIdentifierKey(dir, { create: true, now: T0 });
    assert.equal(key.length, 32);
    assert.equal((await stat(join(dir, IDENTIFIER_KEY_FILE))).mode & 0o777, 0o600);
    const file = JSON.parse(await readFile(join(dir, IDENTIFIER_KEY_FILE), 'utf8')) as Record<
      string,
      unknown
    >;
    assert.equal(file['format'], 'portcullis-identifier-key');
    assert.equal(file['createdAt'], new Date(T0).toISOString());
    assert.deepEqual(await loadIdentifierKey(dir, { create: false, now: T0 }), key);
    assert.deepEqual(await readdir(dir), [IDENTIFIER_KEY_FILE], 'no temporary file is left behind');
    const other = await loadIdentifierKey(await freshDir(), { create: true, now: T0 });
    assert.notDeepEqual(other, key, 'each deployment gets its own key');
  });

  test('processes starting at once on an empty directory all end up with one key', async () => {
    const dir = await freshDir();
    const keys = await Promise.all(
      Array.from({ length: 12 }, () => loadIdentifierKey(dir, { create: true, now: T0 })),
    );
    for (const key of keys) assert.deepEqual(key, keys[0]);
    assert.deepEqual(await readdir(dir), [IDENTIFIER_KEY_FILE]);
  });

  test('refuses a missing file without create, a file others can read, a symlink, and a corrupt file', async () => {
    const missing = await freshDir();
    assert.equal(
      await reasonOf(loadIdentifierKey(missing, { create: false, now: T0 })),
      'identifier_key_missing',
    );

    const readable = await freshDir();
    await loadIdentifierKey(readable, { create: true, now: T0 });
    await chmod(join(readable, IDENTIFIER_KEY_FILE), 0o640);
    assert.equal(
      await reasonOf(loadIdentifierKey(readable, { create: true, now: T0 })),
      'identifier_key_insecure',
    );

    const linked = await freshDir();
    const target = join(await freshDir(), 'elsewhere.json');
    await writeFile(target, '{}', { mode: 0o600 });
    await symlink(target, join(linked, IDENTIFIER_KEY_FILE));
    assert.equal(
      await reasonOf(loadIdentifierKey(linked, { create: true, now: T0 })),
      'identifier_key_not_regular',
    );

    for (const body of [
      'not json',
      '[]',
      '{"format":"portcullis-identifier-key","version":2,"key":""}',
      `{"format":"portcullis-identifier-key","version":1,"key":"${Buffer.alloc(16).toString('base64url')}"}`,
      `{"format":"portcullis-identifier-key","version":1,"key":"${Buffer.alloc(32).toString('base64')}"}`,
    ]) {
      const corrupt = await freshDir();
      await writeFile(join(corrupt, IDENTIFIER_KEY_FILE), body, { mode: 0o600 });
      assert.equal(
        await reasonOf(loadIdentifierKey(corrupt, { create: true, now: T0 })),
        'identifier_key_corrupt',
        body,
      );
    }
  });

  test('a key directory that cannot be written is refused with identifier_key_write_failed', async () => {
    const absent = join(await freshDir(), 'not-created');
    assert.equal(
      await reasonOf(loadIdentifierKey(absent, { create: true, now: T0 })),
      'identifier_key_write_failed',
    );
  });

  test('the signing-key store shares the directory with it', async () => {
    const dir = join(await freshDir(), 'keys');
    const clock = createManualClock(T0);
    const keys = createKeyStore({ dir, alg: 'ES256', clock });
    await keys.load();
    await loadIdentifierKey(dir, { create: true, now: T0 });
    await writeFile(join(dir, `.${IDENTIFIER_KEY_FILE}.0123456789abcdef.tmp`), 'partial', { mode: 0o600 });
    const again = createKeyStore({ dir, alg: 'ES256', clock, create: false });
    await again.load();
    assert.equal(again.list().length, 1);
  });
});
