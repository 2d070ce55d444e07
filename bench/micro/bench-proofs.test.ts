import assert from 'node:assert/strict';
import { test } from 'node:test';
import { benchProofs } from './bench-proofs.js';

// Rates depend on the machine and its load, so only their shape is checked here; `npm run bench` records them.
test('benchProofs runs every proof through the check and returns the three rates', async () => {
  const result = await benchProofs(20);
  assert.deepEqual(Object.keys(result).sort(), [
    'appleProofVerifyPerSec',
    'ecdsaVerifyPerSec',
    'proofVerifyPerSec',
  ]);
  for (const rate of Object.values(result)) assert.ok(Number.isInteger(rate) && rate > 0);
  await assert.rejects(benchProofs(0), TypeError);
  await assert.rejects(benchProofs(1.5), TypeError);
});
