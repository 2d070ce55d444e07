import assert from 'node:assert/strict';
import { generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { CompactEncrypt, CompactSign } from 'jose';
import { decodePlayIntegrityTokenLocally } from './decode-play-integrity-token-locally.js';
import { importPlayIntegrityKeys } from './import-play-integrity-keys.js';
import { buildPlayIntegrityToken, createPlayIntegrityTestKeys } from './test-token.js';
import { verifyPlayIntegrityVerdict } from './verify-play-integrity-verdict.js';

const FIXTURES = new URL('../../../test/fixtures/play-integrity/google-docs-2026-11/', import.meta.url);
const STANDARD = JSON.parse(readFileSync(new URL('standard-verdict.json', FIXTURES), 'utf8'));
const keys = createPlayIntegrityTestKeys();
const encoder = new TextEncoder();
const b64u = (value: string | Uint8Array) => Buffer.from(value).toString('base64url');

async function expectCode(token: unknown, code: string, usedKeys = keys) {
  const result = await decodePlayIntegrityTokenLocally(token, usedKeys);
  assert.equal(result.ok, false, 'expected a refusal');
  if (result.ok) return;
  assert.equal(result.code, code, result.message);
  if (typeof token === 'string' && token.length > 0) assert.ok(!result.message.includes(token));
}

/** A JWE around arbitrary plaintext with the app's real decryption key. */
function encrypt(plaintext: string, header = { alg: 'A256KW', enc: 'A256GCM' }) {
  return new CompactEncrypt(encoder.encode(plaintext)).setProtectedHeader(header).encrypt(keys.decryptionKey);
}

/** Replaces segment `index` of a compact token with the canonical encoding of new bytes. */
function replaceSegment(token: string, index: number, change: (bytes: Buffer) => Buffer): string {
  const parts = token.split('.');
  parts[index] = change(Buffer.from(parts[index] ?? '', 'base64url')).toString('base64url');
  return parts.join('.');
}

describe('decodePlayIntegrityTokenLocally: the real format', () => {
  test('decrypts A256KW/A256GCM, verifies ES256 and returns the payload', async () => {
    const token = await buildPlayIntegrityToken(STANDARD, keys);
    const result = await decodePlayIntegrityTokenLocally(token, keys);
    assert.equal(result.ok, true);
    if (result.ok) assert.deepEqual(result.payload, STANDARD);
  });

  test('works with the keys as configured (base64) and end to end with the verdict policy', async () => {
    const token = await buildPlayIntegrityToken(STANDARD, keys);
    const decoded = await decodePlayIntegrityTokenLocally(token, importPlayIntegrityKeys(keys.config));
    assert.equal(decoded.ok, true);
    if (!decoded.ok) return;
    const verdict = verifyPlayIntegrityVerdict(
      decoded.payload,
      { packageName: 'com.example.shop', certificateSha256: ['quHBrNCkwSlKCFDJS4_Go0bdeZleL-wRloJtT6eu8vU'] },
      { challenge: 'pF4nD1rBq9cW2xYzT0kLmN8sVuH3eJ6aG5oR7iQ1wE4' },
      new Date(1675655009345 + 5_000),
    );
    assert.equal(verdict.ok, true);
  });

  test('accepts a WebCrypto CryptoKey as the verification key', async () => {
    const token = await buildPlayIntegrityToken(STANDARD, keys);
    const cryptoKey = await webcrypto.subtle.importKey(
      'spki',
      Buffer.from(keys.config.verificationKey, 'base64'),
      { name: 'ECDSA', namedCurve: 'P-256' },
      true,
      ['verify'],
    );
    const result = await decodePlayIntegrityTokenLocally(token, {
      decryptionKey: keys.decryptionKey,
      verificationKey: cryptoKey,
    });
    assert.equal(result.ok, true);
  });
});

describe('D-31 wrong key, bad signature, truncated', () => {
  test('token encrypted for another app (wrong decryption key)', async () => {
    const other = createPlayIntegrityTestKeys();
    await expectCode(
      await buildPlayIntegrityToken(STANDARD, { ...other, signingKey: keys.signingKey }),
      'play_decrypt_failed',
    );
  });

  test('token signed by another key', async () => {
    const other = createPlayIntegrityTestKeys();
    await expectCode(
      await buildPlayIntegrityToken(STANDARD, { ...keys, signingKey: other.signingKey }),
      'play_signature_invalid',
    );
  });

  test('payload changed after signing', async () => {
    const jws = await new CompactSign(encoder.encode(JSON.stringify(STANDARD)))
      .setProtectedHeader({ alg: 'ES256' })
      .sign(keys.signingKey);
    const forged = replaceSegment(jws, 1, () =>
      Buffer.from(
        JSON.stringify({
          ...STANDARD,
          deviceIntegrity: { deviceRecognitionVerdict: ['MEETS_STRONG_INTEGRITY'] },
        }),
      ),
    );
    await expectCode(await encrypt(forged), 'play_signature_invalid');
  });

  test('ciphertext with one bit flipped', async () => {
    const token = await buildPlayIntegrityToken(STANDARD, keys);
    const tampered = replaceSegment(token, 3, (bytes) => {
      bytes[10] = (bytes[10] ?? 0) ^ 1;
      return bytes;
    });
    await expectCode(tampered, 'play_decrypt_failed');
  });

  test('protected header re-serialised (it is the GCM additional data)', async () => {
    const token = await buildPlayIntegrityToken(STANDARD, keys);
    await expectCode(
      replaceSegment(token, 0, () => Buffer.from('{"enc":"A256GCM","alg":"A256KW"}')),
      'play_decrypt_failed',
    );
  });

  test('truncated inside the ciphertext', async () => {
    const token = await buildPlayIntegrityToken(STANDARD, keys);
    await expectCode(
      replaceSegment(token, 3, (bytes) => bytes.subarray(0, bytes.length - 3)),
      'play_decrypt_failed',
    );
  });

  test('truncated authentication tag', async () => {
    const token = await buildPlayIntegrityToken(STANDARD, keys);
    await expectCode(
      replaceSegment(token, 4, (bytes) => bytes.subarray(0, 12)),
      'play_token_malformed',
    );
  });

  test('truncated at a segment boundary', async () => {
    const token = await buildPlayIntegrityToken(STANDARD, keys);
    await expectCode(token.slice(0, token.lastIndexOf('.')), 'play_token_malformed');
  });

  test('truncated mid-character (a length of 1 mod 4 is no base64url)', async () => {
    const parts = (await buildPlayIntegrityToken(STANDARD, keys)).split('.');
    let ciphertext = parts[3] ?? '';
    while (ciphertext.length % 4 !== 1) ciphertext = ciphertext.slice(0, -1);
    parts[3] = ciphertext;
    await expectCode(parts.join('.'), 'play_token_malformed');
  });
});

describe('shapes refused before any cryptography', () => {
  test('5 segments required for the JWE: a bare JWS (3) is refused', async () => {
    const jws = await new CompactSign(encoder.encode('{}'))
      .setProtectedHeader({ alg: 'ES256' })
      .sign(keys.signingKey);
    await expectCode(jws, 'play_token_malformed');
  });

  test('6 segments, empty string, non-string, oversized', async () => {
    const token = await buildPlayIntegrityToken(STANDARD, keys);
    await expectCode(`${token}.AAAA`, 'play_token_malformed');
    await expectCode('', 'play_token_malformed');
    await expectCode(42, 'play_token_malformed');
    await expectCode(
      `${token.split('.').slice(0, 3).join('.')}.${'A'.repeat(40_000)}.AAAA`,
      'play_token_malformed',
    );
  });

  test('padding, whitespace or standard base64 characters in a segment', async () => {
    const token = await buildPlayIntegrityToken(STANDARD, keys);
    await expectCode(token.replace('.', '=.'), 'play_token_malformed');
    await expectCode(` ${token}`, 'play_token_malformed');
    const parts = token.split('.');
    parts[3] = `+${(parts[3] ?? '').slice(1)}`;
    await expectCode(parts.join('.'), 'play_token_malformed');
  });

  test('inner content is not a JWS (3 segments required)', async () => {
    await expectCode(await encrypt(JSON.stringify(STANDARD)), 'play_token_malformed');
    await expectCode(await encrypt('a.b.c.d.e'), 'play_token_malformed');
  });

  test('compressed JWE (zip) and crit headers are refused', async () => {
    const rest = (await buildPlayIntegrityToken(STANDARD, keys)).split('.').slice(1).join('.');
    await expectCode(
      `${b64u('{"alg":"A256KW","enc":"A256GCM","zip":"DEF"}')}.${rest}`,
      'play_token_malformed',
    );
    await expectCode(
      `${b64u('{"alg":"A256KW","enc":"A256GCM","crit":["x"],"x":1}')}.${rest}`,
      'play_token_malformed',
    );
  });
});

describe('algorithms outside the allow-list', () => {
  test('JWE alg dir', async () => {
    const jws = await new CompactSign(encoder.encode('{}'))
      .setProtectedHeader({ alg: 'ES256' })
      .sign(keys.signingKey);
    const token = await new CompactEncrypt(encoder.encode(jws))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .encrypt(keys.decryptionKey);
    await expectCode(token, 'play_alg_not_allowed');
  });

  test('JWE A128KW and enc A128GCM', async () => {
    const rest = (await buildPlayIntegrityToken(STANDARD, keys)).split('.').slice(1).join('.');
    await expectCode(`${b64u('{"alg":"A128KW","enc":"A256GCM"}')}.${rest}`, 'play_alg_not_allowed');
    await expectCode(`${b64u('{"alg":"A256KW","enc":"A128GCM"}')}.${rest}`, 'play_alg_not_allowed');
  });

  test('PBES2 with a huge p2c is refused without KDF work', async () => {
    const header = {
      alg: 'PBES2-HS512+A256KW',
      enc: 'A256GCM',
      p2s: b64u(randomBytes(16)),
      p2c: 2_147_483_647,
    };
    const token = [
      b64u(JSON.stringify(header)),
      b64u(randomBytes(40)),
      b64u(randomBytes(12)),
      b64u(randomBytes(64)),
      b64u(randomBytes(16)),
    ].join('.');
    const started = performance.now();
    await expectCode(token, 'play_alg_not_allowed');
    assert.ok(performance.now() - started < 200, 'no PBKDF2 iterations were run');
  });

  test('a real PBES2 token is refused too', async () => {
    const token = await new CompactEncrypt(encoder.encode('a.b.c'))
      .setProtectedHeader({ alg: 'PBES2-HS256+A128KW', enc: 'A256GCM' })
      .setKeyManagementParameters({ p2c: 1000 })
      .encrypt(keys.decryptionKey);
    await expectCode(token, 'play_alg_not_allowed');
  });

  test('inner JWS HS256 (signed with a guessable secret)', async () => {
    const jws = await new CompactSign(encoder.encode(JSON.stringify(STANDARD)))
      .setProtectedHeader({ alg: 'HS256' })
      .sign(randomBytes(32));
    await expectCode(await encrypt(jws), 'play_alg_not_allowed');
  });

  test('inner JWS alg none', async () => {
    await expectCode(
      await encrypt(`${b64u('{"alg":"none"}')}.${b64u(JSON.stringify(STANDARD))}.`),
      'play_alg_not_allowed',
    );
  });

  test('inner JWS ES256 with crit or b64', async () => {
    const body = b64u(JSON.stringify(STANDARD));
    await expectCode(
      await encrypt(`${b64u('{"alg":"ES256","b64":false,"crit":["b64"]}')}.${body}.AAAA`),
      'play_token_malformed',
    );
  });
});

describe('payload checks', () => {
  test('a signed payload that is not a JSON object', async () => {
    await expectCode(await buildPlayIntegrityToken([STANDARD], keys), 'play_payload_malformed');
    const jws = await new CompactSign(encoder.encode('not json'))
      .setProtectedHeader({ alg: 'ES256' })
      .sign(keys.signingKey);
    await expectCode(await encrypt(jws), 'play_payload_malformed');
  });

  test('an oversized payload', async () => {
    await expectCode(
      await buildPlayIntegrityToken({ ...STANDARD, padding: 'x'.repeat(17_000) }, keys),
      'play_payload_malformed',
    );
  });
});

describe('unusable keys', () => {
  test('each bad key gives play_keys_invalid (kind unavailable), never a throw', async () => {
    const token = await buildPlayIntegrityToken(STANDARD, keys);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey;
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    for (const bad of [
      { ...keys, decryptionKey: new Uint8Array(16) },
      { ...keys, verificationKey: keys.signingKey },
      { ...keys, verificationKey: p384 },
      { ...keys, verificationKey: rsa },
    ]) {
      const result = await decodePlayIntegrityTokenLocally(token, bad);
      assert.equal(result.ok, false);
      if (!result.ok) assert.deepEqual([result.code, result.kind], ['play_keys_invalid', 'unavailable']);
    }
  });
});

describe('importPlayIntegrityKeys', () => {
  test('refuses bad config with a TypeError naming the option and not echoing it', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ ...keys.config, decryptionKey: Buffer.alloc(31).toString('base64') }, /decryptionKey/],
      [{ ...keys.config, decryptionKey: 'not base64!' }, /decryptionKey/],
      [{ ...keys.config, verificationKey: Buffer.from('garbage').toString('base64') }, /verificationKey/],
      [
        {
          ...keys.config,
          verificationKey: generateKeyPairSync('ed25519')
            .publicKey.export({ format: 'der', type: 'spki' })
            .toString('base64'),
        },
        /verificationKey must be an EC P-256/,
      ],
    ];
    for (const [config, pattern] of cases) {
      assert.throws(
        () => importPlayIntegrityKeys(config as { decryptionKey: string; verificationKey: string }),
        (error: unknown) =>
          error instanceof TypeError &&
          pattern.test(error.message) &&
          !error.message.includes(config['decryptionKey'] ?? '') &&
          !error.message.includes(config['verificationKey'] ?? ''),
      );
    }
  });

  test('tolerates a trailing newline pasted from Play Console', () => {
    const imported = importPlayIntegrityKeys({
      decryptionKey: `${keys.config.decryptionKey}\n`,
      verificationKey: keys.config.verificationKey,
    });
    assert.deepEqual(Buffer.from(imported.decryptionKey), Buffer.from(keys.decryptionKey));
  });
});
