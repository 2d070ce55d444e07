import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { jwtVerify } from 'jose';
import { fuzzParameters } from '../../test/support/fuzz-budget.js';
import { createManualClock } from '../clock.js';
import { isShieldError } from '../errors.js';
import { createStaticKeySource } from './create-static-key-source.js';
import { createTokenIssuer } from './create-token-issuer.js';
import { createTokenVerifier } from './create-token-verifier.js';

// Fuzzing the app-token verifier (C-02, C-14, C-31). The strict reference is jose: a token the
// shield accepts must verify under jose with the same key, issuer, audience, type and time, with
// the same claims. Inputs are genuine tokens with characters replaced, removed or added, segments
// reordered or re-encoded, headers rewritten and re-signed, and random strings.

const NOW = 1_780_000_000;
const clock = createManualClock(NOW * 1000);
const ISSUER = 'https://shield.example';
const AUDIENCE = 'shop-api';
const KID = 'fuzz-key-1';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });

const verifier = createTokenVerifier({
  keys: createStaticKeySource([{ kid: KID, alg: 'ES256', publicKey }]),
  issuer: ISSUER,
  audiences: [AUDIENCE],
  clock,
  clockToleranceSeconds: 30,
  maxLifetimeSeconds: 3600,
  cache: { maxEntries: 0 },
});
const issuer = createTokenIssuer({
  keys: { signingKey: () => ({ kid: KID, alg: 'ES256', privateKey }) },
  issuer: ISSUER,
  clock,
});
const genuine = await Promise.all(
  [0, 1, 2].map(
    async () =>
      (await issuer.issue({ sub: 'shop', aud: [AUDIENCE], plt: 'android', lvl: 'device', ttlSeconds: 300 }))
        .token,
  ),
);

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** A header rewritten (and the token re-signed with the right key): only the exact profile may pass. */
const rewrittenHeaders = fc
  .record({
    alg: fc.constantFrom('ES256', 'es256', 'ES384', 'none', 'HS256', 'EdDSA'),
    typ: fc.constantFrom('app+jwt', 'APP+JWT', 'JWT', undefined),
    kid: fc.constantFrom(KID, `${KID} `, 'other', undefined),
    extra: fc.constantFrom(
      {},
      { crit: ['exp'] },
      { jku: 'https://x.invalid' },
      { b64: false },
      { zip: 'DEF' },
    ),
    spacing: fc.boolean(),
  })
  .chain(({ alg, typ, kid, extra, spacing }) =>
    fc.nat(genuine.length - 1).map((which) => {
      const header = { alg, ...(typ ? { typ } : {}), ...(kid ? { kid } : {}), ...extra };
      const text = spacing ? JSON.stringify(header, null, 1) : JSON.stringify(header);
      const payload = genuine[which]!.split('.')[1]!;
      const input = `${b64(text)}.${payload}`;
      const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
      return `${input}.${signature.toString('base64url')}`;
    }),
  );

const tokens = fc.oneof(
  fc
    .tuple(
      fc.nat(genuine.length - 1),
      fc.nat(),
      fc.constantFrom(...B64URL, '.', '=', '+', '/', ' ', '\u00e9'),
    )
    .map(([which, at, char]) => {
      const token = genuine[which]!;
      const i = at % token.length;
      return `${token.slice(0, i)}${char}${token.slice(i + 1)}`;
    }),
  fc.tuple(fc.nat(genuine.length - 1), fc.nat()).map(([which, at]) => {
    const token = genuine[which]!;
    const i = at % token.length;
    return token.slice(0, i) + token.slice(i + 1);
  }),
  fc
    .tuple(fc.nat(genuine.length - 1), fc.nat(), fc.constantFrom('=', '==', '.', 'A', '\n'))
    .map(([which, at, text]) => {
      const token = genuine[which]!;
      const i = at % (token.length + 1);
      return token.slice(0, i) + text + token.slice(i);
    }),
  fc.tuple(fc.nat(genuine.length - 1), fc.nat(genuine.length - 1)).map(([a, b]) => {
    const [h, p] = genuine[a]!.split('.');
    return `${h}.${p}.${genuine[b]!.split('.')[2]}`;
  }),
  rewrittenHeaders,
  fc.string({ maxLength: 200 }),
);

async function joseAccepts(token: string): Promise<Record<string, unknown> | null> {
  try {
    const { payload } = await jwtVerify(token, publicKey, {
      algorithms: ['ES256'],
      issuer: ISSUER,
      audience: AUDIENCE,
      typ: 'app+jwt',
      currentDate: new Date(NOW * 1000),
      clockTolerance: 30,
    });
    return payload as Record<string, unknown>;
  } catch {
    return null;
  }
}

test('C-02, C-14, C-31: the token verifier refuses with its own error only, and accepts only what jose accepts', async () => {
  await fc.assert(
    fc.asyncProperty(tokens, async (token) => {
      let claims: Awaited<ReturnType<typeof verifier.verify>>;
      try {
        claims = await verifier.verify(token);
      } catch (error) {
        assert.ok(isShieldError(error), `threw ${String(error)}`);
        assert.match(error.code, /^token_(invalid|expired)$/);
        return;
      }
      const reference = await joseAccepts(token);
      assert.ok(reference !== null, 'accepted a token jose refuses');
      assert.deepEqual({ ...claims }, reference);
    }),
    fuzzParameters(300, 1),
  );
  for (const token of genuine) assert.ok(await joseAccepts(token), 'the genuine tokens pass the reference');
});
