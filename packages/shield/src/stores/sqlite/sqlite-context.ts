import type Database from 'better-sqlite3';
import { StoreOutageError } from '../store-outage-error.js';

/** State shared by the SQLite stores of one connection. */
export interface SqliteContext {
  readonly db: Database.Database;
  /** The latest `now` any caller passed in: the periodic cleanup deletes only what it has seen expire. */
  latestNow: number;
  closed: boolean;
}

export function observeNow(context: SqliteContext, now: number): void {
  if (now > context.latestNow) context.latestNow = now;
}

function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  const { code } = error as { code: unknown };
  return typeof code === 'string' ? code : undefined;
}

/** Maps a better-sqlite3 error to the one error type the ports allow for I/O trouble. */
export function mapSqliteError(operation: string, error: unknown): StoreOutageError {
  const code = errorCode(error) ?? '';
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) {
    return new StoreOutageError('store_busy', `SQLite ${operation}: database locked (${code})`, {
      cause: error,
    });
  }
  return new StoreOutageError(
    'store_failed',
    `SQLite ${operation} failed${code === '' ? '' : ` (${code})`}`,
    {
      cause: error,
    },
  );
}

/**
 * Runs one synchronous database step: refuses after close() and maps every driver error to a
 * StoreOutageError. Argument checks run before it, so their TypeErrors are never mapped.
 */
export function runSqlite<T>(context: SqliteContext, operation: string, step: () => T): T {
  if (context.closed) throw new StoreOutageError('store_closed', 'The stores were used after close()');
  try {
    return step();
  } catch (error) {
    throw mapSqliteError(operation, error);
  }
}
