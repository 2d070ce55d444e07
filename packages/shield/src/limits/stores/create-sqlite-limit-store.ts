import Database from 'better-sqlite3';
import { mapSqliteError } from '../../stores/sqlite/sqlite-context.js';
import { StoreOutageError } from '../../stores/store-outage-error.js';
import { decideBuckets } from '../decide-buckets.js';
import type { BucketOutcome, BucketRequest, LimitStore } from '../types.js';
import { assertBuckets } from './assert-buckets.js';

export type SqliteLimitStoreOptions = (
  | {
      /** A database file of its own, created when missing (WAL, busy_timeout); closed by close(). */
      path: string;
      /** Wait for another connection's write lock, ms. Default 5000. */
      busyTimeoutMs?: number;
    }
  | {
      /**
       * An open better-sqlite3 connection, for example the stores' own database file. The store
       * only adds its table; the caller keeps the connection's settings and closes it.
       */
      database: Database.Database;
    }
) & {
  /** How often expired buckets are deleted, judged by the `now` passed to take, ms. Default 60 000. */
  cleanupIntervalMs?: number;
};

const TABLE = 'portcullis_limit_buckets';
const CLEANUP_BATCH = 1000;

/**
 * Limit buckets in SQLite (better-sqlite3), for one machine: every worker process that opens the
 * same file shares the limits. Each take is one `BEGIN IMMEDIATE` transaction (read the buckets,
 * decide, write), so it is atomic across connections and processes; contention waits up to
 * busy_timeout and then fails with StoreOutageError `store_busy`. Time is the caller's `now`:
 * all processes of one machine share one clock. Expired rows are deleted in batches at most once
 * per cleanup interval, inside takes: no timer.
 *
 * @example
 * ```ts
 * const store = createSqliteLimitStore({ path: './data/limits.db' });
 * ```
 */
export function createSqliteLimitStore(options: SqliteLimitStoreOptions): LimitStore {
  if (typeof options !== 'object' || options === null) throw new TypeError('options must be an object');
  const cleanupIntervalMs = options.cleanupIntervalMs ?? 60_000;
  if (!Number.isSafeInteger(cleanupIntervalMs) || cleanupIntervalMs < 1) {
    throw new TypeError('cleanupIntervalMs must be a positive integer');
  }
  let db: Database.Database;
  const owned = 'path' in options;
  if ('path' in options) {
    if (typeof options.path !== 'string' || options.path === '')
      throw new TypeError('path must be a file path');
    const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
    if (!Number.isSafeInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
      throw new TypeError('busyTimeoutMs must be a non-negative integer');
    }
    try {
      db = new Database(options.path);
      db.pragma(`busy_timeout = ${busyTimeoutMs}`);
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
    } catch (error) {
      throw mapSqliteError('open', error);
    }
  } else {
    if (!(options.database instanceof Database))
      throw new TypeError('database must be a better-sqlite3 Database');
    db = options.database;
  }

  let closed = false;
  let lastCleanup = 0;
  const statements = (() => {
    try {
      db.exec(
        `CREATE TABLE IF NOT EXISTS ${TABLE} (key TEXT PRIMARY KEY NOT NULL, tat INTEGER NOT NULL) WITHOUT ROWID;` +
          `CREATE INDEX IF NOT EXISTS ${TABLE}_tat ON ${TABLE} (tat);`,
      );
      return {
        read: db.prepare<[string], { tat: number }>(`SELECT tat FROM ${TABLE} WHERE key = ?`),
        write: db.prepare<[string, number]>(
          `INSERT INTO ${TABLE} (key, tat) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET tat = excluded.tat`,
        ),
        cleanup: db.prepare<[number, number]>(
          `DELETE FROM ${TABLE} WHERE key IN (SELECT key FROM ${TABLE} WHERE tat <= ? LIMIT ?)`,
        ),
      };
    } catch (error) {
      if (owned) db.close();
      throw mapSqliteError('prepare', error);
    }
  })();

  const decide = db.transaction(
    (buckets: readonly BucketRequest[], mode: 'all' | 'each', nowUs: number): BucketOutcome[] => {
      const current = buckets.map((bucket) => {
        const row = statements.read.get(bucket.key);
        return row === undefined || row.tat <= nowUs ? null : row.tat;
      });
      const { outcomes, newTats } = decideBuckets(nowUs, current, buckets, mode);
      for (let i = 0; i < buckets.length; i++) {
        const tat = newTats[i];
        if (tat !== null && tat !== undefined) statements.write.run(buckets[i]!.key, tat);
      }
      return outcomes;
    },
  );

  function take(buckets: readonly BucketRequest[], mode: 'all' | 'each', now: number): BucketOutcome[] {
    assertBuckets(buckets, mode, now);
    if (closed) throw new StoreOutageError('store_closed', 'The limit store was used after close()');
    const nowUs = now * 1000;
    let outcomes: BucketOutcome[];
    try {
      outcomes = decide.immediate(buckets, mode, nowUs);
    } catch (error) {
      throw mapSqliteError('limit take', error);
    }
    if (now - lastCleanup >= cleanupIntervalMs) {
      lastCleanup = now;
      try {
        statements.cleanup.run(nowUs, CLEANUP_BATCH);
      } catch {
        // A busy database skips this round; expired rows are harmless and go next time.
      }
    }
    return outcomes;
  }

  return {
    kind: 'sqlite',
    take: (buckets, mode, now) => {
      try {
        return Promise.resolve(take(buckets, mode, now));
      } catch (error) {
        return Promise.reject(error);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      if (owned) db.close();
    },
  };
}
