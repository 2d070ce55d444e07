import type { AuditRecord } from './ports.js';

/** A copy that shares nothing mutable with the original (details is the only nested object). */
export function copyAuditRecord(record: AuditRecord): AuditRecord {
  return { ...record, details: record.details === null ? null : { ...record.details } };
}
