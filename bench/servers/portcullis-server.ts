// The system under test: a Portcullis shield started from a config file, on BENCH_WORKERS worker
// processes (1: createShield in this process, as startCluster does for one worker; more:
// startCluster, whose workers re-run this script and take the worker role there).
//
// Devices that attested earlier: BENCH_DEVICES lists key ids (prefix and count, one shared public
// key) registered in the store before the shield serves, as a shield in steady state has them.
// Tokens bound to unregistered devices would be refused by the revocation check (C-29).
//
// SIGUSR2 makes the process report its live memory (see below).
//
// The primary (or the single process) prints {"benchReady":true,"url":"http://127.0.0.1:N"} once
// every worker listens.
import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { JsonWebKeyLike } from '@portcullis/protocol';
import { parseConfig } from '../../packages/shield/src/config/index.js';
import { appPolicies } from '../../packages/shield/src/server/app-policies.js';
import { startCluster } from '../../packages/shield/src/server/cluster.js';
import { createShield } from '../../packages/shield/src/server/create-shield.js';
import { attestationOf } from '../../packages/shield/src/server/device-standing.js';
import { createStores } from '../../packages/shield/src/stores/create-stores.js';
import type { DeviceAttestation, Stores } from '../../packages/shield/src/stores/ports.js';
import { BENCH_APP } from '../bench-constants.js';

interface DeviceSeed {
  jwk: JsonWebKeyLike;
  /** [key id prefix, count]: key ids are `${prefix}-${i}` for i below count. */
  kids: [string, number][];
  /** Android devices (their own key) that sign per-request proofs: [key id, public key]. */
  android?: [string, JsonWebKeyLike][];
}

/**
 * Registers the seeded devices as if they had attested under the bench config's current policy
 * (the proof check refuses a device whose recorded attestation does not stand).
 */
async function registerDevices(
  stores: Stores,
  seed: DeviceSeed,
  attested: { ios: DeviceAttestation; android: DeviceAttestation },
): Promise<void> {
  const now = Date.now();
  for (const [prefix, count] of seed.kids) {
    for (let i = 0; i < count; i++) {
      await stores.devices.register({
        keyId: `${prefix}-${i}`,
        appId: BENCH_APP,
        platform: 'ios',
        level: 'hardware',
        publicKeyJwk: seed.jwk,
        counter: 0,
        receipt: null,
        testRoot: false,
        attestation: attested.ios,
        firstSeen: now,
      });
    }
  }
  for (const [keyId, publicKeyJwk] of seed.android ?? []) {
    await stores.devices.register({
      keyId,
      appId: BENCH_APP,
      platform: 'android',
      level: 'hardware',
      publicKeyJwk,
      counter: 0,
      receipt: null,
      testRoot: false,
      attestation: attested.android,
      firstSeen: now,
    });
  }
}

const path = process.env['BENCH_CONFIG'] ?? '';
const workers = Number(process.env['BENCH_WORKERS'] ?? '1');
const seed = JSON.parse(process.env['BENCH_DEVICES'] ?? '{"jwk":{},"kids":[]}') as DeviceSeed;
const config = await parseConfig(readFileSync(path, 'utf8'), { sourceName: path, baseDir: dirname(path) });
// SIGUSR2: a full GC (the harness starts this process with --expose-gc), then one line with the
// memory that is still live, so a flood can tell retained state from garbage not yet collected.
process.on('SIGUSR2', () => {
  (globalThis as { gc?: () => void }).gc?.();
  const { rss, heapUsed, external, arrayBuffers } = process.memoryUsage();
  process.stdout.write(`${JSON.stringify({ benchMemory: { rss, heapUsed, external, arrayBuffers } })}\n`);
});
const ready = (url: string) => process.stdout.write(`${JSON.stringify({ benchReady: true, url })}\n`);
const stop = new Promise((resolve) => {
  process.once('SIGTERM', resolve);
  process.once('SIGINT', resolve);
});

const benchApp = appPolicies(config).get(BENCH_APP);
if (benchApp === undefined) throw new Error(`the bench config has no app ${BENCH_APP}`);
const attested = {
  ios: attestationOf(benchApp, { evidence: ['apple-app-attest'], environment: 'production' }),
  android: attestationOf(benchApp, { evidence: ['android-key-attestation'], environment: null }),
};

if (workers === 1) {
  const stores = await createStores(config.store);
  await registerDevices(stores, seed, attested);
  const shield = await createShield(config, { stores });
  ready(await shield.listen(0, '127.0.0.1'));
  await stop;
  await shield.close();
} else {
  if (cluster.isPrimary) {
    const stores = await createStores(config.store);
    await registerDevices(stores, seed, attested);
    await stores.close();
  }
  const running = await startCluster(config, {
    workers,
    port: 0,
    host: '127.0.0.1',
    shutdownTimeoutMs: 5000,
  });
  if (running.role !== 'worker') ready(running.url);
  await Promise.race([stop, running.closed]);
  await running.close();
}
