import type { AuditLog, AuditRecord } from '../stores/ports.js';

export interface AuditWriter {
  /** Queues one record; never throws and never blocks the request path. */
  write(record: Omit<AuditRecord, 'instance'>): void;
  /** Resolves when every queued record has been appended (or failed). */
  flush(): Promise<void>;
  stats(): { pending: number; written: number; failed: number; dropped: number };
}

/**
 * Appends audit records in order, off the request path, with a bounded queue: when the store
 * falls behind by `maxPending` records, further records are dropped and counted (and each drop
 * is reported through `onFailure`) instead of letting memory grow without bound.
 */
export function createAuditWriter(options: {
  log: AuditLog;
  instance: string;
  maxPending?: number;
  onFailure(kind: 'append_failed' | 'queue_full', error?: unknown): void;
}): AuditWriter {
  const maxPending = options.maxPending ?? 10_000;
  let pending = 0;
  let written = 0;
  let failed = 0;
  let dropped = 0;
  let tail: Promise<void> = Promise.resolve();

  return {
    write(record) {
      if (pending >= maxPending) {
        dropped += 1;
        options.onFailure('queue_full');
        return;
      }
      pending += 1;
      const full: AuditRecord = { ...record, instance: options.instance };
      tail = tail.then(async () => {
        try {
          await options.log.append(full);
          written += 1;
        } catch (error) {
          failed += 1;
          options.onFailure('append_failed', error);
        } finally {
          pending -= 1;
        }
      });
    },
    flush: () => tail,
    stats: () => ({ pending, written, failed, dropped }),
  };
}
