import { type Clock, systemClock } from '../clock.js';
import { createKeyStore } from './create-key-store.js';
import type { KeyInfo } from './types.js';

/**
 * Core of `portcullis keys list`: reads an existing key directory without creating or changing
 * anything and returns every key with its status at `clock` (kid, alg, times; never private
 * material). Refuses the same insecure or corrupt directories the shield refuses at start.
 *
 * @example
 * ```ts
 * for (const key of await listKeysCommand('/var/lib/portcullis/keys')) console.log(key.kid, key.status);
 * ```
 */
export async function listKeysCommand(dir: string, clock: Clock = systemClock): Promise<KeyInfo[]> {
  // alg only matters for generating keys, which a read-only store never does.
  const store = createKeyStore({ dir, alg: 'ES256', clock, create: false });
  await store.load();
  return store.list();
}
