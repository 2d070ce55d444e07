import type { DebugCredentialStore, StoredDebugCredential } from '../ports.js';
import { StoreError } from '../store-error.js';
import { assertDeviceQuery, assertKey, assertStoredDebugCredential, assertTime } from '../store-input.js';
import { runSqlite, type SqliteContext } from './sqlite-context.js';

interface Row {
  id: string;
  app_id: string;
  name: string;
  keyed_hash: string;
  audiences: string | null;
  created_at: number;
  expires_at: number;
  revoked_at: number | null;
}

const COLUMNS = 'id, app_id, name, keyed_hash, audiences, created_at, expires_at, revoked_at';

function decode(row: Row): StoredDebugCredential {
  return {
    id: row.id,
    appId: row.app_id,
    name: row.name,
    keyedHash: row.keyed_hash,
    audiences: row.audiences === null ? null : (JSON.parse(row.audiences) as string[]),
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

/** Debug credentials issued at run time, in the `debug_credentials` table. */
export function createSqliteDebugCredentialStore(context: SqliteContext): DebugCredentialStore {
  const { db } = context;
  const insert = db.prepare<[Row]>(
    `INSERT OR IGNORE INTO debug_credentials (${COLUMNS})
     VALUES (:id, :app_id, :name, :keyed_hash, :audiences, :created_at, :expires_at, :revoked_at)`,
  );
  const byHash = db.prepare<[string], Row>(`SELECT ${COLUMNS} FROM debug_credentials WHERE keyed_hash = ?`);
  const listAll = db.prepare<[number], Row>(
    `SELECT ${COLUMNS} FROM debug_credentials ORDER BY created_at DESC, id LIMIT ?`,
  );
  const listApp = db.prepare<[string, number], Row>(
    `SELECT ${COLUMNS} FROM debug_credentials WHERE app_id = ? ORDER BY created_at DESC, id LIMIT ?`,
  );
  const revoke = db.prepare<[number, string]>(
    'UPDATE debug_credentials SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?',
  );
  return {
    async add(credential) {
      assertStoredDebugCredential(credential);
      const changes = runSqlite(context, 'debug credential add', () =>
        insert.run({
          id: credential.id,
          app_id: credential.appId,
          name: credential.name,
          keyed_hash: credential.keyedHash,
          audiences: credential.audiences === null ? null : JSON.stringify(credential.audiences),
          created_at: credential.createdAt,
          expires_at: credential.expiresAt,
          revoked_at: credential.revokedAt,
        }),
      ).changes;
      if (changes === 0)
        throw new StoreError('debug_credential_exists', 'This debug credential is already stored');
    },
    async findByHash(keyedHash) {
      assertKey('keyedHash', keyedHash);
      const row = runSqlite(context, 'debug credential find', () => byHash.get(keyedHash));
      return row === undefined ? null : decode(row);
    },
    async list(query) {
      assertDeviceQuery(query);
      const rows = runSqlite(context, 'debug credential list', () =>
        query.appId === undefined ? listAll.all(query.limit) : listApp.all(query.appId, query.limit),
      );
      return rows.map(decode);
    },
    async revoke(id, now) {
      assertKey('id', id);
      assertTime('now', now);
      return runSqlite(context, 'debug credential revoke', () => revoke.run(now, id).changes) > 0;
    },
  };
}
