import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  createAndroidTestAuthority,
  createAppAttestTestAuthority,
  createSoftwareAndroidDevice,
  createSoftwareAppAttestDevice,
} from '@portcullis/testkit';
import { type CliProcess, freePort, runCli } from '../../test/support/cli-process.js';

const SIGNING_DIGEST = 'ab'.repeat(32);
const apple = createAppAttestTestAuthority();
const android = createAndroidTestAuthority();

function configText(mode: 'development' | 'production', port: number): string {
  return [
    `mode: ${mode}`,
    'issuer: http://127.0.0.1',
    `listen: { port: ${port} }`,
    'store: { kind: sqlite, path: ./shield.db }',
    'keys: { dir: ./keys }',
    'logging: { level: warn }',
    'development:',
    '  appleTestRootsFile: ./testkit/apple-roots.pem',
    '  androidTestRootsFile: ./testkit/android-roots.pem',
    'apps:',
    '  shop:',
    '    ios: { teamId: ABCDE12345, bundleIds: [com.example.shop] }',
    `    android: { packageName: com.example.shop, signingCertSha256: ["${SIGNING_DIGEST}"] }`,
    '',
  ].join('\n');
}

async function post(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const answer = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: answer.status, body: (await answer.json()) as Record<string, unknown> };
}

function tokenClaims(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8')) as Record<
    string,
    unknown
  >;
}

describe('development.*TestRootsFile: software devices attest to a shield started from the CLI', () => {
  let dir: string;
  let shield: CliProcess;
  let url: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'portcullis-devroots-'));
    await mkdir(join(dir, 'testkit'));
    // What a developer does once: write the test kit's roots where the config points.
    await writeFile(join(dir, 'testkit', 'apple-roots.pem'), apple.rootPem);
    await writeFile(join(dir, 'testkit', 'android-roots.pem'), android.rootPem);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    await writeFile(join(dir, 'portcullis.yaml'), configText('development', port));
    shield = runCli(['start', '--config', join(dir, 'portcullis.yaml')], {
      ...process.env,
      NODE_ENV: 'development',
    });
    await shield.waitFor(/"testRoots":2/);
    for (let i = 0; i < 600; i++) {
      const ready = await fetch(`${url}/readyz`).then(
        (answer) => answer.status === 200,
        () => false,
      );
      if (ready) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail(`not ready:\n${shield.output()}`);
  });
  after(async () => {
    shield.kill();
    await rm(dir, { recursive: true, force: true });
  });

  test('a software iPhone attests and gets a dev-marked token', async () => {
    const device = createSoftwareAppAttestDevice({
      authority: apple,
      appId: 'ABCDE12345.com.example.shop',
      environment: 'production',
    });
    const challenge = String((await post(`${url}/v1/challenge`, { appId: 'shop' })).body['challenge']);
    const attested = await post(`${url}/v1/attest`, {
      appId: 'shop',
      challenge,
      evidence: [
        {
          type: 'apple-app-attest',
          keyId: device.keyId,
          attestation: Buffer.from(
            device.attest(createHash('sha256').update(challenge, 'utf8').digest()),
          ).toString('base64'),
        },
      ],
    });
    assert.equal(attested.status, 200, JSON.stringify(attested.body));
    assert.equal(tokenClaims(String(attested.body['token']))['dev'], true);
  });

  test('a software Android device attests too', async () => {
    const device = createSoftwareAndroidDevice({
      authority: android,
      packageName: 'com.example.shop',
      signingCertSha256: SIGNING_DIGEST,
    });
    const challenge = String((await post(`${url}/v1/challenge`, { appId: 'shop' })).body['challenge']);
    const attested = await post(`${url}/v1/attest`, {
      appId: 'shop',
      challenge,
      evidence: [{ type: 'android-key-attestation', certificateChain: device.attest(challenge) }],
    });
    assert.equal(attested.status, 200, JSON.stringify(attested.body));
    assert.equal(attested.body['keyId'], device.keyId);
  });

  test('a device signed by another test authority is still refused', async () => {
    const stranger = createSoftwareAppAttestDevice({
      authority: createAppAttestTestAuthority(),
      appId: 'ABCDE12345.com.example.shop',
      environment: 'production',
    });
    const challenge = String((await post(`${url}/v1/challenge`, { appId: 'shop' })).body['challenge']);
    const refused = await post(`${url}/v1/attest`, {
      appId: 'shop',
      challenge,
      evidence: [
        {
          type: 'apple-app-attest',
          keyId: stranger.keyId,
          attestation: Buffer.from(
            stranger.attest(createHash('sha256').update(challenge, 'utf8').digest()),
          ).toString('base64'),
        },
      ],
    });
    assert.equal(refused.status, 401);
    assert.equal(refused.body['code'], 'evidence_invalid');
  });

  test('the same file in production mode is refused by check and start, at the development section', async () => {
    const production = join(dir, 'production.yaml');
    await writeFile(production, configText('production', await freePort()));
    for (const command of ['check', 'start']) {
      const run = runCli([command, '--config', production]);
      assert.equal(await run.exited, 1, run.output());
      assert.match(
        run.output(),
        /production\.yaml:7:1 +development: development settings \(test-kit roots\)/,
      );
      assert.match(run.output(), /fix: remove the development section/);
    }
  });
});
