import type Database from 'better-sqlite3';
import { StoreError } from '../store-error.js';

/**
 * The schema, one entry per version: entry i moves a database from user_version i to i + 1.
 * Entries are never edited once released; a change is a new entry.
 */
const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE challenges (
    challenge TEXT PRIMARY KEY,
    app_id TEXT NOT NULL,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX challenges_expires_at ON challenges (expires_at);

  CREATE TABLE replay (
    key TEXT PRIMARY KEY,
    expires_at INTEGER NOT NULL
  );
  CREATE INDEX replay_expires_at ON replay (expires_at);

  CREATE TABLE devices (
    key_id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL,
    platform TEXT NOT NULL,
    level TEXT NOT NULL,
    public_key_jwk TEXT NOT NULL,
    counter INTEGER NOT NULL,
    receipt BLOB,
    test_root INTEGER NOT NULL CHECK (test_root IN (0, 1)),
    first_seen INTEGER NOT NULL,
    last_seen INTEGER NOT NULL,
    revoked_at INTEGER,
    revoked_reason TEXT
  );
  CREATE INDEX devices_app_id_key_id ON devices (app_id, key_id);

  CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    request_id TEXT NOT NULL,
    instance TEXT NOT NULL,
    event TEXT NOT NULL,
    decision TEXT NOT NULL,
    code TEXT NOT NULL,
    reason TEXT,
    app_id TEXT,
    route_id TEXT,
    method TEXT,
    path TEXT,
    client_ip TEXT,
    device_id_hash TEXT,
    user_id_hash TEXT,
    token_jti TEXT,
    level TEXT,
    upstream_status INTEGER,
    latency_ms REAL,
    details TEXT
  );
  CREATE INDEX audit_ts ON audit (ts, id);
  CREATE INDEX audit_request_id ON audit (request_id);
  CREATE INDEX audit_decision_ts ON audit (decision, ts, id);
  `,
  // What was attested (JSON of DeviceAttestation). Rows registered before stay NULL: those devices
  // cannot be re-checked against the current policy, so they must attest again.
  `
  ALTER TABLE devices ADD COLUMN attestation TEXT;
  `,
  `
  CREATE TABLE debug_credentials (
    id TEXT PRIMARY KEY,
    app_id TEXT NOT NULL,
    name TEXT NOT NULL,
    keyed_hash TEXT NOT NULL UNIQUE,
    audiences TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
  );
  CREATE INDEX debug_credentials_created_at ON debug_credentials (created_at);
  CREATE INDEX audit_device_ts ON audit (device_id_hash, ts);
  CREATE INDEX audit_route_ts ON audit (route_id, ts);
  `,
];

/** The schema version this code writes. */
export const SQLITE_SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings the database to SQLITE_SCHEMA_VERSION, tracked in PRAGMA user_version. Runs in one
 * IMMEDIATE transaction, so two processes opening a new file at once migrate it once. Refuses a
 * database written by a newer version (StoreError schema_too_new).
 */
export function migrateSqlite(db: Database.Database): void {
  const migrate = db.transaction(() => {
    const version = db.pragma('user_version', { simple: true });
    if (typeof version !== 'number' || version > MIGRATIONS.length) {
      throw new StoreError(
        'schema_too_new',
        `The SQLite database has schema version ${String(version)}; this Portcullis knows up to ${MIGRATIONS.length}`,
      );
    }
    for (const migration of MIGRATIONS.slice(version)) db.exec(migration);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  });
  migrate.immediate();
}
