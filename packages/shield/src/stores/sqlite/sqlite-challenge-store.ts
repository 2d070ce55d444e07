import type { ChallengeStore, IssuedChallenge } from '../ports.js';
import { StoreError } from '../store-error.js';
import { assertIssuedChallenge, assertTime, isStorableKey } from '../store-input.js';
import { observeNow, runSqlite, type SqliteContext } from './sqlite-context.js';

/**
 * Challenges in the `challenges` table. consume() is one `DELETE ... RETURNING`: atomic across
 * every connection to the file, and it spends the challenge whatever the outcome (an expired
 * challenge is deleted and reported as null).
 */
export function createSqliteChallengeStore(context: SqliteContext): ChallengeStore {
  const { db } = context;
  const insert = db.prepare<[string, string, number]>(
    'INSERT INTO challenges (challenge, app_id, expires_at) VALUES (?, ?, ?) ON CONFLICT (challenge) DO NOTHING',
  );
  const take = db.prepare<[string], { app_id: string; expires_at: number }>(
    'DELETE FROM challenges WHERE challenge = ? RETURNING app_id, expires_at',
  );
  return {
    async issue(record: IssuedChallenge): Promise<void> {
      assertIssuedChallenge(record);
      const { changes } = runSqlite(context, 'challenge issue', () =>
        insert.run(record.challenge, record.appId, record.expiresAt),
      );
      if (changes === 0) throw new StoreError('challenge_exists', 'This challenge value is already stored');
    },
    async consume(challenge: string, now: number): Promise<IssuedChallenge | null> {
      assertTime('now', now);
      if (!isStorableKey('challenge', challenge)) return null;
      const row = runSqlite(context, 'challenge consume', () => take.get(challenge));
      observeNow(context, now);
      if (row === undefined || row.expires_at <= now) return null;
      return { challenge, appId: row.app_id, expiresAt: row.expires_at };
    },
  };
}
