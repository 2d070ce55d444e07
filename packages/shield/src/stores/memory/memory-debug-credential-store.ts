import type { DebugCredentialStore, StoredDebugCredential } from '../ports.js';
import { StoreError } from '../store-error.js';
import { assertDeviceQuery, assertKey, assertStoredDebugCredential, assertTime } from '../store-input.js';
import { assertOpen, type MemoryContext, storeFull } from './memory-context.js';

/** A memory DebugCredentialStore plus a hook to drop everything on close. */
export interface MemoryDebugCredentialStore extends DebugCredentialStore {
  clear(): void;
}

function copy(credential: StoredDebugCredential): StoredDebugCredential {
  return { ...credential, audiences: credential.audiences === null ? null : [...credential.audiences] };
}

/** Debug credentials issued at run time, in this process only (forgotten on restart). */
export function createMemoryDebugCredentialStore(context: MemoryContext): MemoryDebugCredentialStore {
  const byId = new Map<string, StoredDebugCredential>();
  const byHash = new Map<string, StoredDebugCredential>();
  return {
    async add(credential) {
      assertStoredDebugCredential(credential);
      assertOpen(context);
      if (byId.has(credential.id) || byHash.has(credential.keyedHash)) {
        throw new StoreError('debug_credential_exists', 'This debug credential is already stored');
      }
      if (byId.size >= context.maxEntries) throw storeFull('debug credential', context.maxEntries);
      const stored = copy(credential);
      byId.set(stored.id, stored);
      byHash.set(stored.keyedHash, stored);
    },
    async findByHash(keyedHash) {
      assertKey('keyedHash', keyedHash);
      assertOpen(context);
      const found = byHash.get(keyedHash);
      return found === undefined ? null : copy(found);
    },
    async list(query) {
      assertDeviceQuery(query);
      assertOpen(context);
      return [...byId.values()]
        .filter((c) => query.appId === undefined || c.appId === query.appId)
        .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1))
        .slice(0, query.limit)
        .map(copy);
    },
    async revoke(id, now) {
      assertKey('id', id);
      assertTime('now', now);
      assertOpen(context);
      const found = byId.get(id);
      if (found === undefined) return false;
      found.revokedAt ??= now;
      return true;
    },
    clear() {
      byId.clear();
      byHash.clear();
    },
  };
}
