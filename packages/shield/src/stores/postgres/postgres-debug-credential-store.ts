import type { DebugCredentialStore, StoredDebugCredential } from '../ports.js';
import { StoreError } from '../store-error.js';
import { assertDeviceQuery, assertKey, assertStoredDebugCredential, assertTime } from '../store-input.js';
import { type PostgresContext, queryPostgres, toNumber } from './postgres-context.js';
import { decodeText, encodeText } from './postgres-text.js';

interface Row {
  id: string;
  app_id: string;
  name: string;
  keyed_hash: string;
  audiences: string[] | null;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
}

const COLUMNS = 'id, app_id, name, keyed_hash, audiences, created_at, expires_at, revoked_at';

function decode(row: Row): StoredDebugCredential {
  return {
    id: row.id,
    appId: row.app_id,
    name: decodeText(row.name),
    keyedHash: row.keyed_hash,
    audiences: row.audiences,
    createdAt: toNumber(row.created_at),
    expiresAt: toNumber(row.expires_at),
    revokedAt: row.revoked_at === null ? null : toNumber(row.revoked_at),
  };
}

/** Debug credentials issued at run time, in `<schema>.debug_credentials`, shared by every instance. */
export function createPostgresDebugCredentialStore(context: PostgresContext): DebugCredentialStore {
  const table = `${context.schema}.debug_credentials`;
  return {
    async add(credential) {
      assertStoredDebugCredential(credential);
      const result = await queryPostgres(
        context,
        'debug credential add',
        `INSERT INTO ${table} (${COLUMNS}) VALUES ($1, $2, $3, $4, $5::json, $6, $7, $8) ON CONFLICT DO NOTHING`,
        [
          credential.id,
          credential.appId,
          encodeText(credential.name),
          credential.keyedHash,
          credential.audiences === null ? null : JSON.stringify(credential.audiences),
          credential.createdAt,
          credential.expiresAt,
          credential.revokedAt,
        ],
      );
      if (result.rowCount === 0) {
        throw new StoreError('debug_credential_exists', 'This debug credential is already stored');
      }
    },
    async findByHash(keyedHash) {
      assertKey('keyedHash', keyedHash);
      const { rows } = await queryPostgres<Row>(
        context,
        'debug credential find',
        `SELECT ${COLUMNS} FROM ${table} WHERE keyed_hash = $1`,
        [keyedHash],
      );
      return rows[0] === undefined ? null : decode(rows[0]);
    },
    async list(query) {
      assertDeviceQuery(query);
      const { rows } =
        query.appId === undefined
          ? await queryPostgres<Row>(
              context,
              'debug credential list',
              `SELECT ${COLUMNS} FROM ${table} ORDER BY created_at DESC, id LIMIT $1`,
              [query.limit],
            )
          : await queryPostgres<Row>(
              context,
              'debug credential list',
              `SELECT ${COLUMNS} FROM ${table} WHERE app_id = $1 ORDER BY created_at DESC, id LIMIT $2`,
              [query.appId, query.limit],
            );
      return rows.map(decode);
    },
    async revoke(id, now) {
      assertKey('id', id);
      assertTime('now', now);
      const result = await queryPostgres(
        context,
        'debug credential revoke',
        `UPDATE ${table} SET revoked_at = coalesce(revoked_at, $1) WHERE id = $2`,
        [now, id],
      );
      return (result.rowCount ?? 0) > 0;
    },
  };
}
