import type pg from 'pg';
import { StoreOutageError } from '../store-outage-error.js';

/** State shared by the PostgreSQL stores of one pool. */
export interface PostgresContext {
  readonly pool: pg.Pool;
  /** The schema name, already quoted for SQL. */
  readonly schema: string;
  closed: boolean;
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'EAI_AGAIN',
]);

function errorCode(error: unknown): string {
  if (typeof error !== 'object' || error === null || !('code' in error)) return '';
  const { code } = error as { code: unknown };
  return typeof code === 'string' ? code : '';
}

/** Maps a pg error to the one error type the ports allow for I/O trouble. */
export function mapPostgresError(operation: string, error: unknown, closed: boolean): StoreOutageError {
  if (error instanceof StoreOutageError) return error;
  if (closed)
    return new StoreOutageError('store_closed', 'The stores were used after close()', { cause: error });
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : '';
  // 57014: statement_timeout; the others are pg's client-side query and connect timeouts.
  if (code === '57014' || /timeout/i.test(message)) {
    return new StoreOutageError('store_timeout', `PostgreSQL ${operation}: timed out`, { cause: error });
  }
  // Class 08 connection exceptions, 57P0x shutdown / cannot connect now, 53300 too many connections.
  if (
    UNREACHABLE_CODES.has(code) ||
    code.startsWith('08') ||
    code.startsWith('57P') ||
    code === '53300' ||
    /Connection terminated/i.test(message)
  ) {
    return new StoreOutageError('store_unreachable', `PostgreSQL ${operation}: PostgreSQL is unreachable`, {
      cause: error,
    });
  }
  return new StoreOutageError(
    'store_failed',
    `PostgreSQL ${operation} failed${code === '' ? '' : ` (${code})`}`,
    {
      cause: error,
    },
  );
}

/** Runs one statement on the pool: refuses after close() and maps every error. */
export async function queryPostgres<R extends pg.QueryResultRow>(
  context: PostgresContext,
  operation: string,
  text: string,
  values: unknown[] = [],
): Promise<pg.QueryResult<R>> {
  if (context.closed) throw new StoreOutageError('store_closed', 'The stores were used after close()');
  try {
    return await context.pool.query<R>(text, values);
  } catch (error) {
    throw mapPostgresError(operation, error, context.closed);
  }
}

/** A bigint column (returned by pg as a string) as a number; every value we store is a safe integer. */
export function toNumber(value: string | number): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n)) {
    throw new StoreOutageError('store_failed', 'PostgreSQL returned a number outside the safe integer range');
  }
  return n;
}
