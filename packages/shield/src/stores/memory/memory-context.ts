import { StoreOutageError } from '../store-outage-error.js';

/**
 * State shared by the memory stores of one `Stores`: the bound, whether close() was called, and
 * the latest `now` any caller passed in. Adapters never read the clock, so the background sweep
 * removes only what the callers' own clock has already seen expire.
 */
export interface MemoryContext {
  readonly maxEntries: number;
  latestNow: number;
  closed: boolean;
}

export function createMemoryContext(maxEntries: number): MemoryContext {
  return { maxEntries, latestNow: 0, closed: false };
}

export function observeNow(context: MemoryContext, now: number): void {
  if (now > context.latestNow) context.latestNow = now;
}

export function assertOpen(context: { closed: boolean }): void {
  if (context.closed) throw new StoreOutageError('store_closed', 'The stores were used after close()');
}

export function storeFull(store: string, maxEntries: number): StoreOutageError {
  return new StoreOutageError(
    'store_full',
    `The memory ${store} store holds its maximum of ${maxEntries} live entries`,
  );
}
