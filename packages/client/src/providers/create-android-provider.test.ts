import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createAndroidTestAuthority, createNodeAndroidKeyBridge } from '@portcullis/testkit';
import type { PortcullisError } from '../portcullis-error.js';
import { createAndroidProvider } from './create-android-provider.js';
import { createMemoryStorage } from './secure-storage.js';

const authority = createAndroidTestAuthority();
const identity = { authority, packageName: 'com.example.shop', signingCertSha256: 'ab'.repeat(32) };
const CHALLENGE = 'c'.repeat(43);

test('with a signing bridge: the registered key asserts and signs proofs under its alias', async () => {
  const storage = createMemoryStorage();
  const provider = createAndroidProvider({
    keyAttestation: createNodeAndroidKeyBridge(identity),
    storage,
    keyAlias: 'shop-key',
  });
  const [evidence] = await provider.attest(CHALLENGE);
  assert.equal(evidence!.type, 'android-key-attestation');
  assert.equal(await provider.currentKey(), null);
  await provider.attested('key-id-from-shield');
  assert.equal(await provider.currentKey(), 'key-id-from-shield');
  const der = Buffer.from(await provider.assert!('key-id-from-shield', CHALLENGE), 'base64');
  assert.equal(der[0], 0x30, 'a DER SEQUENCE');
  assert.equal(der[1], der.length - 2);
  assert.ok((await provider.signProof!('key-id-from-shield', 'message')).length > 60);
  await assert.rejects(
    provider.assert!('another-key', CHALLENGE),
    (error: PortcullisError) => error.code === 'key_invalid',
  );
});

test('without signing: never a current key (every refresh attests), no assert, no proofs', async () => {
  const provider = createAndroidProvider({
    keyAttestation: createNodeAndroidKeyBridge({ ...identity, canSign: false }),
    storage: createMemoryStorage(),
  });
  await provider.attest(CHALLENGE);
  await provider.attested('key-id-from-shield');
  assert.equal(await provider.currentKey(), null);
  assert.equal(provider.assert, undefined);
  assert.equal(provider.signProof, undefined);
});

test('a chain too short to be an attestation is a bridge_error', async () => {
  const provider = createAndroidProvider({
    keyAttestation: { attestKey: async () => ['MIIB'] },
    storage: createMemoryStorage(),
  });
  await assert.rejects(provider.attest(CHALLENGE), (error: PortcullisError) => error.code === 'bridge_error');
});

test('bad options are TypeErrors naming the option', () => {
  const storage = createMemoryStorage();
  const bridge = createNodeAndroidKeyBridge(identity);
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ storage }, /keyAttestation, playIntegrity or both/],
    [{ keyAttestation: {}, storage }, /keyAttestation/],
    [{ playIntegrity: { bridge: {}, cloudProjectNumber: '1' }, storage }, /playIntegrity\.bridge/],
    [
      { playIntegrity: { bridge: { prepare() {}, request() {} }, cloudProjectNumber: 'shop-app' }, storage },
      /cloudProjectNumber/,
    ],
    [{ keyAttestation: bridge, storage, keyAlias: 'a/b' }, /keyAlias/],
    [{ keyAttestation: bridge, storage: null }, /storage/],
  ];
  for (const [options, message] of cases) {
    assert.throws(
      () => createAndroidProvider(options as never),
      (error: Error) => error instanceof TypeError && message.test(error.message),
    );
  }
});
