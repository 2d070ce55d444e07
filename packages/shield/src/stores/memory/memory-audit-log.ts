import { copyAuditRecord } from '../copy-audit-record.js';
import type { AuditLog, AuditQuery, AuditRecord } from '../ports.js';
import { assertAuditQuery, assertAuditRecord, assertTime } from '../store-input.js';
import { assertOpen, type MemoryContext, observeNow } from './memory-context.js';

/** A memory AuditLog plus a hook to drop everything on close. */
export interface MemoryAuditLog extends AuditLog {
  clear(): void;
}

/**
 * The newest `maxEntries` audit records in a ring buffer: when full, the oldest record gives way.
 * Unlike challenges and replay keys, an audit record protects nothing by being kept in memory,
 * and a log that refused new records would hide exactly the newest decisions; a durable audit
 * trail needs SQLite or PostgreSQL.
 */
export function createMemoryAuditLog(context: MemoryContext): MemoryAuditLog {
  const capacity = context.maxEntries;
  let ring: (AuditRecord | undefined)[] = [];
  let next = 0; // slot of the next append once the ring is full
  let count = 0;

  // Records from newest to oldest.
  function* newestFirst(): Generator<AuditRecord> {
    for (let i = 1; i <= count; i += 1) {
      const record = ring[(next - i + capacity) % capacity];
      if (record !== undefined) yield record;
    }
  }

  return {
    async append(record: AuditRecord): Promise<void> {
      assertAuditRecord(record);
      assertOpen(context);
      // Every decision is audited, so its time is the freshest `now` the stores see: without it a
      // shield that only issues challenges never lets the sweep expire them (as the SQLite log does).
      observeNow(context, record.ts);
      ring[next] = copyAuditRecord(record);
      next = (next + 1) % capacity;
      if (count < capacity) count += 1;
    },
    async query(query: AuditQuery): Promise<AuditRecord[]> {
      assertAuditQuery(query);
      assertOpen(context);
      const found: AuditRecord[] = [];
      for (const record of newestFirst()) {
        if (query.since !== undefined && record.ts < query.since) continue;
        if (query.requestId !== undefined && record.requestId !== query.requestId) continue;
        if (query.decision !== undefined && record.decision !== query.decision) continue;
        if (query.event !== undefined && record.event !== query.event) continue;
        found.push(record);
      }
      // Newest by ts, as the SQL adapters order; the stable sort keeps the later append first on
      // equal ts.
      found.sort((a, b) => b.ts - a.ts);
      return found.slice(0, query.limit).map(copyAuditRecord);
    },
    async prune(olderThan: number): Promise<number> {
      assertTime('olderThan', olderThan);
      assertOpen(context);
      const kept = [...newestFirst()].filter((r) => r.ts >= olderThan).reverse();
      const removed = count - kept.length;
      ring = kept;
      count = kept.length;
      next = count % capacity;
      return removed;
    },
    clear() {
      ring = [];
      next = 0;
      count = 0;
    },
  };
}
