import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  buildPlayIntegrityToken,
  createPlayIntegrityTestKeys,
  createPlayIntegrityTestPayload,
} from '../attest/play-integrity/index.js';
import { parseConfig } from '../config/index.js';
import { createShield, type Shield } from './create-shield.js';
import { createLogger } from './logger.js';

const PACKAGE = 'com.example.shop';
const DIGEST_HEX = 'ab'.repeat(32);
const DIGEST_B64URL = Buffer.from(DIGEST_HEX, 'hex').toString('base64url');

async function startShield(dir: string, playYaml: string): Promise<{ shield: Shield; url: string }> {
  const config = await parseConfig(
    `mode: development
issuer: http://127.0.0.1:1
store: { kind: memory }
keys: { dir: ${join(dir, 'keys')} }
apps:
  shop:
    evidence: [play-integrity]
    android:
      packageName: ${PACKAGE}
      signingCertSha256: ["${DIGEST_HEX}"]
      playIntegrity: ${playYaml}
`,
    { sourceName: 'play.yaml', baseDir: dir, env: {} },
  );
  const shield = await createShield(config, { logger: createLogger({ level: 'silent' }) });
  return { shield, url: await shield.listen(0, '127.0.0.1') };
}

async function post(url: string, path: string, body: unknown) {
  const response = await fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    status: response.status,
    body: (await response.json()) as Record<string, unknown>,
    headers: response.headers,
  };
}

describe('Play Integrity through the shield (local decode)', () => {
  const keys = createPlayIntegrityTestKeys();
  let dir: string;
  let shield: Shield;
  let url: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-play-'));
    ({ shield, url } = await startShield(
      dir,
      `{ decode: local, decryptionKey: "${keys.config.decryptionKey}", verificationKey: "${keys.config.verificationKey}" }`,
    ));
  });
  after(async () => {
    await shield.close();
    await rm(dir, { recursive: true, force: true });
  });

  const token = async (challenge: string, overrides: Record<string, unknown> = {}) =>
    buildPlayIntegrityToken(
      createPlayIntegrityTestPayload({
        packageName: PACKAGE,
        challenge,
        timestampMillis: Date.now(),
        certificateSha256Digest: DIGEST_B64URL,
        ...overrides,
      }),
      keys,
    );

  test('a standard request bound to the challenge mints a device-level token; the same token twice is refused', async () => {
    const challenge = (await post(url, '/v1/challenge', { appId: 'shop' })).body['challenge'] as string;
    const integrityToken = await token(challenge);
    const attested = await post(url, '/v1/attest', {
      appId: 'shop',
      challenge,
      evidence: [{ type: 'play-integrity', token: integrityToken }],
    });
    assert.equal(attested.status, 200, JSON.stringify(attested.body));
    const claims = JSON.parse(
      Buffer.from((attested.body['token'] as string).split('.')[1]!, 'base64url').toString(),
    );
    assert.equal(claims.lvl, 'device');
    assert.equal(claims.plt, 'android');
    assert.equal(claims.cnf, undefined, 'Play Integrity attests the app and device, not a key');

    const again = (await post(url, '/v1/challenge', { appId: 'shop' })).body['challenge'] as string;
    const replay = await post(url, '/v1/attest', {
      appId: 'shop',
      challenge: again,
      evidence: [{ type: 'play-integrity', token: integrityToken }],
    });
    assert.equal(replay.body['code'], 'evidence_invalid');
  });

  test('a verdict without device integrity, or for another challenge, is refused', async () => {
    const challenge = (await post(url, '/v1/challenge', { appId: 'shop' })).body['challenge'] as string;
    const weak = await post(url, '/v1/attest', {
      appId: 'shop',
      challenge,
      evidence: [{ type: 'play-integrity', token: await token(challenge, { deviceRecognitionVerdict: [] }) }],
    });
    assert.equal(weak.body['code'], 'evidence_invalid');
    const other = (await post(url, '/v1/challenge', { appId: 'shop' })).body['challenge'] as string;
    const unbound = await post(url, '/v1/attest', {
      appId: 'shop',
      challenge: other,
      evidence: [
        { type: 'play-integrity', token: await token('a-different-challenge-value-000000000000000') },
      ],
    });
    assert.equal(unbound.body['code'], 'evidence_invalid');
  });
});

describe('Play Integrity through Google’s endpoint', () => {
  test('Google down: 503 attestation_unavailable with Retry-After, within the timeout', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-play-google-'));
    let calls = 0;
    const google: Server = createServer((req, res) => {
      calls += 1;
      req.resume();
      res.statusCode = 503;
      res.end('{"error":{"code":503,"status":"UNAVAILABLE"}}');
    });
    await new Promise<void>((resolve) => google.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(google.address() as AddressInfo).port}`;
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(
      join(dir, 'sa.json'),
      JSON.stringify({
        client_email: 'shield@example.iam.gserviceaccount.com',
        private_key: privateKey.export({ type: 'pkcs8', format: 'pem' }),
        token_uri: `${endpoint}/token`,
      }),
      { mode: 0o600 },
    );
    const { shield, url } = await startShield(
      dir,
      `{ decode: google, serviceAccountFile: sa.json, endpoint: "${endpoint}" }`,
    );
    try {
      const challenge = (await post(url, '/v1/challenge', { appId: 'shop' })).body['challenge'] as string;
      const started = Date.now();
      // A token of the real shape (Google would decrypt it; here Google is down).
      const integrityToken = await buildPlayIntegrityToken({ any: 'verdict' }, createPlayIntegrityTestKeys());
      const result = await post(url, '/v1/attest', {
        appId: 'shop',
        challenge,
        evidence: [{ type: 'play-integrity', token: integrityToken }],
      });
      assert.equal(result.status, 503);
      assert.equal(result.body['code'], 'attestation_unavailable');
      assert.ok(Number(result.headers.get('retry-after')) >= 1);
      assert.ok(Date.now() - started < 10_000, 'bounded, not hanging');
      assert.ok(calls >= 1, 'the shield asked Google');
    } finally {
      await shield.close();
      await new Promise((resolve) => google.close(resolve));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
