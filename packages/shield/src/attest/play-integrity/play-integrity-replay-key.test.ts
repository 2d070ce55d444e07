import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { compactDecrypt } from 'jose';
import { createManualClock } from '../../clock.js';
import { createGoogleIntegrityDecoder } from './create-google-integrity-decoder.js';
import { decodePlayIntegrityTokenLocally } from './decode-play-integrity-token-locally.js';
import { playIntegrityReplayKey } from './play-integrity-replay-key.js';
import { buildPlayIntegrityToken, createPlayIntegrityTestKeys } from './test-token.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const keys = createPlayIntegrityTestKeys();
const payload = {
  requestDetails: { requestPackageName: 'com.example.shop', nonce: 'aGVsbG8gd29scmQgdGhlcmU' },
};

/** The same token with the unused low bit of its tag segment's last character flipped. */
function nonCanonicalVariant(token: string): string {
  const parts = token.split('.');
  const tag = parts[4] ?? '';
  const last = ALPHABET.indexOf(tag.at(-1) ?? 'A');
  parts[4] = tag.slice(0, -1) + ALPHABET[last ^ 1];
  return parts.join('.');
}

describe('playIntegrityReplayKey', () => {
  test('is a namespaced SHA-256 of the token, stable, and never holds the token', async () => {
    const token = await buildPlayIntegrityToken(payload, keys);
    const key = playIntegrityReplayKey(token);
    assert.match(key, /^play-integrity:[A-Za-z0-9_-]{43}$/);
    assert.equal(playIntegrityReplayKey(token), key);
    assert.ok(!key.includes(token.slice(0, 20)));
  });

  test('two tokens Google issued for the same verdict are two keys (each is still single-use)', async () => {
    const first = await buildPlayIntegrityToken(payload, keys);
    const second = await buildPlayIntegrityToken(payload, keys);
    assert.notEqual(playIntegrityReplayKey(first), playIntegrityReplayKey(second));
  });

  test('regression: a re-spelled token cannot pass as new, because the decoders refuse the spelling', async () => {
    const token = await buildPlayIntegrityToken(payload, keys);
    const variant = nonCanonicalVariant(token);
    assert.notEqual(variant, token);
    assert.notEqual(playIntegrityReplayKey(variant), playIntegrityReplayKey(token));
    // Why the canonical check matters: jose on its own (atob-based on Node 20 to 24) opens the
    // variant to the very same verdict. Runtimes with a strict base64 decoder may refuse it.
    const options = { keyManagementAlgorithms: ['A256KW'], contentEncryptionAlgorithms: ['A256GCM'] };
    const original = await compactDecrypt(token, keys.decryptionKey, options);
    const opened = await compactDecrypt(variant, keys.decryptionKey, options).catch(() => undefined);
    if (opened !== undefined) assert.deepEqual(opened.plaintext, original.plaintext);

    const local = await decodePlayIntegrityTokenLocally(variant, keys);
    assert.equal(local.ok, false);
    if (!local.ok) assert.equal(local.code, 'play_token_malformed');

    let calls = 0;
    const google = createGoogleIntegrityDecoder({
      serviceAccount: {
        client_email: 'shield@example.iam.gserviceaccount.com',
        private_key: generateKeyPairSync('rsa', { modulusLength: 2048 })
          .privateKey.export({ format: 'pem', type: 'pkcs8' })
          .toString(),
      },
      clock: createManualClock(0),
      fetch: async () => {
        calls += 1;
        throw new Error('no network in this test');
      },
    });
    const remote = await google.decode('com.example.shop', variant);
    assert.equal(remote.ok, false);
    if (!remote.ok) assert.equal(remote.code, 'play_token_malformed');
    assert.equal(calls, 0);
  });
});
