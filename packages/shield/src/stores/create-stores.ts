import type { Stores } from './ports.js';
import { StoreError } from './store-error.js';
import type { StoreOutageError } from './store-outage-error.js';

/** Which stores the shield uses (`store:` in portcullis.yaml). */
export type StoreConfig =
  | {
      kind: 'memory';
      /** Most entries per store. Default 100 000. */
      maxEntries?: number;
      /** Sweep period of expired entries, ms. Default 30 000. */
      sweepIntervalMs?: number;
    }
  | {
      kind: 'sqlite';
      /** Database file, created when missing. */
      path: string;
      /** Wait for another connection's write lock, ms. Default 5000. */
      busyTimeoutMs?: number;
      /** Period of the expired-row cleanup, ms. Default 60 000. */
      cleanupIntervalMs?: number;
    }
  | {
      kind: 'redis+postgres';
      /** Challenges and replay keys. */
      redisUrl: string;
      /** Devices and the audit trail. */
      postgresUrl: string;
      /** Redis key prefix. Default `portcullis:`. */
      keyPrefix?: string;
      /** PostgreSQL schema. Default `portcullis`. */
      schema?: string;
      /** Bound on connecting to either service, ms. Default 2000. */
      connectTimeoutMs?: number;
      /** Bound on each Redis command, ms. Default 500. */
      commandTimeoutMs?: number;
      /** PostgreSQL statement_timeout, ms. Default 2000. */
      statementTimeoutMs?: number;
      /** How long Redis keeps an unconsumed challenge, ms. Default 600 000. */
      challengeRetentionMs?: number;
    };

export interface CreateStoresOptions {
  /**
   * How many instances or workers of the shield share these stores. Default 1. More than one
   * refuses the memory store (StoreError memory_multi_instance, F-05).
   */
  instances?: number;
  /** Told about background trouble seen outside a call (lost connections, failed cleanup). */
  onError?: (error: StoreOutageError) => void;
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

async function createRedisPostgresStores(
  config: Extract<StoreConfig, { kind: 'redis+postgres' }>,
  onError: ((error: StoreOutageError) => void) | undefined,
): Promise<Stores> {
  const [{ createRedisStores }, { createPostgresStores }] = await Promise.all([
    import('./redis/create-redis-stores.js'),
    import('./postgres/create-postgres-stores.js'),
  ]);
  const [redis, postgres] = await Promise.allSettled([
    createRedisStores({
      url: config.redisUrl,
      ...optional('keyPrefix', config.keyPrefix),
      ...optional('connectTimeoutMs', config.connectTimeoutMs),
      ...optional('commandTimeoutMs', config.commandTimeoutMs),
      ...optional('challengeRetentionMs', config.challengeRetentionMs),
      ...optional('onError', onError),
    }),
    createPostgresStores({
      url: config.postgresUrl,
      ...optional('schema', config.schema),
      ...optional('connectTimeoutMs', config.connectTimeoutMs),
      ...optional('statementTimeoutMs', config.statementTimeoutMs),
      ...optional('onError', onError),
    }),
  ]);
  if (redis.status === 'rejected' || postgres.status === 'rejected') {
    if (redis.status === 'fulfilled') await redis.value.close();
    if (postgres.status === 'fulfilled') await postgres.value.close();
    throw redis.status === 'rejected' ? redis.reason : (postgres as PromiseRejectedResult).reason;
  }
  return {
    challenges: redis.value.challenges,
    replay: redis.value.replay,
    devices: postgres.value.devices,
    audit: postgres.value.audit,
    debugCredentials: postgres.value.debugCredentials,
    async ping() {
      await Promise.all([redis.value.ping(), postgres.value.ping()]);
    },
    async close() {
      await Promise.all([redis.value.close(), postgres.value.close()]);
    },
  };
}

/**
 * Builds the shield's stores from config, loading only the adapter (and its driver) of that kind.
 * `memory` for development and one process; `sqlite` (the default of `portcullis init`) for one
 * machine, several workers included; `redis+postgres` for several machines. Rejects with TypeError for bad config, StoreError for a refused setup
 * (memory under several instances, an evicting Redis, a newer schema) and StoreOutageError
 * (a StoreUnavailableError) when a service cannot be reached: never falls back to another kind.
 *
 * @example
 * ```ts
 * const stores = await createStores({ kind: 'sqlite', path: './data/portcullis.db' }, { instances: 2 });
 * await stores.ping();
 * ```
 */
export async function createStores(config: StoreConfig, options: CreateStoresOptions = {}): Promise<Stores> {
  const instances = options.instances ?? 1;
  if (!Number.isSafeInteger(instances) || instances < 1)
    throw new TypeError('instances must be a positive integer');
  switch (config.kind) {
    case 'memory': {
      if (instances > 1) {
        throw new StoreError(
          'memory_multi_instance',
          `The memory store cannot be shared by ${instances} instances: each would accept the other's replays`,
        );
      }
      const { createMemoryStores } = await import('./memory/create-memory-stores.js');
      return createMemoryStores({
        ...optional('maxEntries', config.maxEntries),
        ...optional('sweepIntervalMs', config.sweepIntervalMs),
      });
    }
    case 'sqlite': {
      const { createSqliteStores } = await import('./sqlite/create-sqlite-stores.js');
      return createSqliteStores({
        path: config.path,
        ...optional('busyTimeoutMs', config.busyTimeoutMs),
        ...optional('cleanupIntervalMs', config.cleanupIntervalMs),
        ...optional('onCleanupError', options.onError),
      });
    }
    case 'redis+postgres':
      return createRedisPostgresStores(config, options.onError);
    default:
      throw new TypeError('store kind must be memory, sqlite or redis+postgres');
  }
}
