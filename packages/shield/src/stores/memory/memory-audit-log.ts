import { copyAuditRecord } from '../copy-audit-record.js';
import type { AuditLog, AuditQuery, AuditRecord, AuditSummaryQuery, AuditSummaryRow } from '../ports.js';
import {
  assertAuditQuery,
  assertAuditRecord,
  assertAuditSummaryQuery,
  assertTime,
  summaryDetails,
} from '../store-input.js';
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
        if (query.until !== undefined && record.ts >= query.until) continue;
        if (query.requestId !== undefined && record.requestId !== query.requestId) continue;
        if (query.decision !== undefined && record.decision !== query.decision) continue;
        if (query.event !== undefined && record.event !== query.event) continue;
        if (query.deviceIdHash !== undefined && record.deviceIdHash !== query.deviceIdHash) continue;
        if (query.routeId !== undefined && record.routeId !== query.routeId) continue;
        if (query.reason !== undefined && record.reason !== query.reason) continue;
        found.push(record);
      }
      // Newest by ts, as the SQL adapters order; the stable sort keeps the later append first on
      // equal ts.
      found.sort((a, b) => b.ts - a.ts);
      return found.slice(0, query.limit).map(copyAuditRecord);
    },
    async summarize(query: AuditSummaryQuery): Promise<AuditSummaryRow[]> {
      assertAuditSummaryQuery(query);
      assertOpen(context);
      const rows = new Map<string, AuditSummaryRow>();
      for (const record of newestFirst()) {
        if (record.ts < query.since || record.ts >= query.until) continue;
        const row: AuditSummaryRow = {
          bucket: record.ts - (record.ts % query.bucketMs),
          event: record.event,
          decision: record.decision,
          code: record.code,
          reason: record.reason,
          appId: record.appId,
          routeId: record.routeId,
          level: record.level,
          ...summaryDetails(record.details),
          count: 0,
        };
        const key = JSON.stringify(Object.values(row));
        const existing = rows.get(key);
        if (existing === undefined) rows.set(key, { ...row, count: 1 });
        else existing.count += 1;
      }
      return [...rows.values()];
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
