/**
 * Backpressure on the response leg (A10-01): a client that reads slowly pauses the upstream
 * instead of making the gateway buffer the body, and the body still arrives whole once it reads.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import { after, before, test } from 'node:test';
import {
  type RunningGateway,
  route,
  secretRef,
  startGateway,
  startUpstream,
  type Upstream,
} from './test-support/harness.js';

const CHUNK = Buffer.alloc(64 * 1024, 7);
const CHUNKS = 1024; // 64 MiB: far more than the socket buffers of both legs hold.

let u: Upstream;
let gw: RunningGateway;
let token = '';
/** Chunks the upstream has handed to its socket so far. */
let sent = 0;

before(async () => {
  u = await startUpstream();
  u.behaviour = (_req, res) => {
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': CHUNK.length * CHUNKS,
    });
    sent = 0;
    const pump = () => {
      while (sent < CHUNKS) {
        sent++;
        if (!res.write(CHUNK)) {
          res.once('drain', pump);
          return;
        }
      }
      res.end();
    };
    pump();
  };
  gw = await startGateway([
    route({ id: 'big', path: '/big', upstream: new URL(u.url) }),
    // The same through a route whose responses are scanned for the injected secret.
    route({
      id: 'big-scanned',
      path: '/big-scanned',
      upstream: new URL(u.url),
      public: false,
      require: { token: true },
      inject: { headers: { 'x-api-key': secretRef('stripe') } },
    }),
  ]);
  token = await gw.issuer.mint();
});

after(async () => {
  await gw.close();
  await u.close();
});

for (const path of ['/big', '/big-scanned'])
  test(`${path}: a slow reader pauses the upstream, then receives the whole body`, async () => {
    const expected = createHash('sha256');
    for (let i = 0; i < CHUNKS; i++) expected.update(CHUNK);
    const sentWhilePaused: number[] = [];
    const { status, digest, bytes } = await new Promise<{ status: number; digest: string; bytes: number }>(
      (resolve, reject) => {
        const headers = path === '/big' ? {} : { 'portcullis-token': token };
        const req = request({ host: '127.0.0.1', port: gw.port, path, headers }, (res) => {
          const hash = createHash('sha256');
          let bytes = 0;
          res.pause();
          // Read nothing: once the socket buffers are full the upstream must stand still. On a busy
          // machine filling them takes a while, so wait until a 300 ms look sees no progress (at
          // most 20 looks), then check it still stands still 500 ms later.
          const readLater = () => {
            sentWhilePaused.push(sent);
            res.on('data', (chunk: Buffer) => {
              bytes += chunk.length;
              hash.update(chunk);
            });
            res.on('end', () => resolve({ status: res.statusCode ?? 0, digest: hash.digest('hex'), bytes }));
            res.resume();
          };
          let looks = 0;
          let seen = -1;
          const look = () => {
            if (sent === seen || ++looks > 20) {
              sentWhilePaused.push(sent);
              setTimeout(readLater, 500);
            } else {
              seen = sent;
              setTimeout(look, 300);
            }
          };
          setTimeout(look, 300);
        });
        req.on('error', reject);
        req.end();
      },
    );
    assert.equal(status, 200);
    assert.equal(bytes, CHUNK.length * CHUNKS);
    assert.equal(digest, expected.digest('hex'));
    // While nobody read, only what the socket buffers hold left the upstream, and then nothing more:
    // the gateway paused it instead of buffering the body in memory.
    const [early = -1, late = -1] = sentWhilePaused;
    assert.ok(
      early > 0 && early < CHUNKS,
      `the upstream sent ${early} of ${CHUNKS} chunks to a stalled client`,
    );
    assert.equal(late, early, 'the upstream kept sending to a client that read nothing');
    assert.equal(gw.audits.at(-1)?.code, 'ok');
  });
