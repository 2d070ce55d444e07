import assert from 'node:assert/strict';
import { generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { createManualClock } from '../../shield/src/clock.js';
import { isShieldError } from '../../shield/src/errors.js';
import {
  createKeyStore,
  createTokenIssuer,
  createTokenVerifier,
  type KeyStore,
  type TokenVerifier,
} from '../../shield/src/tokens/index.js';
import { type AppTokenVerifier, createAppTokenVerifier } from './create-app-token-verifier.js';
import { createStaticJwks } from './create-static-jwks.js';

// The backend verifier must refuse exactly what the shield refuses, for the same reason: both run
// the shared profile and claim checks of @portcullis/protocol, with node:crypto on one side and
// Web Crypto on the other. Every token here goes through both.

const ISSUER = 'https://shield.test.example';
const T0 = Date.UTC(2026, 5, 1, 12);
const ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

let dir: string;
let clock: ReturnType<typeof createManualClock>;
let es256: KeyStore;
let eddsa: KeyStore;
let shield: TokenVerifier;
let ours: AppTokenVerifier;

const b64 = (data: string | Uint8Array) => Buffer.from(data).toString('base64url');

function jws(
  header: unknown,
  claims: unknown,
  key: { privateKey: KeyObject; alg: 'ES256' | 'EdDSA' },
): string {
  const h = typeof header === 'string' ? header : b64(JSON.stringify(header));
  const p = typeof claims === 'string' ? claims : b64(JSON.stringify(claims));
  const input = Buffer.from(`${h}.${p}`);
  const signature =
    key.alg === 'ES256'
      ? sign('sha256', input, { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
      : sign(null, input, key.privateKey);
  return `${h}.${p}.${b64(signature)}`;
}

function baseClaims(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const iat = Math.floor(clock.now() / 1000);
  return {
    iss: ISSUER,
    sub: 'shop',
    aud: ['shop-api'],
    iat,
    exp: iat + 300,
    jti: 'a'.repeat(22),
    plt: 'android',
    lvl: 'hardware',
    ...overrides,
  };
}

function signingKey(store: KeyStore) {
  const key = store.signingKey();
  return { kid: key.kid, alg: key.alg, privateKey: key.privateKey };
}

function header(store: KeyStore, overrides: Record<string, unknown> = {}) {
  const key = signingKey(store);
  return { alg: key.alg, typ: 'app+jwt', kid: key.kid, ...overrides };
}

async function shieldVerdict(token: unknown): Promise<string> {
  try {
    shield.verifySync(token as string);
    return 'ok';
  } catch (error) {
    if (!isShieldError(error)) throw error;
    return `${error.code}/${error.reason}`;
  }
}

async function ourVerdict(token: unknown): Promise<string> {
  const result = await ours.verify(token as string);
  return result.ok ? 'ok' : `${result.error.code}/${result.error.reason}`;
}

async function assertSame(token: unknown, expected: string, what: string): Promise<void> {
  assert.equal(await shieldVerdict(token), expected, `shield: ${what}`);
  assert.equal(await ourVerdict(token), expected, `@portcullis/verify: ${what}`);
}

function withSignature(token: string, signature: Uint8Array): string {
  return `${token.slice(0, token.lastIndexOf('.'))}.${b64(signature)}`;
}

function scalars(r: bigint, s: bigint): Uint8Array {
  return Buffer.from(r.toString(16).padStart(64, '0') + s.toString(16).padStart(64, '0'), 'hex');
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-verify-'));
  clock = createManualClock(T0);
  es256 = createKeyStore({ dir: join(dir, 'es256'), alg: 'ES256', clock });
  eddsa = createKeyStore({ dir: join(dir, 'eddsa'), alg: 'EdDSA', clock });
  await es256.load();
  await eddsa.load();
  const options = { issuer: ISSUER, audiences: ['shop-api', 'other-api'], maxLifetimeSeconds: 3600, clock };
  const both = { verificationKey: (kid: string) => es256.verificationKey(kid) ?? eddsa.verificationKey(kid) };
  shield = createTokenVerifier({ ...options, keys: both });
  ours = createAppTokenVerifier({
    ...options,
    keys: await createStaticJwks({ keys: [...es256.jwks().keys, ...eddsa.jwks().keys] }),
  });
});
after(() => rm(dir, { recursive: true, force: true }));

describe('the backend verifier agrees with the shield', () => {
  test('tokens the shield issues verify, with the same frozen claims', async () => {
    for (const store of [es256, eddsa]) {
      const issuer = createTokenIssuer({ keys: store, issuer: ISSUER, clock });
      const { token } = await issuer.issue({
        sub: 'shop',
        aud: ['shop-api'],
        plt: 'ios',
        lvl: 'device',
        ttlSeconds: 300,
      });
      const theirs = shield.verifySync(token);
      const result = await ours.verify(token);
      assert.ok(result.ok);
      assert.deepEqual(result.claims, theirs);
      assert.ok(Object.isFrozen(result.claims) && Object.isFrozen(result.claims.aud));
      assert.equal(result.kid, signingKey(store).kid);
    }
  });

  test('structure and encoding', async () => {
    const good = jws(header(es256), baseClaims(), signingKey(es256));
    const [h, p, s] = good.split('.') as [string, string, string];
    const cases: [unknown, string, string][] = [
      [42, 'token_invalid/token_malformed', 'not a string'],
      ['', 'token_invalid/token_malformed', 'empty'],
      [`${h}.${p}`, 'token_invalid/token_malformed', 'two segments'],
      [`${h}.${p}.${s}.${s}.${s}`, 'token_invalid/token_malformed', 'five segments (JWE)'],
      [`${h}..${s}`, 'token_invalid/token_malformed', 'empty payload'],
      [`${h}.${p}.${s}=`, 'token_invalid/token_malformed', 'padding'],
      [`${h}.+${p.slice(1)}.${s}`, 'token_invalid/token_malformed', 'standard base64 alphabet'],
      [` ${good}`, 'token_invalid/token_malformed', 'leading space'],
      [`${h}.${'A'.repeat(4096)}.${s}`, 'token_invalid/token_too_long', 'over 4096 characters'],
      [`{"payload":"${p}"}`, 'token_invalid/token_malformed', 'JSON serialization'],
    ];
    for (const [token, expected, what] of cases) await assertSame(token, expected, what);
  });

  test('header profile', async () => {
    const key = signingKey(es256);
    const claims = baseClaims();
    const cases: [unknown, string, string][] = [
      [
        { ...header(es256), jku: 'https://evil.example/jwks' },
        'token_invalid/token_header_not_allowed',
        'jku',
      ],
      [{ ...header(es256), jwk: { kty: 'EC' } }, 'token_invalid/token_header_not_allowed', 'embedded jwk'],
      [{ ...header(es256), crit: ['exp'] }, 'token_invalid/token_header_not_allowed', 'crit'],
      [header(es256, { alg: 'none' }), 'token_invalid/token_alg_not_allowed', 'alg none'],
      [header(es256, { alg: 'HS256' }), 'token_invalid/token_alg_not_allowed', 'HS256'],
      [header(es256, { alg: 'EdDSA' }), 'token_invalid/token_alg_not_allowed', 'EdDSA on an ES256 key'],
      [header(es256, { typ: 'JWT' }), 'token_invalid/token_typ_invalid', 'typ JWT'],
      [header(es256, { typ: 'APP+JWT' }), 'token_invalid/token_typ_invalid', 'typ in capitals'],
      [{ alg: 'ES256', kid: key.kid }, 'token_invalid/token_typ_invalid', 'no typ'],
      [{ alg: 'ES256', typ: 'app+jwt' }, 'token_invalid/token_kid_invalid', 'no kid'],
      [header(es256, { kid: '../../etc/passwd' }), 'token_invalid/token_kid_invalid', 'path in kid'],
      [header(es256, { kid: 'unknown-kid' }), 'token_invalid/token_kid_unknown', 'unknown kid'],
      [
        b64(`{"alg":"ES256","typ":"app+jwt","kid":"${key.kid}","kid":"${key.kid}"}`),
        'token_invalid/token_duplicate_member',
        'repeated kid',
      ],
      [b64('not json'), 'token_invalid/token_malformed', 'header not JSON'],
      [b64(`\ufeff${JSON.stringify(header(es256))}`), 'token_invalid/token_malformed', 'BOM'],
    ];
    for (const [h, expected, what] of cases) await assertSame(jws(h, claims, key), expected, what);
  });

  test('signature', async () => {
    const good = jws(header(es256), baseClaims(), signingKey(es256));
    const signature = Buffer.from(good.slice(good.lastIndexOf('.') + 1), 'base64url');
    const r = BigInt(`0x${signature.subarray(0, 32).toString('hex')}`);
    const s = BigInt(`0x${signature.subarray(32).toString('hex')}`);
    const der = sign('sha256', Buffer.from(good.slice(0, good.lastIndexOf('.'))), {
      key: signingKey(es256).privateKey,
      dsaEncoding: 'der',
    });
    const cases: [string, string, string][] = [
      [withSignature(good, signature.subarray(0, 63)), 'token_invalid/token_signature_malformed', '63 bytes'],
      [withSignature(good, der), 'token_invalid/token_signature_malformed', 'DER'],
      [withSignature(good, scalars(0n, 0n)), 'token_invalid/token_signature_invalid', 'r = s = 0'],
      [withSignature(good, scalars(r, ORDER)), 'token_invalid/token_signature_invalid', 's = n'],
      [withSignature(good, scalars(r + ORDER, s)), 'token_invalid/token_signature_invalid', 'r + n'],
      [withSignature(good, new Uint8Array(64).fill(7)), 'token_invalid/token_signature_invalid', 'random'],
      // ECDSA is malleable: (r, n - s) verifies as well, on both sides.
      [withSignature(good, scalars(r, ORDER - s)), 'ok', '(r, n - s)'],
    ];
    for (const [token, expected, what] of cases) await assertSame(token, expected, what);
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
    await assertSame(
      jws(header(es256), baseClaims(), { privateKey: other, alg: 'ES256' }),
      'token_invalid/token_signature_invalid',
      'signed by another key',
    );
  });

  test('claims', async () => {
    const key = signingKey(es256);
    const iat = Math.floor(clock.now() / 1000);
    const cnf = {
      kid: 'device-1',
      jwk: { kty: 'EC', crv: 'P-256', x: b64(new Uint8Array(32)), y: b64(new Uint8Array(32)) },
    };
    const cases: [unknown, string, string][] = [
      [baseClaims({ scope: 'admin' }), 'token_invalid/token_claims_invalid', 'unknown claim'],
      [baseClaims({ iss: `${ISSUER}/` }), 'token_invalid/token_issuer_mismatch', 'issuer with a slash'],
      [baseClaims({ aud: 'shop-api' }), 'token_invalid/token_audience_mismatch', 'aud as a string'],
      [
        baseClaims({ aud: ['shop-api', 'theirs'] }),
        'token_invalid/token_audience_mismatch',
        'a foreign audience',
      ],
      [
        baseClaims({ aud: ['shop-api', 'shop-api'] }),
        'token_invalid/token_claims_invalid',
        'a repeated audience',
      ],
      [baseClaims({ aud: ['shop-api', 'other-api'] }), 'ok', 'two served audiences'],
      [baseClaims({ exp: iat }), 'token_invalid/token_claims_invalid', 'exp = iat'],
      [baseClaims({ exp: iat + 3601 }), 'token_invalid/token_lifetime_too_long', 'lifetime over the maximum'],
      [
        baseClaims({ iat: iat + 31, exp: iat + 300 }),
        'token_invalid/token_iat_in_future',
        'iat in the future',
      ],
      [baseClaims({ nbf: iat + 31 }), 'token_invalid/token_not_yet_valid', 'nbf in the future'],
      [baseClaims({ iat: iat - 400, exp: iat - 31 }), 'token_expired/token_expired', 'expired'],
      [baseClaims({ iat: iat - 400, exp: iat - 29 }), 'ok', 'expired within the tolerance'],
      [baseClaims({ dev: true }), 'token_invalid/token_dev_not_allowed', 'a development token'],
      [baseClaims({ dev: false }), 'token_invalid/token_claims_invalid', 'dev: false'],
      [baseClaims({ lvl: 'platinum' }), 'token_invalid/token_claims_invalid', 'unknown level'],
      [baseClaims({ plt: 'web' }), 'token_invalid/token_claims_invalid', 'unknown platform'],
      [baseClaims({ jti: 'j'.repeat(129) }), 'token_invalid/token_claims_invalid', 'jti too long'],
      [baseClaims({ cnf }), 'ok', 'a device key'],
      [
        baseClaims({ cnf: { ...cnf, jwk: { ...cnf.jwk, d: cnf.jwk.x } } }),
        'token_invalid/token_claims_invalid',
        'cnf with d',
      ],
      [baseClaims({ ath: 'not-a-hash' }), 'token_invalid/token_claims_invalid', 'malformed ath'],
      [
        b64(JSON.stringify(baseClaims()).replace(/"iat":(\d+)/, '"iat":$1.0')),
        'token_invalid/token_claims_invalid',
        'iat as 1.0',
      ],
      [
        b64(JSON.stringify(baseClaims()).replace(/"exp":(\d+)/, '"exp":1.5e9')),
        'token_invalid/token_claims_invalid',
        'exp with an exponent',
      ],
      [
        b64(`${JSON.stringify(baseClaims()).slice(0, -1)},"sub":"other"}`),
        'token_invalid/token_duplicate_member',
        'a repeated claim',
      ],
      [
        baseClaims({ cnf: { kid: 'k', jwk: { kty: 'EC', crv: 'P-256', x: { y: { z: 1 } }, y: 'a' } } }),
        'token_invalid/token_claims_invalid',
        'nested too deep',
      ],
      [b64('[1,2,3]'), 'token_invalid/token_claims_invalid', 'an array'],
    ];
    for (const [claims, expected, what] of cases)
      await assertSame(jws(header(es256), claims, key), expected, what);
  });

  test('random mutations of a valid token: the same verdict on both sides', async () => {
    const good = jws(header(es256), baseClaims(), signingKey(es256));
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: good.length - 1 }),
        fc.constantFrom('delete', 'insert', 'replace'),
        fc.constantFrom(...'AQgw-_.=+/ \n'.split('')),
        async (at, kind, char) => {
          const mutated =
            kind === 'delete'
              ? good.slice(0, at) + good.slice(at + 1)
              : kind === 'insert'
                ? good.slice(0, at) + char + good.slice(at)
                : good.slice(0, at) + char + good.slice(at + 1);
          assert.equal(await ourVerdict(mutated), await shieldVerdict(mutated), mutated);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('createAppTokenVerifier: the verified-token cache', () => {
  test('a hit skips the signature but still refuses an expired token', async () => {
    const token = jws(header(es256), baseClaims(), signingKey(es256));
    const before = ours.stats();
    assert.ok((await ours.verify(token)).ok);
    assert.ok((await ours.verify(token)).ok);
    const after = ours.stats();
    assert.equal(after.cacheMisses - before.cacheMisses, 1);
    assert.equal(after.cacheHits - before.cacheHits, 1);
    clock.advance(331_000);
    try {
      const expired = await ours.verify(token);
      assert.ok(!expired.ok && expired.error.reason === 'token_expired' && expired.error.status === 401);
      assert.equal(ours.stats().cacheHits - after.cacheHits, 0, 'an expired entry is not a hit');
    } finally {
      clock.set(T0);
    }
  });

  test('options are checked when it is built', async () => {
    const keys = await createStaticJwks({ keys: es256.jwks().keys });
    const base = { keys, issuer: ISSUER, audiences: ['shop-api'] };
    assert.ok(createAppTokenVerifier(base), 'the defaults build');
    const bad: Record<string, unknown>[] = [
      { issuer: '' },
      { audiences: [] },
      { clockToleranceSeconds: 61 },
      { maxLifetimeSeconds: 0 },
      { algorithms: ['RS256'] },
      { allowDev: 1 },
      { cache: { maxEntries: -1 } },
      { keys: {} },
      { clock: {} },
    ];
    for (const overrides of bad) {
      assert.throws(
        () => createAppTokenVerifier({ ...base, ...overrides } as never),
        TypeError,
        JSON.stringify(overrides),
      );
    }
  });
});
