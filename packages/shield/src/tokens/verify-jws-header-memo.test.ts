import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';
import { isShieldError } from '../errors.js';
import { createLruCache } from './create-lru-cache.js';
import { createStaticKeySource } from './create-static-key-source.js';
import { type JwsHeader, verifyJws } from './verify-jws.js';

const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const keys = createStaticKeySource([{ kid: 'k1', alg: 'ES256', publicKey: pair.publicKey }]);
const options = { algorithms: ['ES256'] as const, typ: 'app+jwt' };

function segment(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function signed(header: Record<string, unknown>, payload: Record<string, unknown>): string {
  const input = `${segment(header)}.${segment(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key: pair.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

// The header memo skips decoding the header segment every token of one signing key shares. It
// used to remember every header that merely looked right, before the key lookup and the
// signature: a stream of invalid tokens with made-up kids (or forged signatures) evicted the
// real header, so the cache an attacker cannot fill with valid tokens filled with invalid ones.
test('invalid tokens never enter the header memo; only a header whose signature verified does', () => {
  const memo = createLruCache<JwsHeader>(4);
  const invalid = [
    ...Array.from({ length: 8 }, (_, i) =>
      signed({ alg: 'ES256', typ: 'app+jwt', kid: `made-up-${i}` }, { i }),
    ),
    `${signed({ alg: 'ES256', typ: 'app+jwt', kid: 'k1' }, { a: 1 }).slice(0, -4)}AAAA`,
  ];
  for (const token of invalid) {
    assert.throws(() => verifyJws(token, keys, options, memo), isShieldError);
  }
  assert.equal(memo.size, 0, 'no header of an invalid token is remembered');

  const valid = signed({ alg: 'ES256', typ: 'app+jwt', kid: 'k1' }, { a: 1 });
  assert.equal(verifyJws(valid, keys, options, memo).kid, 'k1');
  assert.equal(memo.size, 1);
  assert.deepEqual(memo.get(valid.split('.')[0]!), { alg: 'ES256', kid: 'k1' });
});
