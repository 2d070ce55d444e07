import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createManualClock } from '../clock.js';
import { isShieldError } from '../errors.js';
import { createKeyStore } from './create-key-store.js';
import { listKeysCommand } from './list-keys-command.js';
import { rotateKeysCommand } from './rotate-keys-command.js';

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
let root: string;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'portcullis-key-commands-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('listKeysCommand and rotateKeysCommand', () => {
  test('list never creates a directory', async () => {
    await assert.rejects(
      listKeysCommand(join(root, 'missing')),
      (e) => isShieldError(e) && e.reason === 'key_dir_missing',
    );
    await assert.rejects(
      rotateKeysCommand(join(root, 'missing'), 'ES256', createManualClock(T0), { retireAfterSeconds: 330 }),
      (e) => isShieldError(e) && e.reason === 'key_dir_missing',
    );
  });

  test('rotate adds a key, prunes retired ones, and list shows the result without private material', async () => {
    const dir = join(root, 'keys');
    const clock = createManualClock(T0);
    await createKeyStore({ dir, alg: 'ES256', clock }).load();
    const [first] = await listKeysCommand(dir, clock);
    assert.equal(first?.status, 'active');

    const rotated = await rotateKeysCommand(dir, 'EdDSA', clock, {
      retireAfterSeconds: 330,
      publishAheadSeconds: 600,
    });
    assert.equal(rotated.rotated.alg, 'EdDSA');
    assert.equal(rotated.rotated.status, 'next');
    assert.deepEqual(rotated.pruned, []);
    assert.deepEqual(
      rotated.keys.map((k) => k.status),
      ['active', 'next'],
    );

    clock.advance((600 + 330) * 1000);
    assert.deepEqual(
      (await listKeysCommand(dir, clock)).map((k) => k.status),
      ['retired', 'active'],
    );
    const again = await rotateKeysCommand(dir, 'ES256', clock, { retireAfterSeconds: 330 });
    assert.deepEqual(again.pruned, [first?.kid]);
    assert.deepEqual(
      again.keys.map((k) => k.status),
      ['retiring', 'active'],
    );
    const listed = JSON.stringify(await listKeysCommand(dir, clock));
    assert.doesNotMatch(listed, /"d"|privateJwk/);
  });

  test('prune: false keeps retired keys', async () => {
    const dir = join(root, 'keys-keep');
    const clock = createManualClock(T0);
    await createKeyStore({ dir, alg: 'ES256', clock }).load();
    await rotateKeysCommand(dir, 'ES256', clock, { retireAfterSeconds: 1 });
    clock.advance(2000);
    const result = await rotateKeysCommand(dir, 'ES256', clock, { retireAfterSeconds: 1, prune: false });
    assert.deepEqual(result.pruned, []);
    assert.equal(result.keys.length, 3);
    assert.equal(result.keys[0]?.status, 'retired');
  });
});
