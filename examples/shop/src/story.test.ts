import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';
import { createLogger } from '@portcullis/shield';
import { EXPECTED_STORY, playStory } from './play-story.js';
import { runShop } from './run-shop.js';

const execFileAsync = promisify(execFile);

test('the seed scenario plays as the README tells it (npm run demo)', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'portcullis-story-'));
  const shop = await runShop({
    shieldPort: 0,
    upstreamPort: 0,
    dataDir,
    logger: createLogger({ level: 'silent' }),
  });
  try {
    const scenes = await playStory(shop);
    assert.deepEqual(
      scenes.map(({ scene, status, code, reachedBackend }) => ({ scene, status, code, reachedBackend })),
      EXPECTED_STORY,
    );
    for (const scene of scenes) {
      assert.equal(scene.keyLeakedToCaller, false, `${scene.scene}: the caller saw a provider key`);
      if (scene.reachedBackend > 0)
        assert.equal(scene.providerKeyAtBackend, 'yes', `${scene.scene}: key injected`);
    }
    // The backend saw each injected key, and never a Portcullis header.
    for (const request of shop.backend.received) {
      assert.ok(!request.headerNames.some((name) => name.startsWith('portcullis-')), request.path);
    }
  } finally {
    await shop.close();
    await rm(dataDir, { recursive: true, force: true });
  }
});

test('npm start serves the shield on its embedded defaults and stops cleanly on SIGTERM', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'portcullis-start-'));
  const root = new URL('../../../', import.meta.url).pathname;
  const child = spawn(process.execPath, ['--import', 'tsx', 'examples/shop/src/start.ts'], {
    cwd: root,
    env: {
      ...process.env,
      PORT: '0',
      SHOP_UPSTREAM_PORT: '0',
      PORTCULLIS_DATA_DIR: dataDir,
      LOG_LEVEL: 'silent',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner:\n${output}`)), 60_000);
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /shield: +(http:\/\/\S+)/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]!);
        }
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}:\n${output}`)));
    });
    assert.match(output, /debug credential/);
    assert.ok(output.trimStart().startsWith('Portcullis is running'), 'the banner comes first');
    assert.equal((await fetch(`${url}/livez`)).status, 200);
    // The banner's "Try it" lines, run as printed (bash, curl, jq): refused without a token, then
    // challenge, attestation with the debug credential, and the e-mail call with the token.
    const tryIt = output.slice(output.indexOf('Try it')).split('\n').slice(1);
    const commands = tryIt
      .slice(
        0,
        tryIt.findIndex((line) => line.trim().startsWith('(/payments')),
      )
      .map((line) => line.slice(2))
      .join('\n');
    const ran = await execFileAsync('bash', ['-e', '-o', 'pipefail', '-c', commands], { encoding: 'utf8' });
    const [refused, sent] = ran.stdout.trim().split('\n');
    assert.equal((JSON.parse(refused ?? '') as { code: string }).code, 'token_missing', ran.stdout);
    assert.deepEqual(JSON.parse(sent ?? ''), { queued: true }, ran.stdout);
    assert.equal((await fetch(`${url}/catalog`)).status, 200, 'the public route reaches the shop backend');
    assert.equal((await fetch(`${url}/payments/session`, { method: 'POST' })).status, 401);
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
  }
});
