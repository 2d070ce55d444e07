import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { after, before, test } from 'node:test';
import { createSoftwareAppAttestDevice } from '@portcullis/testkit';
import { type LiveShield, sha256, startLiveShield } from '../../test/support/live-shield.js';

const ADMIN_TOKEN = randomBytes(24).toString('base64url');
let live: LiveShield;
let adminUrl: string;

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

before(async () => {
  const port = await freePort();
  adminUrl = `http://127.0.0.1:${port}`;
  live = await startLiveShield({
    overrides: { revocationStalenessMs: 0 },
    extraYaml: `admin: { host: 127.0.0.1, port: ${port}, tokenSha256: "${createHash('sha256').update(ADMIN_TOKEN).digest('hex')}" }\n`,
  });
});
after(() => live.close());

const admin = (path: string, init: RequestInit = {}, token = ADMIN_TOKEN) =>
  fetch(`${adminUrl}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });

test('the admin listener is separate from the public one and needs its token (A8-04)', async () => {
  assert.equal((await fetch(`${live.url}/metrics`)).status, 404, 'never on the public listener');
  assert.equal((await admin('/metrics', {}, 'wrong-token')).status, 401);
  const metrics = await admin('/metrics');
  assert.equal(metrics.status, 200);
  const text = await metrics.text();
  assert.match(text, /^portcullis_audit_records_written_total \d+$/m);
  assert.match(text, /^portcullis_token_cache_hits_total \d+$/m);
  assert.ok(!text.includes(ADMIN_TOKEN));
});

test('an operator revokes a device through the admin API and its token stops working at the gateway', async () => {
  const device = createSoftwareAppAttestDevice({
    authority: live.apple,
    appId: 'ABCDE12345.com.example.shop',
    environment: 'production',
  });
  const challenge = (await live.post('/v1/challenge', { appId: 'shop' })).body['challenge'] as string;
  const attested = await live.post('/v1/attest', {
    appId: 'shop',
    challenge,
    evidence: [
      {
        type: 'apple-app-attest',
        keyId: device.keyId,
        attestation: Buffer.from(device.attest(sha256(challenge))).toString('base64'),
      },
    ],
  });
  const token = attested.body['token'] as string;
  assert.equal((await live.post('/strong', '{}', { 'portcullis-token': token })).status, 200);
  const revoked = await admin(`/devices/${encodeURIComponent(device.keyId)}/revoke`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reason: 'card testing from this device' }),
  });
  assert.equal(revoked.status, 200, await revoked.clone().text());
  const refused = await live.post('/strong', '{}', { 'portcullis-token': token });
  assert.equal(refused.status, 403);
  assert.equal(refused.body['code'], 'device_revoked');
  const shown = (await (await admin(`/devices/${encodeURIComponent(device.keyId)}`)).json()) as {
    revokedAt: unknown;
  };
  assert.ok(shown.revokedAt !== null);
  await new Promise((resolve) => setTimeout(resolve, 20));
  const { records } = (await (await admin('/audit?limit=50&event=admin')).json()) as {
    records: Array<{ event: string; path: string; decision: string }>;
  };
  assert.ok(
    records.some(
      (r) => r.event === 'admin' && r.path === '/devices/{keyId}/revoke' && r.decision === 'allow',
    ),
    'the revocation is audited, without the raw key id',
  );
});
