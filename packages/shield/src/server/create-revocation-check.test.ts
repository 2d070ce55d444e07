import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AppTokenClaims } from '@portcullis/protocol';
import { createManualClock } from '../clock.js';
import type { GatewayCheckContext } from '../gateway/index.js';
import type { DeviceRecord } from '../stores/ports.js';
import { createRevocationCheck } from './create-revocation-check.js';

function contextFor(kid: string | undefined): GatewayCheckContext {
  const claims = {
    sub: 'shop',
    ...(kid === undefined ? {} : { cnf: { kid, jwk: { kty: 'EC' } } }),
  } as AppTokenClaims;
  return { claims } as unknown as GatewayCheckContext;
}

test('a revocation is seen within the staleness bound, with one store read per device per bound', async () => {
  const clock = createManualClock(1_000_000);
  let revokedAt: number | null = null;
  let reads = 0;
  const devices = {
    get: async (keyId: string) => {
      reads += 1;
      return keyId === 'known' ? ({ keyId, revokedAt } as DeviceRecord) : null;
    },
  };
  const check = createRevocationCheck({ devices, clock, maxStalenessMs: 5000 });
  await check.run(contextFor('known'));
  await check.run(contextFor('known'));
  assert.equal(reads, 1, 'cached');
  revokedAt = clock.now();
  clock.advance(4999);
  await check.run(contextFor('known'));
  clock.advance(1);
  await assert.rejects(() => Promise.resolve(check.run(contextFor('known'))), { code: 'device_revoked' });
  await assert.rejects(() => Promise.resolve(check.run(contextFor('unknown'))), {
    code: 'device_revoked',
    reason: 'device_revoked',
  });
  await check.run(contextFor(undefined));
  assert.equal(reads, 3, 'tokens without a device key need no read');
});
