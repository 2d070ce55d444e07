/**
 * Edges of HTTP itself, attacked through a running shield over raw sockets: protocol upgrade
 * attempts (WebSocket, h2c) and request lines Node accepts but the shield does not (no version,
 * versions other than 1.0 and 1.1, no Host). Each one is answered with problem+json, audited, and
 * reaches no upstream (NF: the upstream's request count is unchanged).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ProbeResult } from '../../src/gateway/test-support/harness.js';
import { type LiveShield, startLiveShield, TEST_SECRET } from '../support/live-shield.js';
import { auditOf, codeOf, debugToken, send, settle } from './e2e-helpers.js';

let live: LiveShield;
let token: string;

before(async () => {
  // Short head timeouts so that a request head that never ends is answered within the test.
  live = await startLiveShield({
    store: 'memory',
    extraYaml: 'http: { headersTimeoutMs: 1000, requestTimeoutMs: 1000 }\n',
  });
  token = await debugToken(live);
});
after(() => live.close());

const WEBSOCKET =
  'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n';
const H2C =
  'Connection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAARAAAAAAAIAAAAA\r\n';

/** Sends `raw`, asserts one problem+json answer with `status` and `code` and a closed connection, NF. */
async function refused(raw: string, status: number, code: string): Promise<ProbeResult> {
  const forwarded = live.upstream.requests.length;
  const result = await send(live, raw, { graceMs: 200 });
  const response = result.responses[0];
  assert.equal(response?.status, status, result.raw.slice(0, 400));
  assert.equal(response?.headers.get('content-type')?.[0], 'application/problem+json');
  assert.equal(codeOf(result), code);
  assert.equal(result.closed, true, 'the connection is closed');
  await settle();
  assert.equal(live.upstream.requests.length, forwarded, 'NF');
  assert.ok(!result.raw.includes('101 Switching Protocols'));
  return result;
}

async function auditReason(result: ProbeResult): Promise<string | null> {
  const requestId = result.responses[0]?.headers.get('x-request-id')?.[0];
  assert.ok(requestId, 'the refusal names its request id');
  return (await auditOf(live, requestId)).reason;
}

describe('protocol upgrades are refused, never forwarded as plain requests', () => {
  test('a WebSocket handshake on a public route: 400 upgrade_not_allowed, audited, NF', async () => {
    const result = await refused(
      `GET /catalog HTTP/1.1\r\nHost: shield.test\r\n${WEBSOCKET}\r\n`,
      400,
      'upgrade_not_allowed',
    );
    assert.equal(await auditReason(result), 'upgrade_refused');
  });

  test('a WebSocket handshake on a provider route with a valid token: refused before the secret is injected', async () => {
    const result = await refused(
      `GET /pay HTTP/1.1\r\nHost: shield.test\r\nPortcullis-Token: ${token}\r\n${WEBSOCKET}\r\n`,
      400,
      'upgrade_not_allowed',
    );
    assert.ok(!result.raw.includes(TEST_SECRET));
  });

  test('an h2c upgrade (Connection: Upgrade, HTTP2-Settings + Upgrade: h2c + HTTP2-Settings), with a body', async () => {
    await refused(
      `POST /pay HTTP/1.1\r\nHost: shield.test\r\nPortcullis-Token: ${token}\r\n${H2C}Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
      400,
      'upgrade_not_allowed',
    );
  });

  for (const [name, headers] of [
    ['Upgrade without Connection: upgrade', 'Upgrade: websocket\r\n'],
    ['an empty Upgrade', 'Upgrade:\r\n'],
    ['Connection: upgrade alone, in another casing', 'connection: keep-alive, UPGRADE\r\n'],
    ['HTTP2-Settings alone', 'http2-settings: AAMAAABkAARAAAAAAAIAAAAA\r\n'],
  ] as const) {
    test(`${name}: refused, NF`, async () => {
      await refused(
        `GET /catalog HTTP/1.1\r\nHost: shield.test\r\n${headers}\r\n`,
        400,
        'upgrade_not_allowed',
      );
    });
  }

  test("an upgrade attempt on the shield's own endpoints is refused too", async () => {
    await refused(`GET /livez HTTP/1.1\r\nHost: shield.test\r\n${WEBSOCKET}\r\n`, 400, 'upgrade_not_allowed');
  });

  test('the HTTP/2 prior-knowledge preface is refused (400 problem+json), NF', async () => {
    await refused('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 400, 'bad_request');
  });
});

describe('request lines and Host: only HTTP/1.1 and HTTP/1.0 with a Host reach a handler', () => {
  test('HTTP/1.0 without Host: 400 bad_request (host_missing), NF', async () => {
    const result = await refused('GET /catalog HTTP/1.0\r\n\r\n', 400, 'bad_request');
    assert.equal(await auditReason(result), 'host_missing');
  });

  test('HTTP/1.1 without Host: problem+json instead of Node’s bare 400', async () => {
    const result = await refused('GET /catalog HTTP/1.1\r\n\r\n', 400, 'bad_request');
    assert.equal(await auditReason(result), 'host_missing');
  });

  test('a request line without a version (HTTP/0.9 style): 400 bad_request (http_version_unsupported), NF', async () => {
    const result = await refused('GET /catalog\r\n\r\n', 400, 'bad_request');
    assert.equal(await auditReason(result), 'http_version_unsupported');
  });

  test('a version-less request line with headers after it: refused, NF', async () => {
    await refused('GET /catalog\r\nHost: shield.test\r\n\r\n', 400, 'bad_request');
  });

  for (const version of ['HTTP/0.9', 'HTTP/2.0']) {
    test(`${version} spelled out: refused, NF`, async () => {
      const result = await refused(
        `GET /catalog ${version}\r\nHost: shield.test\r\n\r\n`,
        400,
        'bad_request',
      );
      assert.equal(await auditReason(result), 'http_version_unsupported');
    });
  }

  test('a version-less request line whose head never ends: 408 problem+json, NF', async () => {
    const forwarded = live.upstream.requests.length;
    const result = await send(live, 'GET /catalog\r\n', { timeoutMs: 10_000 });
    assert.equal(result.responses[0]?.status, 408, result.raw.slice(0, 300));
    assert.equal(codeOf(result), 'request_timeout');
    await settle();
    assert.equal(live.upstream.requests.length, forwarded, 'NF');
  });

  test('HTTP/1.0 with a Host is still served', async () => {
    const forwarded = live.upstream.requests.length;
    const result = await send(live, 'GET /catalog HTTP/1.0\r\nHost: shield.test\r\n\r\n', { graceMs: 200 });
    assert.equal(result.responses[0]?.status, 200, result.raw.slice(0, 300));
    assert.equal(live.upstream.requests.length, forwarded + 1);
  });
});
