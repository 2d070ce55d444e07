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
  ChallengeStore,
  DeviceAttestation,
  DeviceRecord,
  DeviceStore,
  IssuedChallenge,
  NewDevice,
  ReplayStore,
  Stores,
} from './ports.js';
export { StoreUnavailableError } from './ports.js';
export {
  createPostgresStores,
  type PostgresStores,
  type PostgresStoresOptions,
} from './postgres/create-postgres-stores.js';
export { createRedisStores, type RedisStores, type RedisStoresOptions } from './redis/create-redis-stores.js';
export { createSqliteStores, type SqliteStoresOptions } from './sqlite/create-sqlite-stores.js';
export { StoreError } from './store-error.js';
export { MAX_KEY_LENGTH, MAX_PAGE_SIZE } from './store-input.js';
export { StoreOutageError } from './store-outage-error.js';
export { STORE_REASONS, type StoreReason } from './store-reasons.js';
