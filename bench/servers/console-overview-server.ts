// The console's overview under load: a Portcullis shield on the SQLite store holding
// BENCH_AUDIT_RECORDS audit records from the last 50 minutes (gateway traffic over three routes,
// two platforms and three app versions: allowed, refused, limited, monitor-mode would-refuse),
// with the admin listener on BENCH_ADMIN_PORT. The harness drives GET /overview (the last hour,
// the console's default window) with the admin bearer token.
//
// Prints {"benchReady":true,"url":"http://127.0.0.1:<admin port>"} once the records are in and
// the admin listener serves.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseConfig } from '../../packages/shield/src/config/index.js';
import { createShield } from '../../packages/shield/src/server/create-shield.js';
import { createStores } from '../../packages/shield/src/stores/create-stores.js';
import type { AuditRecord } from '../../packages/shield/src/stores/ports.js';
import { BENCH_APP } from '../bench-constants.js';

const path = process.env['BENCH_CONFIG'] ?? '';
const adminPort = Number(process.env['BENCH_ADMIN_PORT'] ?? '0');
const tokenSha256 = process.env['BENCH_ADMIN_TOKEN_SHA256'] ?? '';
const count = Number(process.env['BENCH_AUDIT_RECORDS'] ?? '100000');
const text = `${readFileSync(path, 'utf8')}\nadmin: { host: 127.0.0.1, port: ${adminPort}, tokenSha256: "${tokenSha256}" }\n`;
const config = await parseConfig(text, { sourceName: path, baseDir: dirname(path) });

/** Record `i` of the fill: a deterministic mix, so every run summarizes the same traffic. */
function record(i: number, now: number): AuditRecord {
  const refused = i % 10 === 0;
  const limited = i % 37 === 0;
  const monitored = i % 13 === 0;
  return {
    ts: now - 3_000_000 + Math.floor((i * 3_000_000) / count),
    requestId: `fill-${i}`,
    instance: 'bench-fill',
    event: 'gateway',
    decision: refused ? 'deny' : limited ? 'limit' : 'allow',
    code: refused ? 'token_missing' : limited ? 'rate_limited' : 'ok',
    reason: refused ? 'token_missing' : limited ? 'limit_device' : null,
    appId: BENCH_APP,
    routeId: ['items', 'checkout', 'legacy'][i % 3]!,
    method: 'GET',
    path: '/api/items',
    clientIp: `10.0.${(i >> 8) & 255}.${i & 255}`,
    deviceIdHash: (i % 5000).toString(16).padStart(32, '0'),
    userIdHash: null,
    tokenJti: null,
    level: refused ? null : 'hardware',
    upstreamStatus: refused || limited ? null : 200,
    latencyMs: 2,
    details: {
      platform: i % 2 === 0 ? 'ios' : 'android',
      appVersion: ['2.4.0', '2.3.1', '2.2.0'][i % 3]!,
      ...(monitored && !refused ? { wouldRefuse: 'level_too_low' } : {}),
    },
  };
}

const stores = await createStores(config.store);
const now = Date.now();
const batch: AuditRecord[] = [];
for (let i = 0; i < count; i++) {
  batch.push(record(i, now));
  if (batch.length === 1000 || i === count - 1) {
    if (stores.audit.appendMany !== undefined) await stores.audit.appendMany(batch);
    else for (const each of batch) await stores.audit.append(each);
    batch.length = 0;
  }
}
await stores.close();

const stop = new Promise((resolve) => {
  process.once('SIGTERM', resolve);
  process.once('SIGINT', resolve);
});
const shield = await createShield(config);
await shield.listen(0, '127.0.0.1');
process.stdout.write(`${JSON.stringify({ benchReady: true, url: `http://127.0.0.1:${adminPort}` })}\n`);
await stop;
await shield.close();
