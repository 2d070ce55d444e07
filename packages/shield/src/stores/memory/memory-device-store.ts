import { compareKeys } from '../compare-keys.js';
import type { DeviceRecord, DeviceStore, NewDevice } from '../ports.js';
import {
  assertCounter,
  assertDeviceQuery,
  assertNewDevice,
  assertText,
  assertTime,
  isStorableKey,
  normaliseAttestation,
  normaliseJwk,
} from '../store-input.js';
import { assertOpen, type MemoryContext, observeNow, storeFull } from './memory-context.js';

/** A memory DeviceStore plus a hook to drop everything on close. */
export interface MemoryDeviceStore extends DeviceStore {
  clear(): void;
}

function copy(device: DeviceRecord): DeviceRecord {
  return {
    ...device,
    publicKeyJwk: normaliseJwk(device.publicKeyJwk),
    receipt: device.receipt === null ? null : new Uint8Array(device.receipt),
    attestation: normaliseAttestation(device.attestation),
  };
}

/**
 * Devices in a map of at most `maxEntries` keys. Devices never expire, so when it is full a new
 * registration is refused (StoreOutageError store_full) rather than forgetting a known key.
 * Records are copied in and out: a caller cannot change stored state by mutating what it got.
 */
export function createMemoryDeviceStore(context: MemoryContext): MemoryDeviceStore {
  const devices = new Map<string, DeviceRecord>();
  return {
    async register(device: NewDevice): Promise<'created' | 'exists'> {
      assertNewDevice(device);
      assertOpen(context);
      observeNow(context, device.firstSeen);
      if (devices.has(device.keyId)) return 'exists';
      if (devices.size >= context.maxEntries) throw storeFull('device', context.maxEntries);
      const record: DeviceRecord = {
        keyId: device.keyId,
        appId: device.appId,
        platform: device.platform,
        level: device.level,
        publicKeyJwk: device.publicKeyJwk,
        counter: device.counter,
        receipt: device.receipt,
        testRoot: device.testRoot,
        attestation: device.attestation,
        firstSeen: device.firstSeen,
        lastSeen: device.firstSeen,
        revokedAt: null,
        revokedReason: null,
      };
      devices.set(device.keyId, copy(record));
      return 'created';
    },
    async get(keyId: string): Promise<DeviceRecord | null> {
      if (!isStorableKey('keyId', keyId)) return null;
      assertOpen(context);
      const device = devices.get(keyId);
      return device === undefined ? null : copy(device);
    },
    async advanceCounter(keyId: string, next: number, now: number): Promise<boolean> {
      assertCounter('next', next);
      assertTime('now', now);
      if (!isStorableKey('keyId', keyId)) return false;
      assertOpen(context);
      observeNow(context, now);
      const device = devices.get(keyId);
      if (device === undefined || device.counter >= next) return false;
      device.counter = next;
      device.lastSeen = now;
      return true;
    },
    async touch(keyId: string, now: number): Promise<void> {
      assertTime('now', now);
      if (!isStorableKey('keyId', keyId)) return;
      assertOpen(context);
      observeNow(context, now);
      const device = devices.get(keyId);
      if (device !== undefined) device.lastSeen = now;
    },
    async revoke(keyId: string, reason: string, now: number): Promise<boolean> {
      assertText('reason', reason);
      assertTime('now', now);
      if (!isStorableKey('keyId', keyId)) return false;
      assertOpen(context);
      observeNow(context, now);
      const device = devices.get(keyId);
      if (device === undefined) return false;
      // The first revocation stands: its time bounds how long the key's tokens stayed usable.
      if (device.revokedAt === null) {
        device.revokedAt = now;
        device.revokedReason = reason;
      }
      return true;
    },
    async list(query: { appId?: string; limit: number; afterKeyId?: string }): Promise<DeviceRecord[]> {
      assertDeviceQuery(query);
      assertOpen(context);
      const { appId, afterKeyId, limit } = query;
      const matching = [...devices.values()].filter(
        (d) =>
          (appId === undefined || d.appId === appId) &&
          (afterKeyId === undefined || compareKeys(d.keyId, afterKeyId) > 0),
      );
      matching.sort((a, b) => compareKeys(a.keyId, b.keyId));
      return matching.slice(0, limit).map(copy);
    },
    clear: () => devices.clear(),
  };
}
