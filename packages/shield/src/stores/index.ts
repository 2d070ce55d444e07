// The stores' public surface. The conformance suite (./conformance.js) is imported by path from
// tests only, so that production code never loads node:test.
export { type CreateStoresOptions, createStores, type StoreConfig } from './create-stores.js';
export { createMemoryStores, type MemoryStoresOptions } from './memory/create-memory-stores.js';
export type {
  AuditDecision,
  AuditEvent,
  AuditLog,
  AuditQuery,
  AuditRecord,
  AuditSummaryQuery,
  AuditSummaryRow,
  ChallengeStore,
  DebugCredentialStore,
  DeviceAttestation,
  DeviceRecord,
  DeviceStore,
  IssuedChallenge,
  NewDevice,
  ReplayStore,
  StoredDebugCredential,
  Stores,
} from './ports.js';
export { AUDIT_SUMMARY_DETAILS, StoreUnavailableError } from './ports.js';
// The adapters that load a driver (pg, redis, better-sqlite3) are imported by path: createStores
// loads only the one its config names, so a shield never loads the drivers it does not use.
export type { PostgresStores, PostgresStoresOptions } from './postgres/create-postgres-stores.js';
export type { RedisStores, RedisStoresOptions } from './redis/create-redis-stores.js';
export type { SqliteStoresOptions } from './sqlite/create-sqlite-stores.js';
export { StoreError } from './store-error.js';
export { MAX_KEY_LENGTH, MAX_PAGE_SIZE } from './store-input.js';
export { StoreOutageError } from './store-outage-error.js';
export { STORE_REASONS, type StoreReason } from './store-reasons.js';
