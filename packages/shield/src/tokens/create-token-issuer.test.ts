import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { createManualClock } from '../clock.js';
import { isShieldError } from '../errors.js';
import { createStaticKeySource } from './create-static-key-source.js';
import { createTokenIssuer, type IssueClaims } from './create-token-issuer.js';
import { createTokenVerifier } from './create-token-verifier.js';
import type { TokenAlgorithm } from './types.js';

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0) + 999; // not on a second boundary: iat floors
const ISSUER = 'https://shield.example';
const exported = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
const device = { kty: 'EC', crv: 'P-256', x: exported.x ?? '', y: exported.y ?? '' };

function setup(alg: TokenAlgorithm = 'ES256') {
  const clock = createManualClock(T0);
  const pair =
    alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('ed25519');
  const issuer = createTokenIssuer({
    keys: { signingKey: () => ({ kid: 'k1', alg, privateKey: pair.privateKey }) },
    issuer: ISSUER,
    clock,
  });
  const verifier = createTokenVerifier({
    keys: createStaticKeySource([{ kid: 'k1', alg, publicKey: pair.publicKey }]),
    issuer: ISSUER,
    audiences: ['api', 'admin'],
    clock,
    maxLifetimeSeconds: 3600,
  });
  return { clock, issuer, verifier };
}

const base: IssueClaims = { sub: 'shop', aud: ['api'], plt: 'android', lvl: 'device', ttlSeconds: 300 };

function decodePart(token: string, index: number): string {
  return Buffer.from(token.split('.')[index]!, 'base64url').toString('utf8');
}

describe('createTokenIssuer', () => {
  for (const alg of ['ES256', 'EdDSA'] as const) {
    test(`${alg}: header is exactly {alg, typ: app+jwt, kid} and the verifier accepts the token`, async () => {
      const { issuer, verifier } = setup(alg);
      const minted = await issuer.issue(base);
      assert.equal(decodePart(minted.token, 0), `{"alg":"${alg}","typ":"app+jwt","kid":"k1"}`);
      const claims = await verifier.verify(minted.token);
      assert.equal(claims.jti, minted.jti);
      assert.equal(claims.exp, minted.exp);
    });
  }

  test('claims: iss, sub, aud, iat (floored), exp = iat + ttl, jti, plt, lvl, in that order', async () => {
    const { issuer } = setup();
    const minted = await issuer.issue(base);
    const iat = Math.floor(T0 / 1000);
    assert.deepEqual(JSON.parse(decodePart(minted.token, 1)), {
      iss: ISSUER,
      sub: 'shop',
      aud: ['api'],
      iat,
      exp: iat + 300,
      jti: minted.jti,
      plt: 'android',
      lvl: 'device',
    });
    assert.deepEqual(Object.keys(JSON.parse(decodePart(minted.token, 1))), [
      'iss',
      'sub',
      'aud',
      'iat',
      'exp',
      'jti',
      'plt',
      'lvl',
    ]);
    assert.equal(minted.expiresIn, 300);
    assert.equal(minted.exp, iat + 300);
  });

  test('jti is 16 random bytes in base64url, different each time', async () => {
    const { issuer } = setup();
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const { jti } = await issuer.issue(base);
      assert.match(jti, /^[A-Za-z0-9_-]{22}$/);
      seen.add(jti);
    }
    assert.equal(seen.size, 200);
  });

  test('cnf keeps only kty, crv, x, y of the device key; dev and ath are carried', async () => {
    const { issuer, verifier } = setup();
    const ath = Buffer.alloc(32, 9).toString('base64url');
    const minted = await issuer.issue({
      ...base,
      cnf: { kid: 'device-key', jwk: { ...device, kid: 'ignored', ext: true } },
      dev: true,
      ath,
    });
    const payload = JSON.parse(decodePart(minted.token, 1));
    assert.deepEqual(payload.cnf, {
      kid: 'device-key',
      jwk: { kty: 'EC', crv: 'P-256', x: device.x, y: device.y },
    });
    assert.equal(payload.dev, true);
    assert.equal(payload.ath, ath);
    await assert.rejects(
      verifier.verify(minted.token),
      (e) => isShieldError(e) && e.reason === 'token_dev_not_allowed',
    );
  });

  const invalid: [string, Partial<IssueClaims> & Record<string, unknown>][] = [
    ['empty sub', { sub: '' }],
    ['aud not an array', { aud: 'api' as unknown as string[] }],
    ['empty aud', { aud: [] }],
    ['duplicate aud', { aud: ['api', 'api'] }],
    ['plt windows', { plt: 'windows' as 'ios' }],
    ['lvl ultra', { lvl: 'ultra' as 'device' }],
    ['ttl 0', { ttlSeconds: 0 }],
    ['ttl 1.5', { ttlSeconds: 1.5 }],
    ['ttl above maxTtlSeconds', { ttlSeconds: 3601 }],
    ['dev false', { dev: false as unknown as true }],
    ['ath not 32 bytes', { ath: 'abc' }],
    ['cnf with a private key', { cnf: { kid: 'd', jwk: { ...device, d: 'AAAA' } } }],
    ['cnf on P-384', { cnf: { kid: 'd', jwk: { ...device, crv: 'P-384' } } }],
    [
      'cnf point not on the curve',
      {
        cnf: {
          kid: 'd',
          jwk: { kty: 'EC', crv: 'P-256', x: device.x, y: Buffer.alloc(32, 1).toString('base64url') },
        },
      },
    ],
    ['cnf without kid', { cnf: { jwk: device } as unknown as NonNullable<IssueClaims['cnf']> }],
    ['claims too large for a token', { aud: Array.from({ length: 16 }, (_, i) => `${i}`.padEnd(250, 'a')) }],
  ];
  for (const [name, overrides] of invalid) {
    test(`refuses ${name} (token_issue_claims_invalid)`, async () => {
      const { issuer } = setup();
      await assert.rejects(
        issuer.issue({ ...base, ...overrides } as IssueClaims),
        (e) => isShieldError(e) && e.code === 'internal_error' && e.reason === 'token_issue_claims_invalid',
      );
    });
  }

  test('options are checked when it is built', () => {
    const keys = {
      signingKey: () => ({
        kid: 'k',
        alg: 'ES256' as const,
        privateKey: generateKeyPairSync('ed25519').privateKey,
      }),
    };
    const clock = createManualClock(T0);
    assert.throws(() => createTokenIssuer({ keys, issuer: '', clock }), TypeError);
    assert.throws(() => createTokenIssuer({ keys, issuer: ISSUER, clock, maxTtlSeconds: 0 }), TypeError);
    assert.throws(() => createTokenIssuer({ keys: {} as typeof keys, issuer: ISSUER, clock }), TypeError);
  });
});
