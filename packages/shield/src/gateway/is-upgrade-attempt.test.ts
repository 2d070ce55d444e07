import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { createManualClock } from '../clock.js';
import type { AuditRecord } from '../stores/ports.js';
import { createGateway } from './create-gateway.js';
import { isUpgradeAttempt } from './is-upgrade-attempt.js';
import {
  createIssuer,
  probe,
  route,
  startUpstream,
  TEST_IDENTIFIERS,
  TEST_NOW,
} from './test-support/harness.js';

describe('isUpgradeAttempt', () => {
  test('an Upgrade or HTTP2-Settings header in any casing, or upgrade named in Connection', () => {
    for (const headers of [
      ['Connection', 'Upgrade', 'Upgrade', 'websocket'],
      ['UPGRADE', 'h2c'],
      ['upgrade', ''],
      ['HTTP2-Settings', 'AAMAAABkAARAAAAAAAIAAAAA'],
      ['Connection', 'keep-alive,  Upgrade '],
      ['connection', 'close', 'Connection', 'http2-settings'],
    ]) {
      assert.equal(isUpgradeAttempt(['Host', 'a', ...headers]), true, headers.join(': '));
    }
  });

  test('plain requests, and look-alike names, are not upgrades', () => {
    for (const headers of [
      [],
      ['Connection', 'keep-alive'],
      ['Connection', 'close, x-upgrade'],
      ['X-Upgrade', 'websocket'],
      ['Upgrade-Insecure-Requests', '1'],
      ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ=='],
    ]) {
      assert.equal(isUpgradeAttempt(['Host', 'a', ...headers]), false, headers.join(': '));
    }
  });
});

test('a gateway mounted on a bare node:http server refuses upgrade attempts itself, audited, NF', async () => {
  const upstream = await startUpstream();
  const clock = createManualClock(TEST_NOW);
  const issuer = await createIssuer(clock.now);
  const audits: Omit<AuditRecord, 'instance'>[] = [];
  const gateway = createGateway({
    routes: [route({ id: 'ws', path: '/ws', upstream: new URL(upstream.url) })],
    verifyToken: issuer.verifyToken,
    resolveSecret: () => '',
    audit: (record) => audits.push(record),
    identifiers: TEST_IDENTIFIERS,
    clock,
  });
  const server = createServer((req, res) => gateway.handle(req, res, randomUUID(), '127.0.0.1'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const result = await probe(
      port,
      'GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
      { graceMs: 200 },
    );
    assert.equal(result.responses[0]?.status, 400);
    assert.equal(JSON.parse(result.responses[0]!.body).code, 'upgrade_not_allowed');
    assert.equal(result.closed, true);
    assert.equal(upstream.requests.length, 0);
    assert.equal(audits[0]?.reason, 'upgrade_refused');
    assert.equal(audits[0]?.routeId, 'ws');
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await gateway.close();
    await upstream.close();
  }
});
