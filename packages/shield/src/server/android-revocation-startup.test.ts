import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { createAndroidTestAuthority, createSoftwareAndroidDevice } from '@portcullis/testkit';
import { readAndroidFixture } from '../../test/fixtures/android/android-fixtures.js';
import { parseConfig } from '../config/index.js';
import { createShield, type Shield } from './create-shield.js';
import { createLogger } from './logger.js';

// The Android status list at start-up, against a real status server on 127.0.0.1: it is loaded
// before the public port opens, fetched once, and a list that cannot be loaded is named in one
// clear log line with the URL and the reason.

const STATUS_URL = 'https://status.portcullis.test/attestation/status?key=not-logged';
const DIGEST = 'ab'.repeat(32);

interface StatusServer {
  /** Requests the server received. */
  hits: number;
  /** Whether the shield's public listener was open when each request arrived. */
  listeningAtFetch: boolean[];
  answer: 'serve' | 'fail';
  url: string;
}

let server: Server;
let status: StatusServer;
let shield: Shield | undefined;

before(async () => {
  const sample = readAndroidFixture('google-sample/status-sample.json');
  status = { hits: 0, listeningAtFetch: [], answer: 'serve', url: '' };
  server = createServer((_req, res) => {
    status.hits++;
    status.listeningAtFetch.push(shield?.server.listening ?? false);
    if (status.answer === 'fail') res.writeHead(503).end('unavailable');
    else res.writeHead(200, { 'content-type': 'application/json' }).end(sample);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  status.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/attestation/status`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** A shield whose status list URL is the loopback server (the config only takes https URLs). */
async function startShield(statusTarget: string) {
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-revocation-'));
  const android = createAndroidTestAuthority();
  const config = await parseConfig(
    `
mode: development
issuer: https://shield.test.example
store: { kind: memory }
keys: { dir: ${join(dir, 'keys')} }
trust: { androidRevocation: { url: "${STATUS_URL}", onStale: refuse } }
apps:
  shop:
    audiences: [shop-api]
    android: { packageName: com.example.shop, signingCertSha256: ["${DIGEST}"] }
routes: []
`,
    { sourceName: 'test.yaml', baseDir: dir, env: {} },
  );
  const logs: string[] = [];
  const fetches: string[] = [];
  shield = await createShield(config, {
    androidTestRoots: [android.root],
    logger: createLogger({
      level: 'info',
      destination: new Writable({
        write(chunk: Buffer, _encoding, callback) {
          logs.push(chunk.toString());
          callback();
        },
      }),
    }),
    fetch: (input, init) => {
      fetches.push(String(input));
      return fetch(statusTarget, init);
    },
  });
  const url = await shield.listen(0, '127.0.0.1');
  const attest = async () => {
    const device = createSoftwareAndroidDevice({
      authority: android,
      packageName: 'com.example.shop',
      signingCertSha256: DIGEST,
    });
    const post = (path: string, body: unknown) =>
      fetch(`${url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (response) => ({
        status: response.status,
        body: (await response.json()) as Record<string, unknown>,
      }));
    const challenge = (await post('/v1/challenge', { appId: 'shop' })).body['challenge'] as string;
    return post('/v1/attest', {
      appId: 'shop',
      challenge,
      evidence: [{ type: 'android-key-attestation', certificateChain: device.attest(challenge) }],
    });
  };
  return {
    logs,
    fetches,
    attest,
    async close() {
      await shield?.close();
      shield = undefined;
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const notLoaded = (logs: string[]) =>
  logs
    .map((line) => JSON.parse(line) as { level: number; msg: string; reason?: string })
    .filter((line) => line.msg.startsWith('Android revocation status list not loaded'));

describe('Android revocation status list at start-up (loopback status server)', () => {
  test('loaded once, before the public port opens; the first attestation is judged with it', async () => {
    status.answer = 'serve';
    const hitsBefore = status.hits;
    const started = await startShield(status.url);
    try {
      // Counted as they are made: the timer started after the first load must not fetch again.
      assert.deepEqual(started.fetches, [STATUS_URL]);
      assert.equal(status.hits - hitsBefore, 1);
      assert.deepEqual(status.listeningAtFetch.slice(hitsBefore), [false]);
      const attested = await started.attest();
      assert.equal(attested.status, 200, JSON.stringify(attested.body));
      assert.deepEqual(notLoaded(started.logs), []);
    } finally {
      await started.close();
    }
  });

  test('a list that cannot be loaded is one clear log line with the URL and the reason', async () => {
    status.answer = 'fail';
    const started = await startShield(status.url);
    try {
      const lines = notLoaded(started.logs);
      assert.equal(lines.length, 1, started.logs.join(''));
      const [line] = lines;
      assert.equal(line!.level, 50, 'error: attestations are refused meanwhile');
      assert.match(
        line!.msg,
        /from https:\/\/status\.portcullis\.test\/attestation\/status: fetch: HTTP 503;/,
      );
      assert.match(line!.msg, /refused \(attestation_unavailable\)/);
      assert.doesNotMatch(started.logs.join(''), /not-logged/, 'the query is not logged');
      const refused = await started.attest();
      assert.equal(refused.status, 503);
      assert.equal(refused.body['code'], 'attestation_unavailable');
    } finally {
      await started.close();
    }
  });

  test('an unreachable status server: the line names the network error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const started = await startShield(`http://127.0.0.1:${port}/attestation/status`);
    try {
      const lines = notLoaded(started.logs);
      assert.equal(lines.length, 1, started.logs.join(''));
      assert.match(lines[0]!.msg, /fetch: connect ECONNREFUSED/);
    } finally {
      await started.close();
    }
  });
});
