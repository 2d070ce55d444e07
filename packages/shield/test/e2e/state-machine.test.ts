/**
 * State-machine abuse of the attestation flow on a running shield, on both single-instance
 * stores: concurrent uses of one challenge, concurrent first attestations of one key, assertions
 * before attestation, re-attestation of a revoked key, and challenges outliving their TTL.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createManualClock } from '../../src/clock.js';
import { DEBUG_CREDENTIAL, type LiveShield, startLiveShield } from '../support/live-shield.js';
import {
  appleAssertBody,
  appleAttestBody,
  appleDevice,
  attestedAppleDevice,
  auditOf,
  challengeFor,
  settle,
} from './e2e-helpers.js';

/** Statuses of several responses, sorted, so a race reads as one line. */
function tally(statuses: number[]): string {
  const counts = new Map<number, number>();
  for (const status of statuses) counts.set(status, (counts.get(status) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, count]) => `${count}×${status}`)
    .join(' ');
}

for (const store of ['memory', 'sqlite'] as const) {
  describe(`state machine on the ${store} store`, () => {
    const clock = createManualClock(Date.now());
    let live: LiveShield;
    before(async () => {
      live = await startLiveShield({ store, overrides: { clock, revocationStalenessMs: 0 } });
    });
    after(() => live.close());

    test('20 concurrent attestations with one challenge: exactly one token', async () => {
      const challenge = await challengeFor(live);
      const body = { appId: 'shop', challenge, evidence: [{ type: 'debug', token: DEBUG_CREDENTIAL }] };
      const responses = await Promise.all(Array.from({ length: 20 }, () => live.post('/v1/attest', body)));
      assert.equal(tally(responses.map((r) => r.status)), '1×200 19×400');
      assert.ok(
        responses.filter((r) => r.status === 400).every((r) => r.body['code'] === 'challenge_invalid'),
      );
    });

    test('D-04: 20 concurrent refreshes with one challenge and one assertion: exactly one token', async () => {
      const { device } = await attestedAppleDevice(live);
      const body = appleAssertBody(device, await challengeFor(live));
      const responses = await Promise.all(Array.from({ length: 20 }, () => live.post('/v1/assert', body)));
      const statuses = responses.map((r) => r.status);
      assert.equal(statuses.filter((status) => status === 200).length, 1, tally(statuses));
      // The losers are spent challenges, until the key's failure lockout (A2-03) answers 429 first.
      assert.ok(
        statuses.every((status) => status === 200 || status === 400 || status === 429),
        tally(statuses),
      );
    });

    test('four concurrent first attestations of one key id: exactly one registers it', async () => {
      const device = appleDevice(live);
      const challenges = await Promise.all([1, 2, 3, 4].map(() => challengeFor(live)));
      const bodies = challenges.map((challenge) => appleAttestBody(device, challenge));
      const responses = await Promise.all(bodies.map((body) => live.post('/v1/attest', body)));
      assert.equal(tally(responses.map((r) => r.status)), '1×200 3×401');
      const reasons = await Promise.all(
        responses
          .filter((r) => r.status === 401)
          .map(async (r) => (await auditOf(live, r.headers.get('x-request-id') ?? '')).reason),
      );
      assert.deepEqual(reasons, [
        'key_already_registered',
        'key_already_registered',
        'key_already_registered',
      ]);
      const record = await live.shield.stores.devices.get(device.keyId);
      assert.equal(record?.appId, 'shop');
    });

    test('an assertion before any attestation is refused and registers nothing (no trust on first use)', async () => {
      const device = appleDevice(live);
      const early = await live.post('/v1/assert', appleAssertBody(device, await challengeFor(live)));
      assert.equal(early.status, 401);
      assert.equal((await auditOf(live, early.headers.get('x-request-id') ?? '')).reason, 'device_unknown');
      assert.equal(await live.shield.stores.devices.get(device.keyId), null);
      const attested = await live.post('/v1/attest', appleAttestBody(device, await challengeFor(live)));
      assert.equal(attested.status, 200, attested.text);
      const refreshed = await live.post('/v1/assert', appleAssertBody(device, await challengeFor(live)));
      assert.equal(refreshed.status, 200, refreshed.text);
    });

    test('attest, revoke, re-attest the same key: refused; its refresh and its live token too, NF', async () => {
      const { device, token } = await attestedAppleDevice(live);
      await live.shield.stores.devices.revoke(device.keyId, 'lost phone', clock.now());
      const again = await live.post('/v1/attest', appleAttestBody(device, await challengeFor(live)));
      assert.equal(again.status, 401);
      assert.equal(
        (await auditOf(live, again.headers.get('x-request-id') ?? '')).reason,
        'key_already_registered',
      );
      const refresh = await live.post('/v1/assert', appleAssertBody(device, await challengeFor(live)));
      assert.equal(refresh.status, 403);
      assert.equal(refresh.body['code'], 'device_revoked');
      const forwarded = live.upstream.requests.length;
      const gateway = await live.post('/strong', '{}', { 'portcullis-token': token });
      assert.equal(gateway.status, 403);
      assert.equal(gateway.body['code'], 'device_revoked');
      await settle();
      assert.equal(live.upstream.requests.length, forwarded, 'NF');
      assert.notEqual((await live.shield.stores.devices.get(device.keyId))?.revokedAt, null, 'still revoked');
    });

    test('D-01, D-03, D-20: a challenge spent by a failed refresh cannot then attest; one past its TTL is spent', async () => {
      const spent = await challengeFor(live);
      const failed = await live.post('/v1/assert', {
        appId: 'shop',
        challenge: spent,
        keyId: 'AAAA',
        assertion: 'AAAA',
      });
      assert.equal(failed.status, 401);
      const reuse = await live.post('/v1/attest', {
        appId: 'shop',
        challenge: spent,
        evidence: [{ type: 'debug', token: DEBUG_CREDENTIAL }],
      });
      assert.equal(reuse.body['code'], 'challenge_invalid');

      const old = await challengeFor(live);
      clock.advance(300_001);
      const late = await live.post('/v1/attest', {
        appId: 'shop',
        challenge: old,
        evidence: [{ type: 'debug', token: DEBUG_CREDENTIAL }],
      });
      assert.equal(late.status, 400);
      assert.equal(
        (await auditOf(live, late.headers.get('x-request-id') ?? '')).reason,
        'challenge_unknown_or_expired',
      );
    });
  });
}
