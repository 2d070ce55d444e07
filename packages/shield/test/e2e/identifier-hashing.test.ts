/**
 * Identifiers in the audit log and in limit buckets, checked on a running shield: they are keyed
 * hashes (HMAC-SHA-256 with the deployment's identifier key from the key directory), so someone
 * holding the audit log or the limit store cannot recompute them from guesses. Bare SHA-256 of a
 * `Basic` credential, a phone number or an address was a dictionary lookup away.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { createIdentifierHasher, type IdentifierHasher } from '../../src/identifier-hasher.js';
import { loadIdentifierKey } from '../../src/tokens/index.js';
import { type LiveShield, startLiveShield } from '../support/live-shield.js';
import { appleAttestBody, appleDevice, auditOf, auditRows, challengeFor, debugToken } from './e2e-helpers.js';

const BASIC = `Basic ${Buffer.from('ana:correct horse').toString('base64')}`;
const PHONE = '+1 555 010 9999';

const ROUTES = `  - id: account
    match: { methods: [POST], path: /account }
    upstream: http://127.0.0.1:9
    require: { token: true }
    limits: [ { per: user, max: 100, window: 1h } ]
  - id: otp
    match: { methods: [POST], path: /otp }
    upstream: http://127.0.0.1:9
    public: true
    limits:
      - { per: ip, max: 100, window: 1h }
      - { per: body, field: $.phone, max: 100, window: 1h, name: phone }
`;

function bareAudit(value: string): string {
  return createHash('sha256').update(value).digest('hex').slice(0, 32);
}

function bareLimitKey(kind: string, value: string): string {
  return createHash('sha256').update(`${kind}\u0000${value}`).digest('base64url').slice(0, 22);
}

async function hasherOf(live: LiveShield): Promise<IdentifierHasher> {
  return createIdentifierHasher(
    await loadIdentifierKey(live.shield.config.keys.dir, { create: false, now: Date.now() }),
  );
}

/** The audit userIdHash of one POST /account with `authorization`. */
async function userHashOf(live: LiveShield, authorization: string): Promise<string | null> {
  const token = await debugToken(live);
  const response = await live.post('/account', '{}', { 'portcullis-token': token, authorization });
  const requestId = response.headers.get('x-request-id');
  assert.ok(requestId, response.text);
  return (await auditOf(live, requestId)).userIdHash;
}

let live: LiveShield;
let identifiers: IdentifierHasher;

before(async () => {
  live = await startLiveShield({ store: 'sqlite', extraYaml: ROUTES });
  identifiers = await hasherOf(live);
});
after(() => live.close());

describe('identifier hashes are keyed with the deployment’s identifier key', () => {
  test('the key is generated once into the key directory, mode 0600', async () => {
    const info = await stat(join(live.shield.config.keys.dir, 'identifier-key.json'));
    assert.equal(info.mode & 0o777, 0o600);
  });

  test('the audit userIdHash of a Basic credential is the keyed hash, not its bare SHA-256', async () => {
    const hash = await userHashOf(live, BASIC);
    assert.equal(hash, identifiers.audit(BASIC));
    assert.notEqual(hash, bareAudit(BASIC));
  });

  test('device key ids: the attest record and the gateway record carry the same keyed hash', async () => {
    const device = appleDevice(live);
    const attested = await live.post('/v1/attest', appleAttestBody(device, await challengeFor(live)));
    assert.equal(attested.status, 200, attested.text);
    const attestRecord = await auditOf(live, attested.headers.get('x-request-id')!);
    assert.equal(attestRecord.deviceIdHash, identifiers.audit(device.keyId));
    assert.notEqual(attestRecord.deviceIdHash, bareAudit(device.keyId));
    const paid = await live.post('/pay', '{}', { 'portcullis-token': attested.body['token'] as string });
    assert.equal(paid.status, 200, paid.text);
    const gatewayRecord = await auditOf(live, paid.headers.get('x-request-id')!);
    assert.equal(gatewayRecord.deviceIdHash, attestRecord.deviceIdHash);
  });

  test('limit buckets hold keyed identities of users, addresses and body identifiers, none of the bare ones', async () => {
    await userHashOf(live, BASIC);
    const otp = await live.post('/otp', { phone: PHONE });
    assert.equal(otp.status, 502, `allowed (the upstream port is closed): ${otp.text}`);
    await auditRows(live);
    const db = new Database(live.shield.config.store.kind === 'sqlite' ? live.shield.config.store.path : '', {
      readonly: true,
    });
    let keys: string[];
    try {
      keys = db
        .prepare<[], { key: string }>('SELECT key FROM portcullis_limit_buckets')
        .all()
        .map((row) => row.key);
    } finally {
      db.close();
    }
    const identities: Array<[string, string]> = [
      ['user', 'basic YW5hOmNvcnJlY3QgaG9yc2U='],
      ['ip', '127.0.0.1'],
      ['body', '15550109999'],
    ];
    for (const [kind, value] of identities) {
      assert.ok(
        keys.some((key) => key.endsWith(`:${identifiers.limitKey(kind, value)}`)),
        `${kind}: a bucket under the keyed identity (${keys.join(', ')})`,
      );
      assert.ok(!keys.some((key) => key.includes(bareLimitKey(kind, value))), `${kind}: no bare identity`);
    }
  });
});

describe('instances of one deployment share the key through the key directory', () => {
  let sibling: LiveShield;
  let stranger: LiveShield;
  before(async () => {
    sibling = await startLiveShield({ extraYaml: ROUTES, keysDir: live.shield.config.keys.dir });
    stranger = await startLiveShield({ extraYaml: ROUTES });
  });
  after(async () => {
    await sibling.close();
    await stranger.close();
  });

  test('an instance on the same key directory hashes alike; another deployment does not', async () => {
    const mine = await userHashOf(live, BASIC);
    assert.equal(await userHashOf(sibling, BASIC), mine);
    assert.notEqual(await userHashOf(stranger, BASIC), mine);
  });
});
