/**
 * Test support: a separate process that takes from one SQLite limit bucket `count` times as fast
 * as it can and prints how many takes were allowed. Run by the SQLite multi-process test only:
 * `node --import tsx sqlite-take-worker.ts <db path> <count> <start file>`.
 */
import { existsSync } from 'node:fs';
import { shapeBucket } from '../decide-buckets.js';
import { createSqliteLimitStore } from '../stores/create-sqlite-limit-store.js';

const [path = '', countText = '0', startFile = ''] = process.argv.slice(2);
const store = createSqliteLimitStore({ path });
// Every worker opens the database first, then all start together when the start file appears.
process.stdout.write('ready\n');
while (!existsSync(startFile)) await new Promise((r) => setTimeout(r, 2));
let allowed = 0;
for (let i = 0; i < Number(countText); i++) {
  const [outcome] = await store.take(
    [{ key: 'shared', cost: 1, ...shapeBucket(30, 3600) }],
    'all',
    Date.UTC(2026, 10, 28),
  );
  if (outcome?.allowed) allowed++;
}
await store.close();
process.stdout.write(`${allowed}\n`);
