import type { Clock } from '../clock.js';
import { createKeyStore } from './create-key-store.js';
import type { KeyInfo, TokenAlgorithm } from './types.js';

export interface RotateKeysCommandOptions {
  /** Longest token lifetime plus verifier clock tolerance, in seconds. */
  retireAfterSeconds: number;
  /** Publish the new key this long before it signs. Default 0 (signs at once). */
  publishAheadSeconds?: number;
  /** Delete retired key files after rotating. Default true. */
  prune?: boolean;
}

export interface RotateKeysResult {
  rotated: KeyInfo;
  pruned: string[];
  keys: KeyInfo[];
}

/**
 * Core of `portcullis keys rotate`: loads an existing key directory (never creates one, so a
 * mistyped --dir fails with key_dir_missing), adds a key of `alg`, optionally prunes retired
 * keys, and returns what changed for the CLI to print. No private material in the result.
 *
 * @example
 * ```ts
 * const { rotated } = await rotateKeysCommand(dir, 'ES256', systemClock, { retireAfterSeconds: 330 });
 * ```
 */
export async function rotateKeysCommand(
  dir: string,
  alg: TokenAlgorithm,
  clock: Clock,
  options: RotateKeysCommandOptions,
): Promise<RotateKeysResult> {
  const store = createKeyStore({ dir, alg, clock, create: false });
  await store.load();
  const rotation =
    options.publishAheadSeconds === undefined
      ? { retireAfterSeconds: options.retireAfterSeconds }
      : { retireAfterSeconds: options.retireAfterSeconds, publishAheadSeconds: options.publishAheadSeconds };
  const rotated = await store.rotate(rotation);
  const pruned = options.prune === false ? [] : await store.prune();
  return { rotated, pruned, keys: store.list() };
}
