import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Stores } from '../ports.js';
import { StoreError } from '../store-error.js';
import type { StoreOutageError } from '../store-outage-error.js';
import { createSqliteAuditLog } from './sqlite-audit-log.js';
import { createSqliteChallengeStore } from './sqlite-challenge-store.js';
import { mapSqliteError, runSqlite, type SqliteContext } from './sqlite-context.js';
import { createSqliteDebugCredentialStore } from './sqlite-debug-credential-store.js';
import { createSqliteDeviceStore } from './sqlite-device-store.js';
import { createSqliteReplayStore } from './sqlite-replay-store.js';
import { migrateSqlite } from './sqlite-schema.js';

export interface SqliteStoresOptions {
  /** Path of the database file; created (mode 0600, parent directories 0700) when missing. */
  path: string;
  /**
   * How long a statement waits for another connection's write lock before failing with
   * StoreOutageError(store_busy), in ms. Default 5000.
   */
  busyTimeoutMs?: number;
  /** How often expired challenges and replay keys are deleted, in ms. Default 60 000; at least 10. */
  cleanupIntervalMs?: number;
  /** Told about a failed background cleanup (it is retried on the next interval). */
  onCleanupError?: (error: StoreOutageError) => void;
}

const DEFAULT_BUSY_TIMEOUT_MS = 5000;
const DEFAULT_CLEANUP_INTERVAL_MS = 60_000;
const CLEANUP_BATCH = 1000;
// Bounds one cleanup tick (and so how long it holds the write lock and the event loop).
const CLEANUP_MAX_BATCHES = 20;

function checkOptions(options: SqliteStoresOptions): { busyTimeoutMs: number; cleanupIntervalMs: number } {
  if (typeof options.path !== 'string' || options.path === '' || options.path === ':memory:') {
    throw new TypeError('path must be the path of a database file');
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS;
  if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new TypeError('busyTimeoutMs must be a non-negative integer (milliseconds)');
  }
  const cleanupIntervalMs = options.cleanupIntervalMs ?? DEFAULT_CLEANUP_INTERVAL_MS;
  if (!Number.isSafeInteger(cleanupIntervalMs) || cleanupIntervalMs < 10) {
    throw new TypeError('cleanupIntervalMs must be an integer of at least 10 (milliseconds)');
  }
  return { busyTimeoutMs, cleanupIntervalMs };
}

function open(path: string, busyTimeoutMs: number): Database.Database {
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    // Create the file ourselves so that it is private from the start; SQLite gives the -wal and
    // -shm files the same mode.
    closeSync(openSync(path, 'a', 0o600));
    return new Database(path, { timeout: busyTimeoutMs });
  } catch (error) {
    throw mapSqliteError('open', error);
  }
}

/**
 * Stores in one SQLite file (better-sqlite3): the embedded default for one machine. WAL mode,
 * busy_timeout, synchronous=NORMAL and foreign keys on; the schema is migrated on open. Every
 * operation is a single statement, hence atomic across all connections and processes that open
 * the same file. Expired challenges and replay keys are deleted on an unref'd timer.
 *
 * @example
 * ```ts
 * const stores = createSqliteStores({ path: './data/portcullis.db' });
 * ```
 */
export function createSqliteStores(options: SqliteStoresOptions): Stores {
  const { busyTimeoutMs, cleanupIntervalMs } = checkOptions(options);
  const db = open(options.path, busyTimeoutMs);
  try {
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (mode !== 'wal') {
      throw new StoreError(
        'sqlite_wal_unavailable',
        `SQLite kept journal_mode=${String(mode)} instead of WAL`,
      );
    }
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    // Truncate the WAL after checkpoints instead of leaving it at its high-water size.
    db.pragma('journal_size_limit = 67108864');
    migrateSqlite(db);
  } catch (error) {
    db.close();
    throw error instanceof StoreError ? error : mapSqliteError('open', error);
  }

  const context: SqliteContext = { db, latestNow: 0, closed: false };
  const challenges = createSqliteChallengeStore(context);
  const replay = createSqliteReplayStore(context);
  const devices = createSqliteDeviceStore(context);
  const audit = createSqliteAuditLog(context);
  const debugCredentials = createSqliteDebugCredentialStore(context);

  const deleteChallenges = db.prepare<[number, number]>(
    'DELETE FROM challenges WHERE rowid IN (SELECT rowid FROM challenges WHERE expires_at <= ? LIMIT ?)',
  );
  const deleteReplay = db.prepare<[number, number]>(
    'DELETE FROM replay WHERE rowid IN (SELECT rowid FROM replay WHERE expires_at <= ? LIMIT ?)',
  );
  const ping = db.prepare('SELECT 1');

  function cleanup(): void {
    const now = context.latestNow;
    for (const statement of [deleteChallenges, deleteReplay]) {
      for (let batch = 0; batch < CLEANUP_MAX_BATCHES; batch += 1) {
        if (statement.run(now, CLEANUP_BATCH).changes < CLEANUP_BATCH) break;
      }
    }
  }

  const timer = setInterval(() => {
    if (context.closed || context.latestNow === 0) return;
    try {
      runSqlite(context, 'cleanup', cleanup);
    } catch (error) {
      options.onCleanupError?.(error as StoreOutageError);
    }
  }, cleanupIntervalMs);
  timer.unref();

  return {
    challenges,
    devices,
    replay,
    audit,
    debugCredentials,
    async ping() {
      runSqlite(context, 'ping', () => ping.get());
    },
    async close() {
      if (context.closed) return;
      context.closed = true;
      clearInterval(timer);
      db.close();
    },
  };
}
