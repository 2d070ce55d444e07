import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { createManualClock } from '../clock.js';
import { createStaticKeySource } from './create-static-key-source.js';
import { createTokenIssuer } from './create-token-issuer.js';
import { createTokenVerifier } from './create-token-verifier.js';
import { inspectToken } from './inspect-token.js';

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
const clock = createManualClock(T0);
const pair = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const issuer = createTokenIssuer({
  keys: { signingKey: () => ({ kid: 'k1', alg: 'ES256', privateKey: pair.privateKey }) },
  issuer: 'https://shield.example',
  clock,
});
const verifier = createTokenVerifier({
  keys: createStaticKeySource([{ kid: 'k1', alg: 'ES256', publicKey: pair.publicKey }]),
  issuer: 'https://shield.example',
  audiences: ['api'],
  clock,
  maxLifetimeSeconds: 900,
});
const mint = async () =>
  (await issuer.issue({ sub: 'shop', aud: ['api'], plt: 'ios', lvl: 'hardware', ttlSeconds: 300 })).token;

describe('inspectToken', () => {
  test('without a verifier: decodes header and claims, verdict unverified, no signature', async () => {
    const token = await mint();
    const view = await inspectToken(token);
    assert.equal(view.verdict, 'unverified');
    assert.deepEqual(view.header, { alg: 'ES256', typ: 'app+jwt', kid: 'k1' });
    assert.equal(view.claims?.sub, 'shop');
    assert.deepEqual(Object.keys(view).sort(), ['claims', 'header', 'verdict']);
    const signature = token.split('.')[2]!;
    const shown = JSON.stringify(view);
    assert.ok(!shown.includes(signature));
    assert.ok(!shown.includes(Buffer.from(signature, 'base64url').toString('hex')));
  });

  test('C-31: a forged token still decodes, and stays unverified without a verifier', async () => {
    const [h, p] = (await mint()).split('.');
    const forged = `${h}.${p}.${'A'.repeat(86)}`;
    assert.equal((await inspectToken(forged)).verdict, 'unverified');
    const checked = await inspectToken(forged, verifier);
    assert.equal(checked.verdict, 'invalid');
    assert.equal(checked.reason, 'token_signature_invalid');
    assert.equal(checked.claims?.sub, 'shop');
  });

  test('with a verifier: valid, or invalid with the refusal reason', async () => {
    const token = await mint();
    assert.deepEqual(await inspectToken(token, verifier), {
      header: { alg: 'ES256', typ: 'app+jwt', kid: 'k1' },
      claims: (await inspectToken(token)).claims,
      verdict: 'valid',
    });
    clock.advance(3_600_000);
    const expired = await inspectToken(token, verifier);
    clock.set(T0);
    assert.equal(expired.verdict, 'invalid');
    assert.equal(expired.reason, 'token_expired');
  });

  test('garbage decodes to nulls without throwing', async () => {
    for (const input of ['', 'not a token', '...', '%%%.%%%.%%%', 'e30', 'x'.repeat(20_000)]) {
      const view = await inspectToken(input);
      assert.equal(view.verdict, 'unverified');
      assert.equal(view.claims, null);
      const checked = await inspectToken(input, verifier);
      assert.equal(checked.verdict, 'invalid');
    }
  });

  test('surrounding whitespace is ignored for display, not for the verdict', async () => {
    const token = await mint();
    const view = await inspectToken(` ${token}\n`, verifier);
    assert.equal(view.claims?.sub, 'shop');
    assert.equal(view.verdict, 'invalid');
    assert.equal(view.reason, 'token_malformed');
  });
});
