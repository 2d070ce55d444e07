import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { createManualClock } from '../clock.js';
import { isShieldError } from '../errors.js';
import { createStaticKeySource } from './create-static-key-source.js';
import { createTokenIssuer, type IssueClaims } from './create-token-issuer.js';
import { createTokenVerifier, type TokenVerifierOptions } from './create-token-verifier.js';
import type { VerificationKey, VerificationKeySource } from './types.js';

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const ISSUER = 'https://shield.example';

function setup(overrides: Partial<TokenVerifierOptions> = {}) {
  const clock = createManualClock(T0);
  const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  let key: VerificationKey = { kid: 'k1', alg: 'ES256', publicKey: pair.publicKey };
  let published = true;
  // A source whose key can be withdrawn or replaced by an equal key object (as after a reload).
  const keys: VerificationKeySource & { withdraw(): void; reload(): void } = {
    verificationKey: (kid) => (published && kid === key.kid ? key : undefined),
    withdraw: () => {
      published = false;
    },
    reload: () => {
      key = { ...key };
    },
  };
  const issuer = createTokenIssuer({
    keys: { signingKey: () => ({ kid: 'k1', alg: 'ES256', privateKey: pair.privateKey }) },
    issuer: ISSUER,
    clock,
  });
  const verifier = createTokenVerifier({
    keys,
    issuer: ISSUER,
    audiences: ['api'],
    clock,
    maxLifetimeSeconds: 900,
    ...overrides,
  });
  const claims: IssueClaims = { sub: 'shop', aud: ['api'], plt: 'ios', lvl: 'hardware', ttlSeconds: 300 };
  return { clock, keys, issuer, verifier, claims };
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'valid';
  } catch (error) {
    assert.ok(isShieldError(error));
    return error.reason;
  }
}

describe('createTokenVerifier: verified-token cache', () => {
  test('a second verify of the same token is a hit returning the same frozen claims', async () => {
    const { issuer, verifier, claims } = setup();
    const { token } = await issuer.issue(claims);
    const first = await verifier.verify(token);
    const second = await verifier.verify(token);
    assert.equal(second, first);
    assert.deepEqual(verifier.stats(), { cacheEntries: 1, cacheHits: 1, cacheMisses: 1 });
  });

  test('a hit still checks exp against the clock (with the tolerance)', async () => {
    const { clock, issuer, verifier, claims } = setup();
    const { token, exp } = await issuer.issue(claims);
    await verifier.verify(token);
    clock.set((exp + 29) * 1000);
    assert.equal((await verifier.verify(token)).exp, exp);
    clock.set((exp + 30) * 1000);
    await assert.rejects(verifier.verify(token), (e) => isShieldError(e) && e.code === 'token_expired');
    assert.equal(verifier.stats().cacheEntries, 0);
  });

  test('a hit whose key was withdrawn since is refused (token_kid_unknown)', async () => {
    const { keys, issuer, verifier, claims } = setup();
    const { token } = await issuer.issue(claims);
    await verifier.verify(token);
    keys.withdraw();
    assert.equal(await reasonOf(verifier.verify(token)), 'token_kid_unknown');
  });

  test('a hit whose key object was replaced (reload) is verified again from scratch', async () => {
    const { keys, issuer, verifier, claims } = setup();
    const { token } = await issuer.issue(claims);
    await verifier.verify(token);
    keys.reload();
    assert.equal((await verifier.verify(token)).sub, 'shop');
    assert.deepEqual(verifier.stats(), { cacheEntries: 1, cacheHits: 0, cacheMisses: 2 });
  });

  test('a refused token is never cached', async () => {
    const { issuer, verifier, claims } = setup({ audiences: ['other'] });
    const { token } = await issuer.issue(claims);
    assert.equal(await reasonOf(verifier.verify(token)), 'token_audience_mismatch');
    assert.equal(await reasonOf(verifier.verify(token)), 'token_audience_mismatch');
    assert.deepEqual(verifier.stats(), { cacheEntries: 0, cacheHits: 0, cacheMisses: 2 });
  });

  test('memory stays flat: a flood of distinct valid tokens never holds more than maxEntries', async () => {
    const { issuer, verifier, claims } = setup({ cache: { maxEntries: 64 } });
    let peak = 0;
    for (let i = 0; i < 600; i++) {
      await verifier.verify((await issuer.issue(claims)).token);
      peak = Math.max(peak, verifier.stats().cacheEntries);
    }
    assert.equal(peak, 64);
    assert.equal(verifier.stats().cacheMisses, 600);
  });

  test('a flood of distinct forged tokens adds nothing to the cache', async () => {
    const { issuer, verifier, claims } = setup({ cache: { maxEntries: 64 } });
    await verifier.verify((await issuer.issue(claims)).token);
    const [h, p] = (await issuer.issue(claims)).token.split('.');
    for (let i = 0; i < 5000; i++) {
      await assert.rejects(verifier.verify(`${h}.${p}.${randomBytes(64).toString('base64url')}`));
    }
    assert.equal(verifier.stats().cacheEntries, 1);
  });

  test('maxEntries 0 turns the cache off', async () => {
    const { issuer, verifier, claims } = setup({ cache: { maxEntries: 0 } });
    const { token } = await issuer.issue(claims);
    await verifier.verify(token);
    await verifier.verify(token);
    assert.deepEqual(verifier.stats(), { cacheEntries: 0, cacheHits: 0, cacheMisses: 2 });
  });

  test('verifySync gives the same verdicts without a promise', async () => {
    const { issuer, verifier, claims } = setup();
    const { token } = await issuer.issue(claims);
    assert.equal(verifier.verifySync(token).sub, 'shop');
    assert.throws(
      () => verifier.verifySync(`${token}x`),
      (e) => isShieldError(e) && e.reason === 'token_malformed',
    );
    assert.throws(
      () => verifier.verifySync(42 as unknown as string),
      (e) => isShieldError(e) && e.reason === 'token_malformed',
    );
  });
});

describe('createTokenVerifier: options are checked when it is built', () => {
  const keys = createStaticKeySource([]);
  const clock = createManualClock(T0);
  const base: TokenVerifierOptions = {
    keys,
    issuer: ISSUER,
    audiences: ['api'],
    clock,
    maxLifetimeSeconds: 300,
  };
  const bad: [string, Partial<TokenVerifierOptions>][] = [
    ['empty issuer', { issuer: '' }],
    ['no audiences', { audiences: [] }],
    ['empty audience', { audiences: [''] }],
    ['tolerance 61', { clockToleranceSeconds: 61 }],
    ['maxLifetimeSeconds 0', { maxLifetimeSeconds: 0 }],
    ['maxLifetimeSeconds 2 days', { maxLifetimeSeconds: 172_800 }],
    ['algorithm RS256', { algorithms: ['RS256' as 'ES256'] }],
    ['no algorithms', { algorithms: [] }],
    ['negative cache size', { cache: { maxEntries: -1 } }],
    ['keys without verificationKey', { keys: {} as VerificationKeySource }],
  ];
  for (const [name, overrides] of bad) {
    test(name, () => {
      assert.throws(() => createTokenVerifier({ ...base, ...overrides }), TypeError);
    });
  }
  test('the defaults build', () => {
    assert.ok(createTokenVerifier(base));
  });
});
