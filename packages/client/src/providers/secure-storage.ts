/**
 * Where a provider keeps its device key record (the key id and whether the shield registered
 * it), so that a restart reuses the key instead of attesting again. Use the platform's secure
 * storage (Keychain / Keystore-backed), for example through `expoSecureStoreStorage`. Values are
 * short JSON strings; no private key material ever passes through it.
 */
export interface SecureStorage {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * A storage object in memory: for tests, the Node provider and runtimes without persistent
 * storage (every launch attests again).
 *
 * @example
 * ```ts
 * const provider = createAppAttestProvider({ bridge, storage: createMemoryStorage() });
 * ```
 */
export function createMemoryStorage(): SecureStorage {
  const values = new Map<string, string>();
  return {
    get: async (key) => values.get(key) ?? null,
    set: async (key, value) => {
      values.set(key, value);
    },
    delete: async (key) => {
      values.delete(key);
    },
  };
}
