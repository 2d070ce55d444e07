import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseConfig } from '../packages/shield/src/config/index.js';
import {
  PLAIN_STREAM_PATH,
  PROOF_PATH,
  portcullisConfigText,
  SCANNED_STREAM_PATH,
} from './portcullis-config.js';

const androidStatusFile = join(mkdtempSync(join(tmpdir(), 'bench-config-')), 'android-status.json');
writeFileSync(androidStatusFile, '{"entries":{}}');
const BASE = { upstreamPort: 9, store: { kind: 'memory' as const }, keysDir: '/tmp/keys', androidStatusFile };

async function routes(text: string) {
  process.env['BENCH_SECRET'] = 'bench-secret-for-the-config-test';
  const config = await parseConfig(text, { sourceName: 'bench.yaml', baseDir: '/tmp' });
  return config.routes;
}

test('the default config limits the measured route and has no proof route', async () => {
  const all = await routes(portcullisConfigText(BASE));
  assert.deepEqual(
    all.map((route) => route.id),
    ['items', 'limit-probe'],
  );
  assert.equal(all[0]?.limits?.length, 2);
});

test('limits: false drops the measured route limits only; the limit probe keeps its own', async () => {
  const all = await routes(portcullisConfigText({ ...BASE, limits: false }));
  assert.equal(all.find((route) => route.id === 'items')?.limits?.length ?? 0, 0);
  assert.equal(all.find((route) => route.id === 'limit-probe')?.limits?.length, 1);
});

test('proofRoute adds the measured route again with a proof required and the same limits', async () => {
  const text = portcullisConfigText({
    ...BASE,
    store: {
      kind: 'redis+postgres',
      redisUrl: 'redis://127.0.0.1:6379',
      postgresUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
    },
    proofRoute: true,
  });
  const all = await routes(text);
  const proof = all.find((route) => route.id === 'items-proof');
  assert.equal(proof?.require?.proof, true);
  assert.equal(proof?.limits?.length, 2);
  assert.ok(PROOF_PATH.startsWith('/proof/'));
  assert.equal(all.find((route) => route.id === 'items')?.require?.proof ?? false, false);
});

test('streamRoutes adds a plain and a scanned route to the large answer, the same but for the injected key', async () => {
  const all = await routes(portcullisConfigText({ ...BASE, streamRoutes: true }));
  const plain = all.find((route) => route.id === 'stream-plain');
  const scanned = all.find((route) => route.id === 'stream-scanned');
  assert.ok(PLAIN_STREAM_PATH.startsWith(`${plain?.stripPrefix}/`));
  assert.ok(SCANNED_STREAM_PATH.startsWith(`${scanned?.stripPrefix}/`));
  assert.deepEqual(plain?.inject?.headers ?? {}, {});
  assert.deepEqual(Object.keys(scanned?.inject?.headers ?? {}), ['x-provider-key']);
  assert.deepEqual(plain?.require, scanned?.require);
  assert.equal(plain?.limits.length, 0);
  assert.equal(scanned?.limits.length, 0);
});
