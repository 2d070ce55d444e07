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
import {
  createPagopaCryptoStandIn,
  createPagopaStandIn,
  type StandInIdentity,
} from '../test-support/bridge-stand-ins.js';
import { createRecordingFetch } from '../test-support/recording-fetch.js';
import { createAndroidProvider } from './create-android-provider.js';
import { createAppAttestProvider } from './create-app-attest-provider.js';
import { PAGOPA_INTEGRITY_ERRORS, pagopaIntegrityBridges } from './pagopa-integrity-bridges.js';
import { createMemoryStorage } from './secure-storage.js';

// The providers over @pagopa/io-react-native-integrity, checked at the bridge boundary with a
// stand-in that answers in the module's own formats, and against a live shield.

describe('@pagopa/io-react-native-integrity bridges', () => {
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

  test('iOS: challenge first, key tag second; attest, assert and proof accepted by the live shield', async () => {
    const module = createPagopaStandIn(identity);
    const recorder = createRecordingFetch();
    const portcullis = createPortcullis({
      baseUrl: live.url,
      appId: 'shop',
      provider: createAppAttestProvider({
        bridge: pagopaIntegrityBridges(module).appAttest,
        storage: createMemoryStorage(),
      }),
      proofRoutes: [{ methods: ['POST'], path: '/pay' }],
      fetch: recorder.fetch,
    });
    await portcullis.getToken();
    await portcullis.getToken({ forceRefresh: true });
    assert.equal((await portcullis.fetch('/pay', { method: 'POST', body: '{}' })).status, 200);
    const attestBody = JSON.parse(Buffer.from(recorder.to('/v1/attest')[0]!.body).toString());
    const keyId = attestBody.evidence[0].keyId;
    assert.deepEqual(
      module.calls.map((c) => c.fn),
      [
        'isAttestationServiceAvailable',
        'generateHardwareKey',
        'getAttestation',
        'generateHardwareSignatureWithAssertion',
        'generateHardwareSignatureWithAssertion',
      ],
    );
    assert.deepEqual(module.calls[2]!.args, [attestBody.challenge, keyId]);
    assert.equal(module.calls[4]!.args[1], keyId);
    assert.match(module.calls[4]!.args[0] as string, /^portcullis-proof-v1\n/);
  });

  test("Android: the module's base64-of-comma-joined, line-wrapped chain is unwrapped into the protocol's list and accepted", async () => {
    const module = createPagopaStandIn(identity);
    module.platform = 'android';
    const recorder = createRecordingFetch();
    const portcullis = createPortcullis({
      baseUrl: live.url,
      appId: 'shop',
      provider: createAndroidProvider({
        keyAttestation: pagopaIntegrityBridges(module).androidKey,
        storage: createMemoryStorage(),
      }),
      fetch: recorder.fetch,
    });
    const token = await portcullis.getToken();
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString());
    assert.equal(claims.plt, 'android');
    const evidence = JSON.parse(Buffer.from(recorder.to('/v1/attest')[0]!.body).toString()).evidence[0];
    assert.deepEqual(evidence.certificateChain, module.devices.chains.get('portcullis-device-key'));
    assert.ok(evidence.certificateChain.every((der: string) => !/\s/.test(der)));
  });

  test('Android with @pagopa/io-react-native-crypto: refreshes by assertion and a payment carries a proof by the attested key', async () => {
    const integrity = createPagopaStandIn(identity);
    integrity.platform = 'android';
    const crypto = createPagopaCryptoStandIn(integrity);
    const recorder = createRecordingFetch();
    const portcullis = createPortcullis({
      baseUrl: live.url,
      appId: 'shop',
      provider: createAndroidProvider({
        keyAttestation: pagopaIntegrityBridges(integrity, { crypto }).androidKey,
        storage: createMemoryStorage(),
      }),
      proofRoutes: [{ methods: ['POST'], path: '/pay' }],
      fetch: recorder.fetch,
    });
    await portcullis.getToken();
    await portcullis.getToken({ forceRefresh: true });
    const paid = await portcullis.fetch('/pay', { method: 'POST', body: '{"amount":1}' });
    assert.equal(paid.status, 200);
    assert.equal(recorder.to('/v1/attest').length, 1);
    assert.equal(recorder.to('/v1/assert').length, 1);
    assert.ok(recorder.to('/pay')[0]!.headers['portcullis-proof']);
    // The old key is deleted before getAttestation (which refuses an existing alias); the
    // assertion and the proof are signed by the key getAttestation made, under the same tag.
    assert.deepEqual(
      crypto.calls.map((c) => [c.fn, c.args[c.fn === 'sign' ? 1 : 0]]),
      [
        ['deleteKey', 'portcullis-device-key'],
        ['sign', 'portcullis-device-key'],
        ['sign', 'portcullis-device-key'],
      ],
    );
    assert.match(crypto.calls[2]!.args[0] as string, /^portcullis-proof-v1\n/);
  });

  test('Android with crypto: a key lost on the device (PUBLIC_KEY_NOT_FOUND) is attested anew, once', async () => {
    const integrity = createPagopaStandIn(identity);
    integrity.platform = 'android';
    const crypto = createPagopaCryptoStandIn(integrity);
    const recorder = createRecordingFetch();
    const portcullis = createPortcullis({
      baseUrl: live.url,
      appId: 'shop',
      provider: createAndroidProvider({
        keyAttestation: pagopaIntegrityBridges(integrity, { crypto }).androidKey,
        storage: createMemoryStorage(),
      }),
      fetch: recorder.fetch,
    });
    await portcullis.getToken();
    integrity.devices.android.clear(); // app data cleared: the record survives in this test, the key does not
    await portcullis.getToken({ forceRefresh: true });
    assert.equal(recorder.to('/v1/attest').length, 2);
    assert.equal(recorder.to('/v1/assert').length, 0);
    assert.equal(integrity.calls.filter((c) => c.fn === 'getAttestation').length, 2);
  });

  test('Android without crypto: getAttestation refuses an alias that holds a key, as its Kotlin does', async () => {
    const integrity = createPagopaStandIn(identity);
    integrity.platform = 'android';
    const { androidKey } = pagopaIntegrityBridges(integrity);
    assert.equal(androidKey.sign, undefined);
    await androidKey.attestKey('alias', 'c'.repeat(43));
    await assert.rejects(androidKey.attestKey('alias', 'd'.repeat(43)), (caught: PortcullisError) => {
      assert.equal(caught.code, 'bridge_error');
      assert.equal(caught.detail, 'KEY_ALREADY_EXISTS');
      return true;
    });
  });

  test('crypto must be the module', () => {
    const integrity = createPagopaStandIn(identity);
    assert.throws(() => pagopaIntegrityBridges(integrity, { crypto: {} as never }), /io-react-native-crypto/);
  });

  test('Play Integrity: requestHash is b64url(SHA-256(challenge))', async () => {
    const module = createPagopaStandIn(identity);
    const provider = createAndroidProvider({
      playIntegrity: { bridge: pagopaIntegrityBridges(module).playIntegrity, cloudProjectNumber: '987' },
      storage: createMemoryStorage(),
    });
    const challenge = 'challenge-with-ünïcödé-is-hashed-as-utf8';
    const expected = createHash('sha256').update(challenge, 'utf8').digest('base64url');
    assert.deepEqual(await provider.attest(challenge), [
      { type: 'play-integrity', token: `integrity-token-for-${expected}` },
    ]);
    assert.deepEqual(module.calls, [
      { fn: 'prepareIntegrityToken', args: ['987'] },
      { fn: 'requestIntegrityToken', args: [expected] },
    ]);
  });

  test('rejections as React Native delivers them (code "-1" and the name in the message on iOS) are typed', async () => {
    const module = createPagopaStandIn(identity);
    const bridges = pagopaIntegrityBridges(module);
    const provider = createAppAttestProvider({ bridge: bridges.appAttest, storage: createMemoryStorage() });
    const cases = [
      [
        'generateHardwareKey',
        Object.assign(new Error('UNSUPPORTED_SERVICE'), { code: '-1' }),
        'attestation_unsupported',
      ],
      ['generateHardwareKey', { message: 'PLATFORM_NOT_SUPPORTED', userInfo: {} }, 'attestation_unsupported'],
      ['getAttestation', Object.assign(new Error('ATTESTATION_ERROR'), { code: '-1' }), 'bridge_error'],
    ] as const;
    for (const [fn, error, expected] of cases) {
      module.fail.set(fn, error);
      await assert.rejects(
        provider.attest('c'.repeat(43)),
        (caught: PortcullisError) => caught.code === expected,
      );
    }
    module.platform = 'android';
    module.fail.set(
      'requestIntegrityToken',
      Object.assign(new Error('REQUEST_TOKEN_FAILED'), { code: 'REQUEST_TOKEN_FAILED' }),
    );
    await bridges.playIntegrity.prepare('1');
    await assert.rejects(bridges.playIntegrity.request('h'), (caught: PortcullisError) => {
      assert.equal(caught.code, 'attestation_throttled');
      assert.equal(caught.detail, 'REQUEST_TOKEN_FAILED');
      return true;
    });
  });

  test('an assertion by a key the device lost is key_invalid: the client attests a new key once', async () => {
    const module = createPagopaStandIn(identity);
    const storage = createMemoryStorage();
    const bridge = pagopaIntegrityBridges(module).appAttest;
    const recorder = createRecordingFetch();
    const portcullis = createPortcullis({
      baseUrl: live.url,
      appId: 'shop',
      provider: createAppAttestProvider({ bridge, storage }),
      fetch: recorder.fetch,
    });
    await portcullis.getToken();
    module.devices.apple.clear(); // reinstall: the Keychain record survives, the App Attest key does not
    await portcullis.getToken({ forceRefresh: true });
    assert.equal(recorder.to('/v1/attest').length, 2);
    assert.equal(recorder.to('/v1/assert').length, 0);
  });

  test('the error table maps to client codes only', () => {
    for (const code of Object.values(PAGOPA_INTEGRITY_ERRORS)) assert.ok(isClientErrorCode(code), code);
  });
});
