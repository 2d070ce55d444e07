import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAppAttestTestAuthority, createNodeAppAttestBridge } from '@portcullis/testkit';
import type { PortcullisError } from '../portcullis-error.js';
import { createAppAttestProvider } from './create-app-attest-provider.js';
import { expoSecureStoreStorage } from './expo-secure-store-storage.js';
import { createMemoryStorage, type SecureStorage } from './secure-storage.js';

const authority = createAppAttestTestAuthority();
const CHALLENGE = 'c'.repeat(43);

function bridge() {
  return createNodeAppAttestBridge({ authority, appId: 'ABCDE12345.com.example.shop' });
}

test('the key id survives a restart once the shield registered it, and only then', async () => {
  const storage = createMemoryStorage();
  const shared = bridge();
  const first = createAppAttestProvider({ bridge: shared, storage });
  const [evidence] = await first.attest(CHALLENGE);
  assert.equal(evidence!.type, 'apple-app-attest');
  const keyId = evidence!.type === 'apple-app-attest' ? evidence!.keyId : '';
  assert.equal(await first.currentKey(), null, 'not registered yet');
  await first.attested('someone-elses-key');
  assert.equal(await first.currentKey(), null, 'a key id the provider did not attest is ignored');
  await first.attested(keyId);
  const restarted = createAppAttestProvider({ bridge: shared, storage });
  assert.equal(await restarted.currentKey(), keyId);
  assert.match(await restarted.assert!(keyId, CHALLENGE), /^[A-Za-z0-9+/]+=*$/);
  await restarted.forgetKey();
  assert.equal(await restarted.currentKey(), null);
});

test('a record the SDK did not write is ignored (a new key is attested), never trusted', async () => {
  for (const stored of [
    'not json',
    '{"v":2,"state":"attested","keyId":"k"}',
    '{"v":1,"state":"attested"}',
    '{"v":1,"state":"attested","keyId":"a b"}',
    'null',
  ]) {
    const storage = createMemoryStorage();
    await storage.set('portcullis.app-attest', stored);
    const provider = createAppAttestProvider({ bridge: bridge(), storage });
    assert.equal(await provider.currentKey(), null, stored);
  }
});

test('a failing storage is storage_error, with the cause kept', async () => {
  const broken: SecureStorage = {
    get: async () => {
      throw new Error('keychain locked');
    },
    set: async () => {},
    delete: async () => {},
  };
  const provider = createAppAttestProvider({ bridge: bridge(), storage: broken });
  await assert.rejects(provider.currentKey(), (error: PortcullisError) => {
    assert.equal(error.code, 'storage_error');
    assert.equal((error.cause as Error).message, 'keychain locked');
    return true;
  });
});

test('bad options are TypeErrors', () => {
  assert.throws(
    () => createAppAttestProvider({ bridge: {} as never, storage: createMemoryStorage() }),
    /bridge/,
  );
  assert.throws(() => createAppAttestProvider({ bridge: bridge(), storage: {} as never }), /storage/);
  assert.throws(
    () => createAppAttestProvider({ bridge: bridge(), storage: createMemoryStorage(), storageKey: '' }),
    /storageKey/,
  );
});

test('expoSecureStoreStorage maps to getItemAsync/setItemAsync/deleteItemAsync and refuses keys it cannot store', async () => {
  const values = new Map<string, string>();
  const storage = expoSecureStoreStorage({
    getItemAsync: async (key) => values.get(key) ?? null,
    setItemAsync: async (key, value) => {
      values.set(key, value);
    },
    deleteItemAsync: async (key) => {
      values.delete(key);
    },
  });
  await storage.set('portcullis.app-attest', 'v');
  assert.equal(await storage.get('portcullis.app-attest'), 'v');
  await storage.delete('portcullis.app-attest');
  assert.equal(values.size, 0);
  assert.throws(() => storage.get('bad key/'), TypeError);
  assert.throws(() => expoSecureStoreStorage({} as never), TypeError);
});
