/**
 * Why a store failed or refused: the audit/operator sub-code carried by `StoreOutageError`
 * (a `StoreUnavailableError`, which the server answers with 503 `store_unavailable`) and by
 * `StoreError` (a refusal to start or a misuse). Stable: a code is never reused for another
 * meaning. docs/stores.md lists the same table.
 *
 * @example
 * ```ts
 * const row = STORE_REASONS.find((r) => r.code === error.reason);
 * ```
 */
export const STORE_REASONS = [
  {
    code: 'store_unreachable',
    meaning:
      'The backing service (Redis or PostgreSQL) refused the connection, dropped it, or is shutting down.',
    fix: 'Start the service or fix its address; the shield reconnects by itself and answers 503 meanwhile.',
  },
  {
    code: 'store_timeout',
    meaning:
      'A command or a connection attempt took longer than its timeout (commandTimeoutMs, connectTimeoutMs).',
    fix: 'Look for a slow, overloaded or blocked store (a held lock, DEBUG SLEEP, swap); raise the timeout only if the store is healthy but far away.',
  },
  {
    code: 'store_busy',
    meaning: 'SQLite could not take the database write lock within busyTimeoutMs.',
    fix: 'Run fewer processes on one SQLite file, raise busyTimeoutMs, or move to redis+postgres.',
  },
  {
    code: 'store_full',
    meaning:
      'A memory store reached maxEntries with none of its entries expired, or Redis reached maxmemory (OOM under noeviction), so the new entry was refused.',
    fix: 'Raise maxEntries or Redis maxmemory, lower the challenge TTL, check the attestation rate limits; for memory, consider SQLite.',
  },
  {
    code: 'store_closed',
    meaning: 'The stores were used after close().',
    fix: 'A shutdown-order bug: stop serving requests before closing the stores.',
  },
  {
    code: 'store_failed',
    meaning:
      'The store answered with an unexpected error (disk full, I/O error, corrupt file, bad row); the error is attached as cause.',
    fix: 'Read the logged cause; for SQLite run PRAGMA integrity_check and check free disk space.',
  },
  {
    code: 'redis_eviction_policy',
    meaning:
      'Redis maxmemory-policy is not noeviction, so Redis may delete challenge and replay keys under memory pressure and let replays through.',
    fix: 'Set maxmemory-policy noeviction (redis.conf or CONFIG SET) on a Redis dedicated to the shield.',
  },
  {
    code: 'redis_policy_unknown',
    meaning:
      'Neither CONFIG GET maxmemory-policy nor INFO memory told the eviction policy, so it cannot be shown to be safe.',
    fix: 'Allow the shield user CONFIG GET or INFO, or use a Redis whose INFO memory reports maxmemory_policy.',
  },
  {
    code: 'sqlite_wal_unavailable',
    meaning:
      'SQLite refused journal_mode=WAL (in-memory path, read-only or network file system), so readers would block writers.',
    fix: 'Put the database file on a local, writable file system.',
  },
  {
    code: 'schema_too_new',
    meaning: 'The database was migrated by a newer Portcullis than this one.',
    fix: 'Run the newer Portcullis, or point this one at its own database.',
  },
  {
    code: 'memory_multi_instance',
    meaning:
      'The memory store was configured for a shield that runs more than one instance or worker, where each would keep its own challenges, devices and replay keys (F-05).',
    fix: 'Use sqlite (several workers on one machine) or redis+postgres (several machines).',
  },
  {
    code: 'challenge_exists',
    meaning: 'issue() was called with a challenge value that is already stored.',
    fix: 'A bug in the caller: challenges must be fresh random values (32 bytes from a CSPRNG).',
  },
  {
    code: 'debug_credential_exists',
    meaning: 'add() was called with a debug credential id or keyed hash that is already stored.',
    fix: 'A bug in the caller: ids and credentials must be fresh random values from a CSPRNG.',
  },
] as const satisfies readonly { code: string; meaning: string; fix: string }[];

/** One of the stable store sub-codes. */
export type StoreReason = (typeof STORE_REASONS)[number]['code'];
