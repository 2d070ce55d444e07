import { PortcullisError } from '../portcullis-error.js';
import type { SecureStorage } from './secure-storage.js';

/**
 * A provider's device key record. `state`: `new` (created, not yet attested: App Attest asks to
 * retry with the same key after a transient failure), `sent` (attestation made, not yet accepted
 * by the shield: never reusable for another attestation), `attested` (registered by the shield).
 */
export interface KeyRecord {
  state: 'new' | 'sent' | 'attested';
  /** The key id the shield knows (App Attest key id, or the Android key id the shield returned). */
  keyId?: string;
  /** Android Keystore alias. */
  alias?: string;
}

const STATES: ReadonlySet<string> = new Set(['new', 'sent', 'attested']);
const ID = /^[A-Za-z0-9+/=_.-]{1,256}$/;

function decodeRecord(text: string | null): KeyRecord | null {
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof value !== 'object' || value === null) return null;
  const { v, state, keyId, alias } = value as Record<string, unknown>;
  if (v !== 1 || typeof state !== 'string' || !STATES.has(state)) return null;
  if (keyId !== undefined && (typeof keyId !== 'string' || !ID.test(keyId))) return null;
  if (alias !== undefined && (typeof alias !== 'string' || !ID.test(alias))) return null;
  if (state === 'attested' && keyId === undefined) return null;
  return {
    state: state as KeyRecord['state'],
    ...(keyId === undefined ? {} : { keyId }),
    ...(alias === undefined ? {} : { alias }),
  };
}

/** Reads and writes one key record; storage failures become `storage_error`. */
export interface KeyRecordStore {
  /** The record, or null when there is none or it is not one this SDK wrote (then it is ignored). */
  read(): Promise<KeyRecord | null>;
  write(record: KeyRecord): Promise<void>;
  clear(): Promise<void>;
}

export function createKeyRecordStore(storage: SecureStorage, key: string): KeyRecordStore {
  async function guarded<T>(run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw new PortcullisError('storage_error', { cause: error });
    }
  }
  return {
    read: () => guarded(async () => decodeRecord(await storage.get(key))),
    write: (record) => guarded(() => storage.set(key, JSON.stringify({ v: 1, ...record }))),
    clear: () => guarded(() => storage.delete(key)),
  };
}

/** Checks a provider's storage option once, when the provider is built. */
export function checkStorage(storage: unknown, name: string): asserts storage is SecureStorage {
  const s = storage as Partial<SecureStorage> | null;
  if (
    typeof s !== 'object' ||
    s === null ||
    typeof s.get !== 'function' ||
    typeof s.set !== 'function' ||
    typeof s.delete !== 'function'
  ) {
    throw new TypeError(`${name} must be a SecureStorage ({ get, set, delete })`);
  }
}
