import type { AssuranceLevel, JsonWebKeyLike, Platform } from '@portcullis/protocol';
import type { DeviceRecord, DeviceStore, NewDevice } from '../ports.js';
import {
  assertCounter,
  assertDeviceQuery,
  assertNewDevice,
  assertText,
  assertTime,
  decodeStoredAttestation,
  isStorableKey,
  normaliseAttestation,
} from '../store-input.js';
import { type PostgresContext, queryPostgres, toNumber } from './postgres-context.js';
import { decodeNullableText, decodeText, encodeText } from './postgres-text.js';

interface DeviceRow {
  key_id: string;
  app_id: string;
  platform: string;
  level: string;
  public_key_jwk: JsonWebKeyLike;
  counter: string;
  receipt: Buffer | null;
  test_root: boolean;
  attestation: unknown;
  first_seen: string;
  last_seen: string;
  revoked_at: string | null;
  revoked_reason: string | null;
}

const COLUMNS =
  'key_id, app_id, platform, level, public_key_jwk, counter, receipt, test_root, attestation, first_seen, last_seen, revoked_at, revoked_reason';

function decode(row: DeviceRow): DeviceRecord {
  return {
    keyId: decodeText(row.key_id),
    appId: decodeText(row.app_id),
    platform: row.platform as Platform,
    level: row.level as AssuranceLevel,
    publicKeyJwk: row.public_key_jwk,
    counter: toNumber(row.counter),
    receipt: row.receipt === null ? null : new Uint8Array(row.receipt),
    testRoot: row.test_root,
    attestation: decodeStoredAttestation(row.attestation),
    firstSeen: toNumber(row.first_seen),
    lastSeen: toNumber(row.last_seen),
    revokedAt: row.revoked_at === null ? null : toNumber(row.revoked_at),
    revokedReason: decodeNullableText(row.revoked_reason),
  };
}

/**
 * Devices in `<schema>.devices`: register is `INSERT ... ON CONFLICT DO NOTHING`, advanceCounter
 * a conditional `UPDATE ... WHERE counter < $n` (compare-and-set in one statement, so of
 * concurrent equal counters from any instance exactly one wins), the JWK is json and the receipt
 * bytea.
 */
export function createPostgresDeviceStore(context: PostgresContext): DeviceStore {
  const table = `${context.schema}.devices`;
  return {
    async register(device: NewDevice): Promise<'created' | 'exists'> {
      assertNewDevice(device);
      const result = await queryPostgres(
        context,
        'device register',
        `INSERT INTO ${table} (key_id, app_id, platform, level, public_key_jwk, counter, receipt, test_root, attestation, first_seen, last_seen)
         VALUES ($1, $2, $3, $4, $5::json, $6, $7, $8, $10::json, $9, $9) ON CONFLICT (key_id) DO NOTHING`,
        [
          encodeText(device.keyId),
          encodeText(device.appId),
          device.platform,
          device.level,
          JSON.stringify(device.publicKeyJwk),
          device.counter,
          device.receipt === null ? null : Buffer.from(device.receipt),
          device.testRoot,
          device.firstSeen,
          device.attestation === null ? null : JSON.stringify(normaliseAttestation(device.attestation)),
        ],
      );
      return result.rowCount === 1 ? 'created' : 'exists';
    },
    async get(keyId: string): Promise<DeviceRecord | null> {
      if (!isStorableKey('keyId', keyId)) return null;
      const { rows } = await queryPostgres<DeviceRow>(
        context,
        'device get',
        `SELECT ${COLUMNS} FROM ${table} WHERE key_id = $1`,
        [encodeText(keyId)],
      );
      const row = rows[0];
      return row === undefined ? null : decode(row);
    },
    async advanceCounter(keyId: string, next: number, now: number): Promise<boolean> {
      assertCounter('next', next);
      assertTime('now', now);
      if (!isStorableKey('keyId', keyId)) return false;
      const result = await queryPostgres(
        context,
        'device advanceCounter',
        `UPDATE ${table} SET counter = $1, last_seen = $2 WHERE key_id = $3 AND counter < $1`,
        [next, now, encodeText(keyId)],
      );
      return result.rowCount === 1;
    },
    async touch(keyId: string, now: number): Promise<void> {
      assertTime('now', now);
      if (!isStorableKey('keyId', keyId)) return;
      await queryPostgres(context, 'device touch', `UPDATE ${table} SET last_seen = $1 WHERE key_id = $2`, [
        now,
        encodeText(keyId),
      ]);
    },
    async revoke(keyId: string, reason: string, now: number): Promise<boolean> {
      assertText('reason', reason);
      assertTime('now', now);
      if (!isStorableKey('keyId', keyId)) return false;
      // The first revocation stands: its time bounds how long the key's tokens stayed usable.
      const result = await queryPostgres(
        context,
        'device revoke',
        `UPDATE ${table} SET revoked_at = coalesce(revoked_at, $1),
           revoked_reason = CASE WHEN revoked_at IS NULL THEN $2 ELSE revoked_reason END
         WHERE key_id = $3`,
        [now, encodeText(reason), encodeText(keyId)],
      );
      return result.rowCount === 1;
    },
    async list(query: { appId?: string; limit: number; afterKeyId?: string }): Promise<DeviceRecord[]> {
      assertDeviceQuery(query);
      const { rows } = await queryPostgres<DeviceRow>(
        context,
        'device list',
        `SELECT ${COLUMNS} FROM ${table}
         WHERE ($1::text IS NULL OR app_id = $1) AND ($2::text IS NULL OR key_id > $2)
         ORDER BY key_id LIMIT $3`,
        [
          query.appId === undefined ? null : encodeText(query.appId),
          query.afterKeyId === undefined ? null : encodeText(query.afterKeyId),
          query.limit,
        ],
      );
      return rows.map(decode);
    },
  };
}
