import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createManualClock } from '../clock.js';
import { createKeyStore, rotateKeysCommand } from '../tokens/index.js';
import { createKeyMaintenance } from './create-key-maintenance.js';

test('a running shield picks up a rotation made by the CLI, and rotates by itself when due', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-keys-'));
  try {
    const clock = createManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const keys = createKeyStore({ dir, alg: 'ES256', clock });
    await keys.load();
    const first = keys.signingKey().kid;
    const errors: unknown[] = [];
    const maintenance = createKeyMaintenance({
      keys,
      now: () => clock.now(),
      rotateEveryDays: 30,
      retireAfterSeconds: 330,
      publishAheadSeconds: 0,
      onError: (error) => errors.push(error),
    });
    await maintenance.tick();
    assert.equal(keys.signingKey().kid, first, 'not due yet');

    clock.advance(1000);
    const rotated = await rotateKeysCommand(dir, 'ES256', clock, { retireAfterSeconds: 330 });
    assert.notEqual(
      keys.signingKey().kid,
      rotated.rotated.kid,
      'the running store has not re-read the directory yet',
    );
    clock.advance(1000);
    await maintenance.tick();
    assert.equal(keys.signingKey().kid, rotated.rotated.kid, 'picked up the CLI rotation');
    assert.ok(keys.verificationKey(first), 'the old key still verifies its tokens');

    clock.advance(31 * 86_400_000);
    await maintenance.tick();
    assert.notEqual(keys.signingKey().kid, rotated.rotated.kid, 'rotated after 30 days');
    assert.equal(keys.verificationKey(first), undefined, 'retired keys are pruned');
    assert.deepEqual(errors, []);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
