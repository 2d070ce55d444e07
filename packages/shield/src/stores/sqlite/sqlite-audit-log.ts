import type Database from 'better-sqlite3';
import type { AuditLog, AuditQuery, AuditRecord, AuditSummaryRow } from '../ports.js';
import { assertAuditQuery, assertAuditRecord, assertAuditSummaryQuery, assertTime } from '../store-input.js';
import { observeNow, runSqlite, type SqliteContext } from './sqlite-context.js';

interface AuditRow {
  ts: number;
  request_id: string;
  instance: string;
  event: AuditRecord['event'];
  decision: AuditRecord['decision'];
  code: string;
  reason: string | null;
  app_id: string | null;
  route_id: string | null;
  method: string | null;
  path: string | null;
  client_ip: string | null;
  device_id_hash: string | null;
  user_id_hash: string | null;
  token_jti: string | null;
  level: string | null;
  upstream_status: number | null;
  latency_ms: number | null;
  details: string | null;
}

const COLUMNS = [
  'ts',
  'request_id',
  'instance',
  'event',
  'decision',
  'code',
  'reason',
  'app_id',
  'route_id',
  'method',
  'path',
  'client_ip',
  'device_id_hash',
  'user_id_hash',
  'token_jti',
  'level',
  'upstream_status',
  'latency_ms',
  'details',
] as const satisfies readonly (keyof AuditRow)[];

function encode(record: AuditRecord): AuditRow {
  return {
    ts: record.ts,
    request_id: record.requestId,
    instance: record.instance,
    event: record.event,
    decision: record.decision,
    code: record.code,
    reason: record.reason,
    app_id: record.appId,
    route_id: record.routeId,
    method: record.method,
    path: record.path,
    client_ip: record.clientIp,
    device_id_hash: record.deviceIdHash,
    user_id_hash: record.userIdHash,
    token_jti: record.tokenJti,
    level: record.level,
    upstream_status: record.upstreamStatus,
    latency_ms: record.latencyMs,
    details: record.details === null ? null : JSON.stringify(record.details),
  };
}

function decode(row: AuditRow): AuditRecord {
  return {
    ts: row.ts,
    requestId: row.request_id,
    instance: row.instance,
    event: row.event,
    decision: row.decision,
    code: row.code,
    reason: row.reason,
    appId: row.app_id,
    routeId: row.route_id,
    method: row.method,
    path: row.path,
    clientIp: row.client_ip,
    deviceIdHash: row.device_id_hash,
    userIdHash: row.user_id_hash,
    tokenJti: row.token_jti,
    level: row.level,
    upstreamStatus: row.upstream_status,
    latencyMs: row.latency_ms,
    details: row.details === null ? null : (JSON.parse(row.details) as AuditRecord['details']),
  };
}

const FILTERS = {
  since: 'ts >= :since',
  until: 'ts < :until',
  requestId: 'request_id = :requestId',
  decision: 'decision = :decision',
  event: 'event = :event',
  deviceIdHash: 'device_id_hash = :deviceIdHash',
  routeId: 'route_id = :routeId',
  reason: 'reason = :reason',
} as const satisfies Record<keyof Omit<AuditQuery, 'limit'>, string>;

/**
 * The audit trail in the `audit` table: one row per record with every AuditRecord field as a
 * column and `details` as JSON text. Values are bound parameters, stored as given (control
 * characters included) and returned unchanged; escaping for display is the reader's job.
 */
export function createSqliteAuditLog(context: SqliteContext): AuditLog {
  const { db } = context;
  const insert = db.prepare<[AuditRow]>(
    `INSERT INTO audit (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map((c) => `:${c}`).join(', ')})`,
  );
  const prune = db.prepare<[number]>('DELETE FROM audit WHERE ts < ?');
  // One transaction per batch: a commit per row costs ~150-190 us on disk, a row in a batch ~20 us.
  const insertMany = db.transaction((rows: readonly AuditRow[]) => {
    for (const row of rows) insert.run(row);
  });
  // A detail that is not a string (or is missing) groups as null, as in the other adapters.
  const detail = (name: string) =>
    `CASE WHEN json_type(details, '$.${name}') = 'text' THEN json_extract(details, '$.${name}') END`;
  const summarize = db.prepare<
    { since: number; until: number; bucket: number },
    Omit<AuditSummaryRow, 'count'> & { count: number }
  >(
    `SELECT bucket, event, decision, code, reason, appId, routeId, level, platform, appVersion, wouldRefuse,
            count(*) AS count
     FROM (SELECT ts - ts % :bucket AS bucket, event, decision, code, reason, app_id AS appId,
                  route_id AS routeId, level, ${detail('platform')} AS platform,
                  ${detail('appVersion')} AS appVersion, ${detail('wouldRefuse')} AS wouldRefuse
           FROM audit WHERE ts >= :since AND ts < :until)
     GROUP BY bucket, event, decision, code, reason, appId, routeId, level, platform, appVersion, wouldRefuse`,
  );
  // One prepared statement per combination of filters, made on first use.
  const queries = new Map<string, Database.Statement<[Record<string, string | number>], AuditRow>>();

  function queryStatement(
    filters: (keyof typeof FILTERS)[],
  ): Database.Statement<[Record<string, string | number>], AuditRow> {
    const key = filters.join(',');
    let statement = queries.get(key);
    if (statement === undefined) {
      const where = filters.length === 0 ? '' : `WHERE ${filters.map((f) => FILTERS[f]).join(' AND ')}`;
      statement = db.prepare<Record<string, string | number>, AuditRow>(
        `SELECT ${COLUMNS.join(', ')} FROM audit ${where} ORDER BY ts DESC, id DESC LIMIT :limit`,
      );
      queries.set(key, statement);
    }
    return statement;
  }

  return {
    async append(record: AuditRecord): Promise<void> {
      assertAuditRecord(record);
      const row = encode(record);
      runSqlite(context, 'audit append', () => insert.run(row));
      observeNow(context, record.ts);
    },
    async appendMany(records: readonly AuditRecord[]): Promise<void> {
      for (const record of records) assertAuditRecord(record);
      const rows = records.map(encode);
      // All or nothing: a refused batch leaves no row, and the writer retries record by record.
      runSqlite(context, 'audit append', () => insertMany(rows));
      for (const record of records) observeNow(context, record.ts);
    },
    async query(query: AuditQuery): Promise<AuditRecord[]> {
      assertAuditQuery(query);
      const filters = (Object.keys(FILTERS) as (keyof typeof FILTERS)[]).filter(
        (f) => query[f] !== undefined,
      );
      const params: Record<string, string | number> = { limit: query.limit };
      for (const f of filters) params[f] = query[f] as string | number;
      return runSqlite(context, 'audit query', () => queryStatement(filters).all(params).map(decode));
    },
    async summarize(query) {
      assertAuditSummaryQuery(query);
      return runSqlite(context, 'audit summarize', () =>
        summarize.all({ since: query.since, until: query.until, bucket: query.bucketMs }),
      );
    },
    async prune(olderThan: number): Promise<number> {
      assertTime('olderThan', olderThan);
      return runSqlite(context, 'audit prune', () => prune.run(olderThan).changes);
    },
  };
}
