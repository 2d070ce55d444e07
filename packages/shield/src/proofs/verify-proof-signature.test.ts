import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { encodeCBOR } from '@levischuck/tiny-cbor';
import { type JsonWebKeyLike, proofMessage } from '@portcullis/protocol';
import { proofReplayKey } from './proof-replay-key.js';
import { androidDevice, iosDevice, TEST_NOW } from './test-support/proof-harness.js';
import { verifyProofSignature } from './verify-proof-signature.js';

const APP_IDS = ['ABCDE12345.com.example.shop'];
const message = proofMessage({
  method: 'POST',
  target: '/pay/session?cart=1',
  body: Buffer.from('{"amount":5}'),
  timestampMs: TEST_NOW,
  token: 'a.b.c',
  authorization: 'Bearer user-a',
});
const otherMessage = message.replace('cart=1', 'cart=2');

describe('verifyProofSignature: android (DER ECDSA P-256 over the message bytes)', () => {
  const device = androidDevice();
  const signature = device.signMessage(message);
  const key = { publicKeyJwk: device.publicKeyJwk, counter: 0 };
  const verify = (sig: Uint8Array, msg = message, k = key) =>
    verifyProofSignature({ platform: 'android', signature: sig, message: msg }, k, { appIds: [] });

  test('the signature by the key over this message verifies; no counter', () => {
    assert.deepEqual(verify(signature), { ok: true, counter: null });
  });

  test('another message, another key: proof_signature_invalid', () => {
    assert.deepEqual(verify(signature, otherMessage), {
      ok: false,
      code: 'proof_signature_invalid',
      vendorCode: 'android_assertion_signature_invalid',
    });
    const other = androidDevice();
    assert.equal(verify(other.signMessage(message)).ok, false);
  });

  test('non-canonical encodings: proof_signature_malformed (raw r||s, BER length, trailing byte, empty)', () => {
    const der = Buffer.from(signature);
    const raw = Buffer.alloc(64, 1);
    const ber = Buffer.concat([Buffer.from([0x30, 0x81]), der.subarray(1)]);
    const trailing = Buffer.concat([der, Buffer.from([0])]);
    for (const bad of [raw, ber, trailing, new Uint8Array(0)]) {
      const result = verify(bad);
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.code, 'proof_signature_malformed');
    }
  });

  test('C-22 adapted: a stored key with a private part, another curve, or off the curve: proof_device_key_invalid', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' });
    const offCurve = { ...device.publicKeyJwk, y: Buffer.alloc(32, 7).toString('base64url') };
    const withPrivatePart = privateKey.export({ format: 'jwk' });
    const keys: JsonWebKeyLike[] = [
      { kty: 'EC', crv: 'P-256', x: withPrivatePart.x!, y: withPrivatePart.y!, d: withPrivatePart.d! },
      { kty: 'EC', crv: 'P-384', x: p384.x!, y: p384.y! },
      offCurve,
      { kty: 'oct', k: 'c2VjcmV0' },
    ];
    for (const publicKeyJwk of keys) {
      const result = verify(signature, message, { publicKeyJwk, counter: 0 });
      assert.equal(!result.ok && result.code, 'proof_device_key_invalid', JSON.stringify(publicKeyJwk.kty));
    }
  });
});

describe('verifyProofSignature: ios (App Attest assertion, clientDataHash = H(message))', () => {
  test('verifies and returns the counter; the same counter again is proof_counter_not_increasing', () => {
    const device = iosDevice();
    const assertion = device.signMessage(message);
    const key = { publicKeyJwk: device.publicKeyJwk, counter: 0 };
    const input = { platform: 'ios' as const, signature: assertion, message };
    assert.deepEqual(verifyProofSignature(input, key, { appIds: APP_IDS }), { ok: true, counter: 1 });
    assert.deepEqual(verifyProofSignature(input, { ...key, counter: 1 }, { appIds: APP_IDS }), {
      ok: false,
      code: 'proof_counter_not_increasing',
      vendorCode: 'apple_counter_not_increasing',
    });
  });

  test('another message, another App ID, no App ID, a malformed assertion, an android signature', () => {
    const device = iosDevice();
    const assertion = device.signMessage(message);
    const key = { publicKeyJwk: device.publicKeyJwk, counter: 0 };
    const run = (signature: Uint8Array, msg: string, appIds: string[]) => {
      const result = verifyProofSignature({ platform: 'ios', signature, message: msg }, key, { appIds });
      return result.ok ? 'ok' : result.code;
    };
    assert.equal(run(assertion, otherMessage, APP_IDS), 'proof_signature_invalid');
    assert.equal(run(assertion, message, ['ZZZZZ99999.com.example.other']), 'proof_app_id_mismatch');
    assert.equal(run(assertion, message, []), 'proof_app_not_configured');
    assert.equal(run(assertion, message, ['not-an-app-id']), 'proof_app_not_configured');
    assert.equal(run(new Uint8Array([0xff, 0x00]), message, APP_IDS), 'proof_assertion_malformed');
    assert.equal(run(encodeCBOR(new Map([['signature', 1]])), message, APP_IDS), 'proof_assertion_malformed');
    assert.equal(run(androidDevice().signMessage(message), message, APP_IDS), 'proof_assertion_malformed');
    assert.equal(run(new Uint8Array(5000), message, APP_IDS), 'proof_assertion_malformed');
    assert.equal(run(assertion, message, APP_IDS), 'ok');
  });

  test('a platform that cannot sign proofs', () => {
    const result = verifyProofSignature(
      { platform: 'debug' as unknown as 'ios', signature: new Uint8Array(1), message },
      { publicKeyJwk: { kty: 'EC' }, counter: 0 },
      { appIds: APP_IDS },
    );
    assert.equal(!result.ok && result.code, 'proof_platform_unsupported');
  });
});

describe('proofReplayKey', () => {
  test('fixed length, one key per (device, message), whatever the signature', () => {
    const key = proofReplayKey('kid-1', message);
    assert.match(key, /^p1:[A-Za-z0-9_-]{43}$/);
    assert.equal(proofReplayKey('kid-1', Buffer.from(message)), key, 'string or bytes of the same message');
    assert.notEqual(proofReplayKey('kid-2', message), key);
    assert.notEqual(proofReplayKey('kid-1', otherMessage), key);
    // Concatenation cannot be shifted between the two parts.
    assert.notEqual(proofReplayKey('kid-1p', 'ortcullis'), proofReplayKey('kid-1', 'portcullis'));
  });
});
