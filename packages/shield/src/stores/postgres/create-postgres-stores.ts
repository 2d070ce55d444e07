import pg from 'pg';
import type { AuditLog, DebugCredentialStore, DeviceStore } from '../ports.js';
import { StoreError } from '../store-error.js';
import type { StoreOutageError } from '../store-outage-error.js';
import { createPostgresAuditLog } from './postgres-audit-log.js';
import { mapPostgresError, type PostgresContext, queryPostgres } from './postgres-context.js';
import { createPostgresDebugCredentialStore } from './postgres-debug-credential-store.js';
import { createPostgresDeviceStore } from './postgres-device-store.js';
import { migratePostgres } from './postgres-schema.js';

export interface PostgresStoresOptions {
  /** `postgres://user:password@host:port/database`. Never logged. */
  url: string;
  /** Schema holding our tables, created when missing. Default `portcullis`. */
  schema?: string;
  /** Bound on getting a connection, in ms. Default 2000. */
  connectTimeoutMs?: number;
  /** Server-side statement_timeout (lock waits included), in ms. Default 2000. */
  statementTimeoutMs?: number;
  /** Pool size. Default 10. */
  maxConnections?: number;
  /** Told about errors of idle pooled connections (the pool replaces them). */
  onError?: (error: StoreOutageError) => void;
}

/** The PostgreSQL half of the redis+postgres stores. */
export interface PostgresStores {
  devices: DeviceStore;
  audit: AuditLog;
  debugCredentials: DebugCredentialStore;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new TypeError(`${name} must be a positive integer`);
  return value;
}

/**
 * Devices and the audit trail in PostgreSQL (pg 8 Pool), shared by every instance. Migrates its
 * schema on start; every statement is bounded by statement_timeout (and a client-side timeout a
 * little longer), and every connection or timeout error is a StoreOutageError.
 *
 * @example
 * ```ts
 * const postgres = await createPostgresStores({ url: 'postgres://shield@db/shield' });
 * ```
 */
export async function createPostgresStores(options: PostgresStoresOptions): Promise<PostgresStores> {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new TypeError('postgresUrl must be a postgres:// or postgresql:// URL');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new TypeError('postgresUrl must be a postgres:// or postgresql:// URL');
  }
  const schemaName = options.schema ?? 'portcullis';
  if (!SCHEMA_NAME.test(schemaName)) {
    throw new TypeError('schema must be 1 to 63 characters of a-z 0-9 _, not starting with a digit');
  }
  const connectTimeoutMs = positiveInteger('connectTimeoutMs', options.connectTimeoutMs ?? 2000);
  const statementTimeoutMs = positiveInteger('statementTimeoutMs', options.statementTimeoutMs ?? 2000);
  const max = positiveInteger('maxConnections', options.maxConnections ?? 10);

  const pool = new pg.Pool({
    connectionString: options.url,
    max,
    connectionTimeoutMillis: connectTimeoutMs,
    idleTimeoutMillis: 30_000,
    statement_timeout: statementTimeoutMs,
    // The client-side bound catches a server that stopped answering altogether.
    query_timeout: statementTimeoutMs + 1000,
    idle_in_transaction_session_timeout: statementTimeoutMs + 1000,
    application_name: 'portcullis',
  });
  const onError = options.onError ?? (() => undefined);
  // Without a listener an idle connection's error would crash the process.
  pool.on('error', (error) => onError(mapPostgresError('idle connection', error, false)));

  const context: PostgresContext = { pool, schema: `"${schemaName}"`, closed: false };
  try {
    await migratePostgres(pool, schemaName, context.schema);
  } catch (error) {
    context.closed = true;
    await pool.end().catch(() => undefined);
    throw error instanceof StoreError ? error : mapPostgresError('migrate', error, false);
  }

  return {
    devices: createPostgresDeviceStore(context),
    audit: createPostgresAuditLog(context),
    debugCredentials: createPostgresDebugCredentialStore(context),
    async ping() {
      await queryPostgres(context, 'ping', 'SELECT 1');
    },
    async close() {
      if (context.closed) return;
      context.closed = true;
      await pool.end();
    },
  };
}
