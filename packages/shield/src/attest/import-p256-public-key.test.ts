import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { importP256PublicKey, P256_KEY_CACHE_MAX, p256KeyCacheSize } from './import-p256-public-key.js';

function jwk() {
  const { x, y } = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
  return { kty: 'EC', crv: 'P-256', x: x!, y: y! };
}

test('a registered key is imported once and then served from the cache', () => {
  const key = jwk();
  const first = importP256PublicKey(key);
  assert.ok(first);
  assert.equal(importP256PublicKey({ ...key }), first);
});

test('what is not a P-256 public key is refused, and never cached', () => {
  const key = jwk();
  const before = p256KeyCacheSize();
  assert.equal(importP256PublicKey({ ...key, d: key.x }), undefined);
  assert.equal(importP256PublicKey({ ...key, crv: 'P-384' }), undefined);
  assert.equal(importP256PublicKey({ ...key, x: `${key.x}=` }), undefined);
  assert.equal(importP256PublicKey({ ...key, y: key.x }), undefined); // off the curve
  assert.equal(p256KeyCacheSize(), before);
});

test('the cache is bounded: the least recently used key goes first', () => {
  const kept = jwk();
  const keptKey = importP256PublicKey(kept);
  const oldest = jwk();
  const oldestKey = importP256PublicKey(oldest);
  for (let i = 0; i < P256_KEY_CACHE_MAX; i++) {
    if (i % 512 === 0) assert.equal(importP256PublicKey(kept), keptKey); // keeps it recent
    importP256PublicKey(jwk());
  }
  assert.equal(p256KeyCacheSize(), P256_KEY_CACHE_MAX);
  assert.notEqual(importP256PublicKey(oldest), oldestKey, 'evicted, imported anew');
  assert.equal(importP256PublicKey(kept), keptKey);
});
