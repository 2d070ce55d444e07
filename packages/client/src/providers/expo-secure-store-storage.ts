import type { SecureStorage } from './secure-storage.js';

/** The part of `expo-secure-store` the adapter uses (pass the module itself). */
export interface ExpoSecureStoreModule {
  getItemAsync(key: string): Promise<string | null>;
  setItemAsync(key: string, value: string): Promise<void>;
  deleteItemAsync(key: string): Promise<void>;
}

const KEY = /^[A-Za-z0-9._-]+$/;

/**
 * A `SecureStorage` over `expo-secure-store` (Keychain on iOS, Keystore-encrypted preferences on
 * Android). Its keys allow only letters, digits, `.`, `-` and `_`, which the SDK's keys respect.
 *
 * @example
 * ```ts
 * import * as SecureStore from 'expo-secure-store';
 * const storage = expoSecureStoreStorage(SecureStore);
 * ```
 */
export function expoSecureStoreStorage(module: ExpoSecureStoreModule): SecureStorage {
  if (
    typeof module?.getItemAsync !== 'function' ||
    typeof module.setItemAsync !== 'function' ||
    typeof module.deleteItemAsync !== 'function'
  ) {
    throw new TypeError('module must be the expo-secure-store module');
  }
  const checked = (key: string): string => {
    if (!KEY.test(key))
      throw new TypeError('expo-secure-store keys hold only letters, digits, ".", "-" and "_"');
    return key;
  };
  return {
    get: (key) => module.getItemAsync(checked(key)),
    set: (key, value) => module.setItemAsync(checked(key), value),
    delete: (key) => module.deleteItemAsync(checked(key)),
  };
}
