import { createClient, ErrorReply } from 'redis';
import { StoreError } from '../store-error.js';
import { StoreOutageError } from '../store-outage-error.js';

type RedisClient = ReturnType<typeof createClient>;

export interface RedisConnectionOptions {
  url: string;
  connectTimeoutMs: number;
  commandTimeoutMs: number;
  maxPendingCommands: number;
  onError: (error: StoreOutageError) => void;
}

/** One Redis client whose every command is bounded in time and mapped to the store errors. */
export interface RedisConnection {
  /** Runs one command: StoreOutageError on timeout, outage, close or an error reply. */
  command<T>(operation: string, run: (client: RedisClient) => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The only eviction policy under which Redis never deletes a key we wrote before its TTL. */
export const SAFE_EVICTION_POLICY = 'noeviction';

function mapRedisError(operation: string, error: unknown, closed: boolean): StoreOutageError {
  if (error instanceof StoreOutageError) return error;
  if (closed)
    return new StoreOutageError('store_closed', 'The stores were used after close()', { cause: error });
  if (error instanceof ErrorReply) {
    if (error.message.startsWith('OOM')) {
      return new StoreOutageError(
        'store_full',
        `Redis ${operation}: Redis is out of memory (maxmemory reached)`,
        {
          cause: error,
        },
      );
    }
    return new StoreOutageError('store_failed', `Redis ${operation}: Redis answered with an error`, {
      cause: error,
    });
  }
  if (error instanceof Error && error.message === 'The queue is full') {
    return new StoreOutageError('store_timeout', `Redis ${operation}: too many commands waiting for Redis`, {
      cause: error,
    });
  }
  return new StoreOutageError('store_unreachable', `Redis ${operation}: Redis is unreachable`, {
    cause: error,
  });
}

function withTimeout<T>(pending: Promise<T>, ms: number, operation: string): Promise<T> {
  // A reply that arrives after the timeout is dropped; its rejection must not go unhandled.
  pending.catch(() => undefined);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new StoreOutageError('store_timeout', `Redis ${operation}: no answer within ${ms} ms`)),
      ms,
    );
  });
  return Promise.race([pending, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Reads maxmemory-policy with CONFIG GET, or from INFO memory when CONFIG is disabled (managed
 * Redis often renames it). Returns undefined when neither tells.
 */
async function readEvictionPolicy(client: RedisClient, timeoutMs: number): Promise<string | undefined> {
  try {
    const reply = await withTimeout(client.configGet('maxmemory-policy'), timeoutMs, 'CONFIG GET');
    const policy = reply['maxmemory-policy'];
    if (typeof policy === 'string') return policy;
  } catch (error) {
    if (!(error instanceof ErrorReply)) throw error;
  }
  try {
    const info = await withTimeout(client.info('memory'), timeoutMs, 'INFO');
    return /^maxmemory_policy:([a-z-]+)\r?$/m.exec(info)?.[1];
  } catch (error) {
    if (!(error instanceof ErrorReply)) throw error;
    return undefined;
  }
}

/**
 * Why a policy is refused: every key we write carries a TTL, so volatile-* policies are exactly
 * the ones that pick our keys, and allkeys-* pick any key. Only noeviction is safe: a full Redis
 * then refuses writes (OOM, answered 503) instead of forgetting a replay key.
 */
function evictionPolicyError(policy: string | undefined): StoreError | undefined {
  if (policy === SAFE_EVICTION_POLICY) return undefined;
  if (policy === undefined) {
    return new StoreError(
      'redis_policy_unknown',
      'Could not read the Redis maxmemory-policy (CONFIG GET and INFO refused)',
    );
  }
  return new StoreError(
    'redis_eviction_policy',
    `Redis maxmemory-policy is ${policy}: Redis could evict replay and challenge keys; set it to noeviction`,
  );
}

/**
 * Connects to Redis and checks its eviction policy. No offline queue: while disconnected every
 * command fails at once (503) instead of piling up. The first connection is tried once, bounded
 * by connectTimeoutMs; after that the client reconnects in the background with capped backoff,
 * and re-checks the policy after each reconnect (a restarted Redis may have a new config).
 */
export async function connectRedis(options: RedisConnectionOptions): Promise<RedisConnection> {
  let connected = false;
  let closed = false;
  let refusal: StoreError | undefined;

  const client = createClient({
    url: options.url,
    disableOfflineQueue: true,
    commandsQueueMaxLength: options.maxPendingCommands,
    socket: {
      connectTimeout: options.connectTimeoutMs,
      reconnectStrategy: (retries: number) =>
        connected ? Math.min(50 * 2 ** retries, 2000) : new Error('The first connection to Redis failed'),
    },
  });
  // Without a listener an 'error' event would crash the process; commands report the outage.
  client.on('error', (error: unknown) => {
    if (!closed) options.onError(mapRedisError('connection', error, false));
  });

  const destroy = () => {
    if (client.isOpen) client.destroy();
  };

  try {
    await withTimeout(client.connect(), options.connectTimeoutMs, 'connect');
    refusal = evictionPolicyError(await readEvictionPolicy(client, options.commandTimeoutMs));
  } catch (error) {
    destroy();
    throw mapRedisError('connect', error, false);
  }
  if (refusal !== undefined) {
    destroy();
    throw refusal;
  }
  connected = true;

  client.on('ready', () => {
    readEvictionPolicy(client, options.commandTimeoutMs).then(
      (policy) => {
        refusal = evictionPolicyError(policy);
        if (refusal !== undefined) options.onError(new StoreOutageError(refusal.reason, refusal.message));
      },
      (error: unknown) => options.onError(mapRedisError('policy check', error, closed)),
    );
  });

  async function command<T>(operation: string, run: (client: RedisClient) => Promise<T>): Promise<T> {
    if (closed) throw new StoreOutageError('store_closed', 'The stores were used after close()');
    if (refusal !== undefined) throw new StoreOutageError(refusal.reason, refusal.message);
    try {
      return await withTimeout(run(client), options.commandTimeoutMs, operation);
    } catch (error) {
      throw mapRedisError(operation, error, closed);
    }
  }

  return {
    command,
    async ping() {
      await command('PING', (c) => c.ping());
    },
    async close() {
      if (closed) return;
      closed = true;
      destroy();
    },
  };
}
