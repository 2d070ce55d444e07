import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { createManualClock } from '../clock.js';
import { ConfigError, parseConfig } from '../config/index.js';
import { isShieldError } from '../errors.js';
import { createStaticKeySource } from './create-static-key-source.js';
import { createTokenVerifier } from './create-token-verifier.js';

// C-05: weak HMAC secrets. The shield has no symmetric key to guess: no HS* token is ever accepted,
// whatever secret signed it, and the admin token is configured as its SHA-256 only.

const NOW = 1_780_000_000;
const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

test('C-05: a token MACed with a guessable secret (HS256/384/512) is refused, however the secret was chosen', async () => {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const verifier = createTokenVerifier({
    keys: createStaticKeySource([{ kid: 'k1', alg: 'ES256', publicKey }]),
    issuer: 'https://shield.example',
    audiences: ['shop-api'],
    clock: createManualClock(NOW * 1000),
    maxLifetimeSeconds: 600,
    cache: { maxEntries: 0 },
  });
  const claims = {
    iss: 'https://shield.example',
    sub: 'shop',
    aud: ['shop-api'],
    iat: NOW,
    exp: NOW + 300,
    jti: 'a'.repeat(22),
    plt: 'android',
    lvl: 'hardware',
  };
  for (const [alg, hash] of [
    ['HS256', 'sha256'],
    ['HS384', 'sha384'],
    ['HS512', 'sha512'],
  ] as const) {
    for (const secret of ['', 'secret', 'password', 'shop-api', 'k1', 'https://shield.example']) {
      const input = `${b64({ alg, typ: 'app+jwt', kid: 'k1' })}.${b64(claims)}`;
      const token = `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
      await assert.rejects(
        verifier.verify(token),
        (error: unknown) => isShieldError(error) && error.code === 'token_invalid',
        `${alg} with "${secret}"`,
      );
    }
  }
});

test('C-05: the admin token is configured as its SHA-256, never as the token itself', async () => {
  const load = (tokenSha256: string) =>
    parseConfig(
      `issuer: https://shield.example.com\nstore: { kind: memory }\nadmin:\n  tokenSha256: "${tokenSha256}"\n`,
      { baseDir: '/', env: {} },
    );
  const loaded = await load('AB'.repeat(32));
  assert.equal(loaded.admin?.tokenSha256, 'ab'.repeat(32));
  await assert.rejects(
    load('my-admin-password'),
    (error: unknown) =>
      error instanceof ConfigError && error.issues.some((issue) => issue.path === 'admin.tokenSha256'),
  );
});
