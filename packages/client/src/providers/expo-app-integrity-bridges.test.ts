import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import {
  ANDROID_SIGNING_DIGEST,
  type LiveShield,
  startLiveShield,
} from '../../../shield/test/support/live-shield.js';
import { createPortcullis } from '../create-portcullis.js';
import { isClientErrorCode, type PortcullisError } from '../portcullis-error.js';
import { createExpoStandIn, type StandInIdentity } from '../test-support/bridge-stand-ins.js';
import { createRecordingFetch } from '../test-support/recording-fetch.js';
import { createAndroidProvider } from './create-android-provider.js';
import { createAppAttestProvider } from './create-app-attest-provider.js';
import { EXPO_APP_INTEGRITY_ERRORS, expoAppIntegrityBridges } from './expo-app-integrity-bridges.js';
import { createMemoryStorage } from './secure-storage.js';

// The providers over @expo/app-integrity, checked at the bridge boundary with a stand-in that does
// what the module's native code does, and against a live shield that verifies what comes out.

const CHALLENGE = 'Vq3k0ZcP1oUu3nYpQb2c8l6m9xW4sTgHjKeR5aD7fLw';

function b64url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

describe('@expo/app-integrity bridges', () => {
  let live: LiveShield;
  let identity: StandInIdentity;
  before(async () => {
    live = await startLiveShield();
    identity = {
      apple: live.apple,
      android: live.android,
      appId: 'ABCDE12345.com.example.shop',
      packageName: 'com.example.shop',
      signingCertSha256: ANDROID_SIGNING_DIGEST,
    };
  });
  after(async () => {
    await live.close();
  });

  test('iOS: the challenge and the proof message go to the module verbatim (it hashes them); the live shield accepts attest, assert and proof', async () => {
    const module = createExpoStandIn(identity);
    const recorder = createRecordingFetch();
    const portcullis = createPortcullis({
      baseUrl: live.url,
      appId: 'shop',
      provider: createAppAttestProvider({
        bridge: expoAppIntegrityBridges(module).appAttest,
        storage: createMemoryStorage(),
      }),
      proofRoutes: [{ methods: ['POST'], path: '/pay' }],
      fetch: recorder.fetch,
    });
    await portcullis.getToken();
    await portcullis.getToken({ forceRefresh: true });
    const response = await portcullis.fetch('/pay', { method: 'POST', body: '{"amount":3}' });
    assert.equal(response.status, 200);
    const [attestRequest] = recorder.to('/v1/attest');
    const [assertRequest] = recorder.to('/v1/assert');
    const attestBody = JSON.parse(Buffer.from(attestRequest!.body).toString());
    const assertBody = JSON.parse(Buffer.from(assertRequest!.body).toString());
    assert.deepEqual(
      module.calls.map((c) => c.fn),
      ['generateKeyAsync', 'attestKeyAsync', 'generateAssertionAsync', 'generateAssertionAsync'],
    );
    const keyId = attestBody.evidence[0].keyId;
    assert.deepEqual(module.calls[1]!.args, [keyId, attestBody.challenge]);
    assert.deepEqual(module.calls[2]!.args, [keyId, assertBody.challenge]);
    const message = module.calls[3]!.args[1] as string;
    assert.match(message, /^portcullis-proof-v1\nPOST\n\/pay\n/);
    assert.equal(assertBody.keyId, keyId);
  });

  test('Android key attestation: alias and challenge passed as is, chain accepted by the live shield; no signing, so every refresh attests and proof routes go unsigned', async () => {
    const module = createExpoStandIn(identity);
    const recorder = createRecordingFetch();
    const portcullis = createPortcullis({
      baseUrl: live.url,
      appId: 'shop',
      provider: createAndroidProvider({
        keyAttestation: expoAppIntegrityBridges(module).androidKey,
        storage: createMemoryStorage(),
      }),
      proofRoutes: [{ methods: ['POST'], path: '/pay' }],
      fetch: recorder.fetch,
    });
    await portcullis.getToken();
    await portcullis.getToken({ forceRefresh: true });
    assert.equal(recorder.to('/v1/attest').length, 2);
    assert.equal(recorder.to('/v1/assert').length, 0);
    const challenge = JSON.parse(Buffer.from(recorder.to('/v1/attest')[0]!.body).toString()).challenge;
    assert.deepEqual(module.calls[0], {
      fn: 'generateHardwareAttestedKeyAsync',
      args: ['portcullis-device-key', challenge],
    });
    assert.deepEqual(module.calls[1], {
      fn: 'getAttestationCertificateChainAsync',
      args: ['portcullis-device-key'],
    });
    // The route is listed for proofs but the key cannot sign: sent unsigned, the shield decides.
    const response = await portcullis.fetch('/pay', { method: 'POST', body: '{}' });
    assert.equal(response.status, 200);
    assert.equal(recorder.to('/pay')[0]!.headers['portcullis-proof'], undefined);
  });

  test('Play Integrity: requestHash is b64url(SHA-256(challenge)); prepared once; an invalidated provider is prepared again once', async () => {
    const module = createExpoStandIn(identity);
    const provider = createAndroidProvider({
      playIntegrity: {
        bridge: expoAppIntegrityBridges(module).playIntegrity,
        cloudProjectNumber: '123456789012',
      },
      storage: createMemoryStorage(),
    });
    const expected = b64url(createHash('sha256').update(CHALLENGE, 'utf8').digest());
    assert.deepEqual(await provider.attest(CHALLENGE), [
      { type: 'play-integrity', token: `integrity-token-for-${expected}` },
    ]);
    module.fail.set(
      'requestIntegrityCheckAsync',
      Object.assign(new Error('invalid'), { code: 'ERR_APP_INTEGRITY_PROVIDER_INVALID' }),
    );
    await provider.attest(CHALLENGE);
    assert.deepEqual(
      module.calls.map((c) => `${c.fn}(${c.args.join(',')})`),
      [
        'prepareIntegrityTokenProviderAsync(123456789012)',
        `requestIntegrityCheckAsync(${expected})`,
        `requestIntegrityCheckAsync(${expected})`,
        'prepareIntegrityTokenProviderAsync(123456789012)',
        `requestIntegrityCheckAsync(${expected})`,
      ],
    );
  });

  test('key attestation and Play Integrity together: both pieces of evidence over the same challenge', async () => {
    const module = createExpoStandIn(identity);
    const bridges = expoAppIntegrityBridges(module);
    const provider = createAndroidProvider({
      keyAttestation: bridges.androidKey,
      playIntegrity: { bridge: bridges.playIntegrity, cloudProjectNumber: '42' },
      storage: createMemoryStorage(),
    });
    const evidence = await provider.attest(CHALLENGE);
    assert.deepEqual(
      evidence.map((e) => e.type),
      ['android-key-attestation', 'play-integrity'],
    );
    assert.deepEqual(
      evidence[0]!.type === 'android-key-attestation' && evidence[0]!.certificateChain,
      module.devices.chains.get('portcullis-device-key'),
    );
  });

  test('error codes: throttling keeps the App Attest key for the retry, a lost key is replaced, the rest is typed', async () => {
    const module = createExpoStandIn(identity);
    const storage = createMemoryStorage();
    const provider = createAppAttestProvider({ bridge: expoAppIntegrityBridges(module).appAttest, storage });
    module.fail.set(
      'attestKeyAsync',
      Object.assign(new Error('Server unavailable'), { code: 'ERR_APP_INTEGRITY_SERVER_UNAVAILABLE' }),
    );
    await assert.rejects(provider.attest(CHALLENGE), (error: PortcullisError) => {
      assert.equal(error.code, 'attestation_throttled');
      assert.equal(error.detail, 'ERR_APP_INTEGRITY_SERVER_UNAVAILABLE');
      return true;
    });
    const [evidence] = await provider.attest(CHALLENGE);
    assert.equal(
      module.calls.filter((c) => c.fn === 'generateKeyAsync').length,
      1,
      'Apple: retry with the same key',
    );
    assert.equal(
      evidence!.type === 'apple-app-attest' && evidence!.keyId,
      [...module.devices.apple.keys()][0],
    );

    // The key of an attestation the shield never accepted is spent: the next attestation makes a new one.
    await provider.attest(CHALLENGE);
    assert.equal(module.calls.filter((c) => c.fn === 'generateKeyAsync').length, 2);

    // A key the device lost while attesting: replaced at once.
    module.fail.set(
      'attestKeyAsync',
      Object.assign(new Error('Invalid key'), { code: 'ERR_APP_INTEGRITY_INVALID_KEY' }),
    );
    await provider.attest(CHALLENGE);
    assert.equal(module.calls.filter((c) => c.fn === 'generateKeyAsync').length, 4);

    for (const [code, expected] of [
      ['ERR_APP_INTEGRITY_FEATURE_UNSUPPORTED', 'attestation_unsupported'],
      ['ERR_APP_INTEGRITY_SOMETHING_NEW', 'bridge_error'],
    ] as const) {
      module.fail.set('generateKeyAsync', Object.assign(new Error('x'), { code }));
      await assert.rejects(provider.attest(CHALLENGE), (error: PortcullisError) => {
        assert.equal(error.code, expected);
        assert.equal(error.detail, code);
        return true;
      });
    }
    module.fail.set('generateKeyAsync', new Error('a message, not a code: key=secret'));
    await assert.rejects(provider.attest(CHALLENGE), (error: PortcullisError) => {
      assert.equal(error.code, 'bridge_error');
      assert.equal(error.detail, undefined, 'free text never becomes the detail');
      return true;
    });
  });

  test('App Attest unsupported (simulator): attestation_unsupported before any key is made', async () => {
    const module = createExpoStandIn(identity);
    module.isSupported = false;
    const provider = createAppAttestProvider({
      bridge: expoAppIntegrityBridges(module).appAttest,
      storage: createMemoryStorage(),
    });
    await assert.rejects(
      provider.attest(CHALLENGE),
      (error: PortcullisError) => error.code === 'attestation_unsupported',
    );
    assert.deepEqual(module.calls, []);
  });

  test("the error table holds only the module's codes, each mapped to a client code", () => {
    for (const [bridgeCode, code] of Object.entries(EXPO_APP_INTEGRITY_ERRORS)) {
      assert.match(bridgeCode, /^ERR_APP_INTEGRITY_[A-Z_]+$/);
      assert.ok(isClientErrorCode(code), code);
    }
  });
});
