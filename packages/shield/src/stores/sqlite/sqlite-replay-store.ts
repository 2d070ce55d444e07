import type { ReplayStore } from '../ports.js';
import { assertKey, assertTime, assertTtl } from '../store-input.js';
import { observeNow, runSqlite, type SqliteContext } from './sqlite-context.js';

/**
 * Replay keys in the `replay` table. firstSeen() is one upsert: it inserts the key, or renews a
 * row that expired at `now`, and reports whether it changed a row; a live row is left alone.
 * One statement is atomic across every connection to the file.
 */
export function createSqliteReplayStore(context: SqliteContext): ReplayStore {
  const upsert = context.db.prepare<[string, number, number]>(
    `INSERT INTO replay (key, expires_at) VALUES (?, ?)
     ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE replay.expires_at <= ?`,
  );
  return {
    async firstSeen(key: string, ttlMs: number, now: number): Promise<boolean> {
      assertKey('key', key);
      assertTtl('ttlMs', ttlMs);
      assertTime('now', now);
      assertTime('now + ttlMs', now + ttlMs);
      const { changes } = runSqlite(context, 'replay firstSeen', () => upsert.run(key, now + ttlMs, now));
      observeNow(context, now);
      return changes === 1;
    },
  };
}
