import type pg from 'pg';
import { StoreError } from '../store-error.js';

/**
 * The schema, one entry per version: entry i moves a schema from version i to i + 1. Entries are
 * never edited once released; a change is a new entry. `s` is the quoted schema name. Text keys
 * use COLLATE "C" so that `list` pages in byte order like the other adapters.
 */
const MIGRATIONS: readonly ((s: string) => string)[] = [
  (s) => `
  CREATE TABLE ${s}.devices (
    key_id text COLLATE "C" PRIMARY KEY,
    app_id text COLLATE "C" NOT NULL,
    platform text NOT NULL,
    level text NOT NULL,
    public_key_jwk json NOT NULL,
    counter bigint NOT NULL,
    receipt bytea,
    test_root boolean NOT NULL,
    first_seen bigint NOT NULL,
    last_seen bigint NOT NULL,
    revoked_at bigint,
    revoked_reason text
  );
  CREATE INDEX devices_app_id_key_id ON ${s}.devices (app_id, key_id);

  CREATE TABLE ${s}.audit (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    ts bigint NOT NULL,
    request_id text COLLATE "C" NOT NULL,
    instance text NOT NULL,
    event text NOT NULL,
    decision text NOT NULL,
    code text NOT NULL,
    reason text,
    app_id text,
    route_id text,
    method text,
    path text,
    client_ip text,
    device_id_hash text,
    user_id_hash text,
    token_jti text,
    level text,
    upstream_status integer,
    latency_ms double precision,
    details json
  );
  CREATE INDEX audit_ts ON ${s}.audit (ts, id);
  CREATE INDEX audit_request_id ON ${s}.audit (request_id);
  CREATE INDEX audit_decision_ts ON ${s}.audit (decision, ts, id);
  `,
  // What was attested (DeviceAttestation). Rows registered before stay NULL: those devices cannot
  // be re-checked against the current policy, so they must attest again.
  (s) => `
  ALTER TABLE ${s}.devices ADD COLUMN attestation json;
  `,
  (s) => `
  CREATE TABLE ${s}.debug_credentials (
    id text COLLATE "C" PRIMARY KEY,
    app_id text COLLATE "C" NOT NULL,
    name text NOT NULL,
    keyed_hash text COLLATE "C" NOT NULL UNIQUE,
    audiences json,
    created_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    revoked_at bigint
  );
  CREATE INDEX debug_credentials_created_at ON ${s}.debug_credentials (created_at);
  CREATE INDEX audit_device_ts ON ${s}.audit (device_id_hash, ts);
  CREATE INDEX audit_route_ts ON ${s}.audit (route_id, ts);
  `,
];

/** The schema version this code writes. */
export const POSTGRES_SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings `schema` to POSTGRES_SCHEMA_VERSION, recorded in `<schema>.schema_migrations`. Runs in
 * one transaction under an advisory lock, so instances starting together migrate once. Refuses
 * a schema written by a newer version (StoreError schema_too_new).
 */
export async function migratePostgres(
  pool: pg.Pool,
  schemaName: string,
  quotedSchema: string,
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`portcullis:migrate:${schemaName}`]);
    const exists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schemaName]);
    if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${quotedSchema}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${quotedSchema}.schema_migrations (
         version integer PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const { rows } = await client.query<{ version: number }>(
      `SELECT coalesce(max(version), 0)::integer AS version FROM ${quotedSchema}.schema_migrations`,
    );
    const version = rows[0]?.version ?? 0;
    if (version > MIGRATIONS.length) {
      throw new StoreError(
        'schema_too_new',
        `The PostgreSQL schema has version ${version}; this Portcullis knows up to ${MIGRATIONS.length}`,
      );
    }
    for (let next = version; next < MIGRATIONS.length; next += 1) {
      await client.query(MIGRATIONS[next]!(quotedSchema));
      await client.query(`INSERT INTO ${quotedSchema}.schema_migrations (version) VALUES ($1)`, [next + 1]);
    }
    await client.query('COMMIT');
    client.release();
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    // Destroy rather than return a connection whose state is unknown.
    client.release(true);
    throw error;
  }
}
