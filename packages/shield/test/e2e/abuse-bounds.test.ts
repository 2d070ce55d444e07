import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { type LiveShield, startLiveShield } from '../support/live-shield.js';
import { auditRows, send } from './e2e-helpers.js';

// What bounds the cost of abuse when nothing else does: a burst of malformed traffic leaves no
// connection behind (F-20), and verifications from one address stop at the endpoint limiter
// before they cost any CPU (F-21: there is no load shedding).

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`never happened: ${what}`);
}

function openConnections(live: LiveShield): Promise<number> {
  return new Promise((resolve, reject) =>
    live.shield.server.getConnections((error, count) => (error ? reject(error) : resolve(count))),
  );
}

describe('F-20: a burst of malformed traffic', () => {
  let live: LiveShield;
  before(async () => {
    live = await startLiveShield();
  });
  after(() => live.close());

  test('F-20: 160 malformed requests of every kind: each refused, none forwarded, no connection left open, the shield still answers', async () => {
    const kinds: ((i: number) => string | Buffer)[] = [
      () =>
        'POST /pay HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      () => 'GET /catalog HTTP/1.1\nHost: x\n\n',
      (i) => `GET /catalog/..%2f${i} HTTP/1.1\r\nHost: x\r\n\r\n`,
      (i) => `POST /pay HTTP/1.1\r\nHost: x\r\nPortcullis-Token: eyJ${i}.e30.x\r\nContent-Length: 0\r\n\r\n`,
      () => `GET /catalog HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
      () => randomBytes(64),
      (i) => `GET /catalog HTTP/1.1\r\nHost: x\r\nX-Half: ${i}`,
      () =>
        'POST /v1/attest HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 9\r\n\r\n{"appId":',
    ];
    for (let i = 0; i < 160; i++) {
      const result = await send(live, kinds[i % kinds.length]!(i), { graceMs: 0, timeoutMs: 50 });
      const status = result.responses[0]?.status;
      assert.ok(status === undefined || status >= 400, `kind ${i % kinds.length} answered ${status}`);
    }
    assert.equal(live.upstream.requests.length, 0, 'nothing reached the upstream');
    await until(async () => (await openConnections(live)) === 0, 'every connection closed');
    const ok = await fetch(`${live.url}/catalog`);
    assert.equal(ok.status, 200);
  });
});

describe('F-21: verifications per address are bounded before they run', () => {
  let live: LiveShield;
  before(async () => {
    live = await startLiveShield({
      extraYaml: 'limits:\n  endpoints:\n    attest: { perIp: { max: 3, windowSeconds: 60 } }\n',
    });
  });
  after(() => live.close());

  test('F-21: past the per-address attest limit, attestations are refused with 429 and never verified', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const challenge = await live.post('/v1/challenge', { appId: 'shop' });
      const attempt = await live.post('/v1/attest', {
        appId: 'shop',
        challenge: challenge.body['challenge'],
        evidence: [
          {
            type: 'apple-app-attest',
            keyId: randomBytes(32).toString('base64'),
            attestation: randomBytes(300).toString('base64'),
          },
        ],
      });
      statuses.push(attempt.status);
    }
    assert.deepEqual(
      statuses,
      [401, 401, 401, 429, 429, 429, 429, 429],
      'evidence_invalid three times, then rate_limited',
    );
    const rows = (await auditRows(live, 16)).filter((row) => row.event === 'attest');
    const verified = rows.filter((row) =>
      Object.keys(row.details ?? {}).some((name) => name.endsWith('_failed_step')),
    );
    assert.equal(verified.length, 3, 'only the attempts within the limit reached a verifier');
    assert.equal(rows.filter((row) => row.reason === 'endpoint_ip_limit_exceeded').length, 5);
  });
});
