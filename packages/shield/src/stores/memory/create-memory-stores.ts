import type { Stores } from '../ports.js';
import { createMemoryAuditLog } from './memory-audit-log.js';
import { createMemoryChallengeStore } from './memory-challenge-store.js';
import { assertOpen, createMemoryContext } from './memory-context.js';
import { createMemoryDebugCredentialStore } from './memory-debug-credential-store.js';
import { createMemoryDeviceStore } from './memory-device-store.js';
import { createMemoryReplayStore } from './memory-replay-store.js';

export interface MemoryStoresOptions {
  /**
   * Most entries each store holds (challenges, replay keys, devices, audit records, counted
   * separately). Default 100 000; at least 1. Full of live entries, the challenge, replay and
   * device stores refuse new entries (StoreOutageError store_full); the audit log drops its oldest.
   */
  maxEntries?: number;
  /** How often expired challenges and replay keys are swept, in ms. Default 30 000; at least 10. */
  sweepIntervalMs?: number;
}

export const DEFAULT_MEMORY_MAX_ENTRIES = 100_000;
const DEFAULT_SWEEP_INTERVAL_MS = 30_000;

/**
 * Stores held in this process's memory: for development, tests and a single-process shield that
 * may forget everything on restart. Every store is bounded (see `maxEntries`); expired entries
 * are removed when touched, when a store is full, and by a sweep on an unref'd timer. Never share
 * it between instances: each would keep its own challenges and replay keys (createStores refuses).
 *
 * @example
 * ```ts
 * const stores = createMemoryStores({ maxEntries: 10_000 });
 * await stores.challenges.issue({ challenge, appId: 'shop', expiresAt: now + 300_000 });
 * await stores.close();
 * ```
 */
export function createMemoryStores(options: MemoryStoresOptions = {}): Stores {
  const maxEntries = options.maxEntries ?? DEFAULT_MEMORY_MAX_ENTRIES;
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new TypeError('maxEntries must be a positive integer');
  }
  const sweepIntervalMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_INTERVAL_MS;
  if (!Number.isSafeInteger(sweepIntervalMs) || sweepIntervalMs < 10) {
    throw new TypeError('sweepIntervalMs must be an integer of at least 10 (milliseconds)');
  }
  const context = createMemoryContext(maxEntries);
  const challenges = createMemoryChallengeStore(context);
  const replay = createMemoryReplayStore(context);
  const devices = createMemoryDeviceStore(context);
  const audit = createMemoryAuditLog(context);
  const debugCredentials = createMemoryDebugCredentialStore(context);

  const timer = setInterval(() => {
    challenges.sweep(context.latestNow);
    replay.sweep(context.latestNow);
  }, sweepIntervalMs);
  timer.unref();

  return {
    challenges,
    devices,
    replay,
    audit,
    debugCredentials,
    async ping() {
      assertOpen(context);
    },
    async close() {
      if (context.closed) return;
      context.closed = true;
      clearInterval(timer);
      challenges.clear();
      replay.clear();
      devices.clear();
      audit.clear();
      debugCredentials.clear();
    },
  };
}
