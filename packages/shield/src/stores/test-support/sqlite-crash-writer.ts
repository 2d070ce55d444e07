/**
 * A process that writes to a SQLite store until it is killed (sqlite-crash.test.ts): it registers
 * a device and appends an audit record per step, and prints `committed N` once both promises of
 * step N resolved. Whatever it printed, the store must still hold after a kill -9.
 */
import { createSqliteStores } from '../sqlite/create-sqlite-stores.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: sqlite-crash-writer.ts DB_PATH');
const stores = createSqliteStores({ path });
for (let i = 0; ; i++) {
  await stores.devices.register({
    keyId: `crash-key-${i}`,
    appId: 'shop',
    platform: 'android',
    level: 'hardware',
    publicKeyJwk: { kty: 'EC', crv: 'P-256', x: 'x', y: 'y' },
    counter: 0,
    receipt: null,
    testRoot: false,
    attestation: null,
    firstSeen: i,
  });
  await stores.audit.append({
    ts: 1_780_000_000_000 + i,
    requestId: `crash-request-${i}`,
    instance: 'crash-writer',
    event: 'gateway',
    decision: 'allow',
    code: 'ok',
    reason: null,
    appId: 'shop',
    routeId: 'orders',
    method: 'POST',
    path: '/orders',
    clientIp: '127.0.0.1',
    deviceIdHash: null,
    userIdHash: null,
    tokenJti: null,
    level: 'hardware',
    upstreamStatus: 200,
    latencyMs: 1,
    details: { step: i },
  });
  process.stdout.write(`committed ${i}\n`);
}
