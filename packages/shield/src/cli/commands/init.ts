import { access, mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { systemClock } from '../../clock.js';
import { renderInitConfig } from '../../config/index.js';
import { createKeyStore, IDENTIFIER_KEY_FILE, loadIdentifierKey } from '../../tokens/index.js';
import { CliError } from '../cli-error.js';
import type { CliIo } from '../io.js';

/**
 * `portcullis init`: writes a commented config and creates the key directory with a first signing
 * key and the identifier key.
 * Never overwrites an existing config unless told to.
 */
export async function initCommand(
  options: { dir: string; issuer: string; port: string; force?: boolean },
  io: CliIo,
): Promise<number> {
  const dir = resolve(io.cwd, options.dir);
  const configPath = join(dir, 'portcullis.yaml');
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new CliError(`--port ${options.port}: not a port number`, {
      exitCode: 2,
      fix: 'pass a number from 1 to 65535',
    });
  }
  let exists = true;
  try {
    await access(configPath);
  } catch {
    exists = false;
  }
  if (exists && options.force !== true) {
    throw new CliError(`${configPath} already exists`, {
      fix: 'pass --force to overwrite it, or choose another --dir',
    });
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await writeFile(configPath, renderInitConfig({ issuer: options.issuer, port }), { mode: 0o600 });
  const keyDir = join(dir, 'data', 'keys');
  const keys = createKeyStore({ dir: keyDir, alg: 'ES256', clock: systemClock });
  await keys.load();
  await loadIdentifierKey(keyDir, { create: true, now: systemClock.now() });
  io.out(`wrote ${configPath}`);
  io.out(`signing key ${keys.signingKey().kid} in ${keyDir}`);
  io.out(`identifier key ${IDENTIFIER_KEY_FILE} in ${keyDir}: give every instance the same key directory`);
  io.out('next: edit the apps and routes, then run');
  io.out(`  portcullis check --config ${configPath}`);
  io.out(`  portcullis start --config ${configPath}`);
  return 0;
}
