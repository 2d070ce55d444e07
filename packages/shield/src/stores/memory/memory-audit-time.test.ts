import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditRecord } from '../ports.js';
import { createMemoryStores } from './create-memory-stores.js';

const T0 = Date.UTC(2026, 10, 28, 12, 0, 0);

function record(ts: number): AuditRecord {
  return {
    ts,
    requestId: `req-${ts}`,
    instance: 'test',
    event: 'challenge',
    decision: 'allow',
    code: 'ok',
    reason: null,
    appId: 'shop',
    routeId: null,
    method: 'POST',
    path: '/v1/challenge',
    clientIp: '127.0.0.1',
    deviceIdHash: null,
    userIdHash: null,
    tokenJti: null,
    level: null,
    upstreamStatus: null,
    latencyMs: 1,
    details: null,
  };
}

// A shield that only issues challenges (a flood never answered, or a quiet period) consumes
// none, so only its audit records tell the memory stores that time has passed. Before this fix
// the memory audit log ignored their time: a full challenge store stayed full after every
// challenge in it had expired, and every /v1/challenge was a 503 until some attest happened.
test('a full memory challenge store frees expired challenges once an audit record shows their expiry passed', async () => {
  const stores = createMemoryStores({ maxEntries: 2 });
  try {
    await stores.challenges.issue({ challenge: 'a', appId: 'shop', expiresAt: T0 + 300_000 });
    await stores.challenges.issue({ challenge: 'b', appId: 'shop', expiresAt: T0 + 300_000 });
    await stores.audit.append(record(T0 + 300_001));
    await stores.challenges.issue({ challenge: 'c', appId: 'shop', expiresAt: T0 + 600_001 });
    assert.deepEqual(await stores.challenges.consume('c', T0 + 300_002), {
      challenge: 'c',
      appId: 'shop',
      expiresAt: T0 + 600_001,
    });
  } finally {
    await stores.close();
  }
});

test('an audit record never makes a live challenge look expired', async () => {
  const stores = createMemoryStores({ maxEntries: 2 });
  try {
    await stores.challenges.issue({ challenge: 'a', appId: 'shop', expiresAt: T0 + 300_000 });
    await stores.audit.append(record(T0 + 299_999));
    assert.equal((await stores.challenges.consume('a', T0 + 299_999))?.challenge, 'a');
  } finally {
    await stores.close();
  }
});
