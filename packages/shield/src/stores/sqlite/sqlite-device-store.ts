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
import { observeNow, runSqlite, type SqliteContext } from './sqlite-context.js';

interface DeviceRow {
  key_id: string;
  app_id: string;
  platform: string;
  level: string;
  public_key_jwk: string;
  counter: number;
  receipt: Buffer | null;
  test_root: number;
  attestation: string | null;
  first_seen: number;
  last_seen: number;
  revoked_at: number | null;
  revoked_reason: string | null;
}

const COLUMNS =
  'key_id, app_id, platform, level, public_key_jwk, counter, receipt, test_root, attestation, first_seen, last_seen, revoked_at, revoked_reason';

function decode(row: DeviceRow): DeviceRecord {
  return {
    keyId: row.key_id,
    appId: row.app_id,
    platform: row.platform as Platform,
    level: row.level as AssuranceLevel,
    publicKeyJwk: JSON.parse(row.public_key_jwk) as JsonWebKeyLike,
    counter: row.counter,
    receipt: row.receipt === null ? null : new Uint8Array(row.receipt),
    testRoot: row.test_root === 1,
    attestation: decodeStoredAttestation(row.attestation),
    firstSeen: row.first_seen,
    lastSeen: row.last_seen,
    revokedAt: row.revoked_at,
    revokedReason: row.revoked_reason,
  };
}

/**
 * Devices in the `devices` table: register is insert-or-ignore on the key id, advanceCounter a
 * conditional `UPDATE ... WHERE counter < ?` (compare-and-set in one statement), the JWK is
 * stored as JSON and the receipt as a BLOB.
 */
export function createSqliteDeviceStore(context: SqliteContext): DeviceStore {
  const { db } = context;
  const insert = db.prepare<
    [string, string, string, string, string, number, Buffer | null, number, string | null, number, number]
  >(
    `INSERT INTO devices (key_id, app_id, platform, level, public_key_jwk, counter, receipt, test_root, attestation, first_seen, last_seen)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key_id) DO NOTHING`,
  );
  const select = db.prepare<[string], DeviceRow>(`SELECT ${COLUMNS} FROM devices WHERE key_id = ?`);
  const advance = db.prepare<[number, number, string, number]>(
    'UPDATE devices SET counter = ?, last_seen = ? WHERE key_id = ? AND counter < ?',
  );
  const touch = db.prepare<[number, string]>('UPDATE devices SET last_seen = ? WHERE key_id = ?');
  // The first revocation stands: its time bounds how long the key's tokens stayed usable.
  const revoke = db.prepare<[number, string, string]>(
    `UPDATE devices SET revoked_at = coalesce(revoked_at, ?),
       revoked_reason = CASE WHEN revoked_at IS NULL THEN ? ELSE revoked_reason END
     WHERE key_id = ?`,
  );
  const list = db.prepare<{ appId: string | null; after: string | null; limit: number }, DeviceRow>(
    `SELECT ${COLUMNS} FROM devices
     WHERE (:appId IS NULL OR app_id = :appId) AND (:after IS NULL OR key_id > :after)
     ORDER BY key_id LIMIT :limit`,
  );

  return {
    async register(device: NewDevice): Promise<'created' | 'exists'> {
      assertNewDevice(device);
      const receipt = device.receipt === null ? null : Buffer.from(device.receipt);
      const { changes } = runSqlite(context, 'device register', () =>
        insert.run(
          device.keyId,
          device.appId,
          device.platform,
          device.level,
          JSON.stringify(device.publicKeyJwk),
          device.counter,
          receipt,
          device.testRoot ? 1 : 0,
          device.attestation === null ? null : JSON.stringify(normaliseAttestation(device.attestation)),
          device.firstSeen,
          device.firstSeen,
        ),
      );
      observeNow(context, device.firstSeen);
      return changes === 1 ? 'created' : 'exists';
    },
    async get(keyId: string): Promise<DeviceRecord | null> {
      if (!isStorableKey('keyId', keyId)) return null;
      return runSqlite(context, 'device get', () => {
        const row = select.get(keyId);
        return row === undefined ? null : decode(row);
      });
    },
    async advanceCounter(keyId: string, next: number, now: number): Promise<boolean> {
      assertCounter('next', next);
      assertTime('now', now);
      if (!isStorableKey('keyId', keyId)) return false;
      const { changes } = runSqlite(context, 'device advanceCounter', () =>
        advance.run(next, now, keyId, next),
      );
      observeNow(context, now);
      return changes === 1;
    },
    async touch(keyId: string, now: number): Promise<void> {
      assertTime('now', now);
      if (!isStorableKey('keyId', keyId)) return;
      runSqlite(context, 'device touch', () => touch.run(now, keyId));
      observeNow(context, now);
    },
    async revoke(keyId: string, reason: string, now: number): Promise<boolean> {
      assertText('reason', reason);
      assertTime('now', now);
      if (!isStorableKey('keyId', keyId)) return false;
      const { changes } = runSqlite(context, 'device revoke', () => revoke.run(now, reason, keyId));
      observeNow(context, now);
      return changes === 1;
    },
    async list(query: { appId?: string; limit: number; afterKeyId?: string }): Promise<DeviceRecord[]> {
      assertDeviceQuery(query);
      return runSqlite(context, 'device list', () =>
        list
          .all({ appId: query.appId ?? null, after: query.afterKeyId ?? null, limit: query.limit })
          .map(decode),
      );
    },
  };
}
