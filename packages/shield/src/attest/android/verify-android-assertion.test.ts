import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { describe, test } from 'node:test';
import type { JsonWebKeyLike } from '@portcullis/protocol';
import { verifyAndroidAssertion } from './verify-android-assertion.js';

const message = new TextEncoder().encode('Nq2y4Wm3vZ8kD0cT5rX1bL7hF9gJ6sA2eU4oP3iQ8wE');
const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const jwk = (key: KeyObject): JsonWebKeyLike => {
  const { kty, crv, x, y } = key.export({ format: 'jwk' });
  return { kty: kty ?? '', crv: crv ?? '', x: x ?? '', y: y ?? '' };
};
const device = { publicKeyJwk: jwk(keys.publicKey) };
const der = (data: Uint8Array, key = keys.privateKey) =>
  new Uint8Array(sign('sha256', data, { key, dsaEncoding: 'der' }));

function refused(result: ReturnType<typeof verifyAndroidAssertion>, code: string, step: string) {
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(result.code, code);
  assert.equal(result.kind, 'invalid');
  assert.deepEqual(
    result.steps.filter((s) => s.verdict === 'fail'),
    [{ step, verdict: 'fail' }],
  );
}

/** DER INTEGER of a non-negative bigint (minimal two's complement). */
function derInteger(value: bigint): number[] {
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const bytes = [...Buffer.from(hex, 'hex')];
  if ((bytes[0] ?? 0) & 0x80) bytes.unshift(0);
  return [0x02, bytes.length, ...bytes];
}
const derSignature = (r: bigint, s: bigint) => {
  const body = [...derInteger(r), ...derInteger(s)];
  return new Uint8Array([0x30, body.length, ...body]);
};
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

describe('verifyAndroidAssertion', () => {
  test('accepts a SHA256withECDSA signature by the device key over the challenge bytes', () => {
    const result = verifyAndroidAssertion({ signature: der(message), message }, device);
    assert.deepEqual(result, {
      ok: true,
      steps: [
        { step: 'device_key', verdict: 'pass' },
        { step: 'signature_encoding', verdict: 'pass' },
        { step: 'signature', verdict: 'pass' },
      ],
    });
  });

  test('refuses a signature by another key', () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    refused(
      verifyAndroidAssertion({ signature: der(message, other.privateKey), message }, device),
      'android_assertion_signature_invalid',
      'signature',
    );
  });

  test('refuses a signature over another message', () => {
    const signature = der(message);
    const changed = Uint8Array.from(message);
    changed[0] = (changed[0] ?? 0) ^ 1;
    refused(
      verifyAndroidAssertion({ signature, message: changed }, device),
      'android_assertion_signature_invalid',
      'signature',
    );
  });

  test('refuses psychic signatures and r, s out of range', () => {
    for (const [r, s] of [
      [0n, 0n],
      [0n, 1n],
      [1n, 0n],
      [N, 1n],
      [1n, N],
      [N + 1n, N + 1n],
    ] as const) {
      refused(
        verifyAndroidAssertion({ signature: derSignature(r, s), message }, device),
        'android_assertion_signature_invalid',
        'signature',
      );
    }
  });

  test('refuses a raw r||s (IEEE P1363) signature', () => {
    const p1363 = new Uint8Array(
      sign('sha256', message, { key: keys.privateKey, dsaEncoding: 'ieee-p1363' }),
    );
    assert.equal(p1363.length, 64);
    refused(
      verifyAndroidAssertion({ signature: p1363, message }, device),
      'android_assertion_signature_malformed',
      'signature_encoding',
    );
  });

  test('refuses BER variants, trailing bytes, truncation and junk', () => {
    const good = der(message);
    const body = good.subarray(2);
    const longLength = new Uint8Array([0x30, 0x81, body.length, ...body]);
    const trailing = new Uint8Array([...good, 0x00]);
    // r with a superfluous leading zero byte.
    const r = body.subarray(2, 2 + (body[1] ?? 0));
    const s = body.subarray(2 + (body[1] ?? 0));
    const paddedR = new Uint8Array([0x02, r.length + 1, 0x00, ...r]);
    const padded = new Uint8Array([0x30, paddedR.length + s.length, ...paddedR, ...s]);
    for (const signature of [
      longLength,
      trailing,
      padded,
      good.subarray(0, good.length - 1),
      new Uint8Array(),
      new Uint8Array(80).fill(0x30),
      'not bytes' as unknown as Uint8Array,
    ]) {
      refused(
        verifyAndroidAssertion({ signature, message }, device),
        'android_assertion_signature_malformed',
        'signature_encoding',
      );
    }
  });

  test('refuses device keys that are not EC P-256 public JWKs', () => {
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const base = device.publicKeyJwk;
    const bad: JsonWebKeyLike[] = [
      jwk(p384.publicKey),
      rsa.publicKey.export({ format: 'jwk' }) as JsonWebKeyLike,
      { ...base, crv: 'P-384' },
      { kty: 'EC', crv: 'P-256', x: base.x ?? '' },
      { ...base, x: `${base.x}A` },
      { ...base, y: Buffer.alloc(32, 7).toString('base64url') },
      { ...base, d: 'secret' },
      null as unknown as JsonWebKeyLike,
    ];
    for (const publicKeyJwk of bad) {
      refused(
        verifyAndroidAssertion({ signature: der(message), message }, { publicKeyJwk }),
        'android_assertion_key_invalid',
        'device_key',
      );
    }
  });
});
