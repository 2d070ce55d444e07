import type { AuditLog, AuditQuery, AuditRecord, AuditSummaryRow } from '../ports.js';
import { assertAuditQuery, assertAuditRecord, assertAuditSummaryQuery, assertTime } from '../store-input.js';
import { type PostgresContext, queryPostgres, toNumber } from './postgres-context.js';
import { decodeNullableText, decodeText, encodeNullableText, encodeText } from './postgres-text.js';

interface AuditRow {
  ts: string;
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
  details: AuditRecord['details'];
}

const COLUMNS =
  'ts, request_id, instance, event, decision, code, reason, app_id, route_id, method, path, client_ip, ' +
  'device_id_hash, user_id_hash, token_jti, level, upstream_status, latency_ms, details';

function encode(record: AuditRecord): unknown[] {
  return [
    record.ts,
    encodeText(record.requestId),
    encodeText(record.instance),
    record.event,
    record.decision,
    encodeText(record.code),
    encodeNullableText(record.reason),
    encodeNullableText(record.appId),
    encodeNullableText(record.routeId),
    encodeNullableText(record.method),
    encodeNullableText(record.path),
    encodeNullableText(record.clientIp),
    encodeNullableText(record.deviceIdHash),
    encodeNullableText(record.userIdHash),
    encodeNullableText(record.tokenJti),
    encodeNullableText(record.level),
    record.upstreamStatus,
    record.latencyMs,
    // json (not jsonb) keeps the text as written, so \u0000 escapes inside it are accepted.
    record.details === null ? null : JSON.stringify(record.details),
  ];
}

function decode(row: AuditRow): AuditRecord {
  return {
    ts: toNumber(row.ts),
    requestId: decodeText(row.request_id),
    instance: decodeText(row.instance),
    event: row.event,
    decision: row.decision,
    code: decodeText(row.code),
    reason: decodeNullableText(row.reason),
    appId: decodeNullableText(row.app_id),
    routeId: decodeNullableText(row.route_id),
    method: decodeNullableText(row.method),
    path: decodeNullableText(row.path),
    clientIp: decodeNullableText(row.client_ip),
    deviceIdHash: decodeNullableText(row.device_id_hash),
    userIdHash: decodeNullableText(row.user_id_hash),
    tokenJti: decodeNullableText(row.token_jti),
    level: decodeNullableText(row.level),
    upstreamStatus: row.upstream_status,
    latencyMs: row.latency_ms,
    details: row.details,
  };
}

/**
 * The audit trail in `<schema>.audit`: every AuditRecord field as a column, `details` as json.
 * Values are bound parameters and come back unchanged (see postgres-text.ts for U+0000).
 */
export function createPostgresAuditLog(context: PostgresContext): AuditLog {
  const table = `${context.schema}.audit`;
  const placeholders = Array.from({ length: 19 }, (_, i) =>
    i === 18 ? `$${i + 1}::json` : `$${i + 1}`,
  ).join(', ');
  return {
    async append(record: AuditRecord): Promise<void> {
      assertAuditRecord(record);
      await queryPostgres(
        context,
        'audit append',
        `INSERT INTO ${table} (${COLUMNS}) VALUES (${placeholders})`,
        encode(record),
      );
    },
    async query(query: AuditQuery): Promise<AuditRecord[]> {
      assertAuditQuery(query);
      const where: string[] = [];
      const values: unknown[] = [];
      const add = (condition: (n: string) => string, value: unknown) => {
        values.push(value);
        where.push(condition(`$${values.length}`));
      };
      if (query.since !== undefined) add((n) => `ts >= ${n}`, query.since);
      if (query.until !== undefined) add((n) => `ts < ${n}`, query.until);
      if (query.requestId !== undefined) add((n) => `request_id = ${n}`, encodeText(query.requestId));
      if (query.deviceIdHash !== undefined)
        add((n) => `device_id_hash = ${n}`, encodeText(query.deviceIdHash));
      if (query.routeId !== undefined) add((n) => `route_id = ${n}`, encodeText(query.routeId));
      if (query.reason !== undefined) add((n) => `reason = ${n}`, encodeText(query.reason));
      if (query.decision !== undefined) add((n) => `decision = ${n}`, query.decision);
      if (query.event !== undefined) add((n) => `event = ${n}`, query.event);
      values.push(query.limit);
      const { rows } = await queryPostgres<AuditRow>(
        context,
        'audit query',
        `SELECT ${COLUMNS} FROM ${table} ${where.length === 0 ? '' : `WHERE ${where.join(' AND ')}`}
         ORDER BY ts DESC, id DESC LIMIT $${values.length}`,
        values,
      );
      return rows.map(decode);
    },
    async summarize(query) {
      assertAuditSummaryQuery(query);
      // A detail that is not a string (or is missing) groups as null, as in the other adapters.
      const detail = (name: string) =>
        `CASE WHEN json_typeof(details->'${name}') = 'string' THEN details->>'${name}' END`;
      const { rows } = await queryPostgres<
        Omit<AuditSummaryRow, 'bucket' | 'count'> & { bucket: string; count: string }
      >(
        context,
        'audit summarize',
        `SELECT ts - ts % $3 AS bucket, event, decision, code, reason, app_id AS "appId",
                route_id AS "routeId", level, ${detail('platform')} AS platform,
                ${detail('appVersion')} AS "appVersion", ${detail('wouldRefuse')} AS "wouldRefuse",
                count(*) AS count
         FROM ${table} WHERE ts >= $1 AND ts < $2
         GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11`,
        [query.since, query.until, query.bucketMs],
      );
      return rows.map((row) => ({
        ...row,
        code: decodeText(row.code),
        reason: decodeNullableText(row.reason),
        appId: decodeNullableText(row.appId),
        routeId: decodeNullableText(row.routeId),
        level: decodeNullableText(row.level),
        platform: decodeNullableText(row.platform),
        appVersion: decodeNullableText(row.appVersion),
        wouldRefuse: decodeNullableText(row.wouldRefuse),
        bucket: toNumber(row.bucket),
        count: toNumber(row.count),
      }));
    },
    async prune(olderThan: number): Promise<number> {
      assertTime('olderThan', olderThan);
      const result = await queryPostgres(context, 'audit prune', `DELETE FROM ${table} WHERE ts < $1`, [
        olderThan,
      ]);
      return result.rowCount ?? 0;
    },
  };
}
