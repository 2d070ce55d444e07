import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { Logger } from '@portcullis/shield';
import { createShield, demoConfigText, parseConfig, type Shield } from '@portcullis/shield';
import {
  type AndroidTestAuthority,
  type AppAttestTestAuthority,
  createAndroidTestAuthority,
  createAppAttestTestAuthority,
} from '@portcullis/testkit';
import { type ShopBackend, startShopBackend } from './backend.js';

export interface RunningShop {
  shield: Shield;
  shieldUrl: string;
  backend: ShopBackend;
  /** The demo debug credential: what a simulator build of the app would hold. */
  debugCredential: string;
  /** The provider keys: only the shield and the backend ever see them. */
  providerKeys: { payments: string; email: string };
  /** The test-kit App Attest authority the development-mode shield trusts. */
  appleAuthority: AppAttestTestAuthority;
  /** The test-kit Android key attestation authority the development-mode shield trusts. */
  androidAuthority: AndroidTestAuthority;
  close(): Promise<void>;
}

/** A port that was free a moment ago (the issuer URL needs the port before the shield listens). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

/** Reads or creates a small secret file (mode 0600) so restarts keep the same value. */
async function persistentSecret(path: string, make: () => string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    const value = make();
    await writeFile(path, `${value}\n`, { mode: 0o600 });
    return value;
  }
}

/**
 * Starts the seed scenario on loopback: the shop backend, and the shield in front of it with the
 * demo config (development mode, SQLite and signing keys in `dataDir`).
 */
export async function runShop(options: {
  shieldPort: number;
  upstreamPort: number;
  dataDir: string;
  logger?: Logger;
}): Promise<RunningShop> {
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });
  const debugCredential = await persistentSecret(
    join(options.dataDir, 'demo-debug-credential'),
    () => `dbg_${randomBytes(24).toString('base64url')}`,
  );
  const providerKeys = {
    payments: `sk_live_${randomBytes(18).toString('hex')}`,
    email: `em_live_${randomBytes(18).toString('hex')}`,
  };
  const backend = await startShopBackend({
    port: options.upstreamPort,
    paymentsApiKey: providerKeys.payments,
    emailApiKey: providerKeys.email,
  });
  const upstreamPort = Number(new URL(backend.url).port);
  const shieldPort = options.shieldPort === 0 ? await freePort() : options.shieldPort;
  const text = demoConfigText({
    shieldPort,
    upstreamPort,
    dataDir: options.dataDir,
    debugTokenSha256: createHash('sha256').update(debugCredential).digest('hex'),
    debugTokenExpires: '2030-01-01',
  });
  const config = await parseConfig(text, {
    sourceName: 'demo-config',
    baseDir: options.dataDir,
    env: { SHOP_PAYMENTS_API_KEY: providerKeys.payments, SHOP_EMAIL_API_KEY: providerKeys.email },
  });
  const appleAuthority = createAppAttestTestAuthority();
  const androidAuthority = createAndroidTestAuthority();
  const shield = await createShield(config, {
    appleTestRoots: [appleAuthority.root],
    androidTestRoots: [androidAuthority.root],
    ...(options.logger !== undefined ? { logger: options.logger } : {}),
  });
  let shieldUrl: string;
  try {
    shieldUrl = await shield.listen(shieldPort, '127.0.0.1');
  } catch (error) {
    await shield.close();
    await backend.close();
    throw error;
  }
  return {
    shield,
    shieldUrl,
    backend,
    debugCredential,
    providerKeys,
    appleAuthority,
    androidAuthority,
    async close() {
      await shield.close();
      await backend.close();
    },
  };
}
