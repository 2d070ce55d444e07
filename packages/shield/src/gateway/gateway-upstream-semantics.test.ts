import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  headerValues,
  probe,
  type RunningGateway,
  route,
  startGateway,
  startUpstream,
  type Upstream,
} from './test-support/harness.js';

// What the gateway deliberately leaves to the backend: Idempotency-Key semantics (F-15) and an
// upstream brown-out (F-16) are the backend's. The gateway forwards the key unchanged and relays
// every answer as it is, without a circuit breaker that would turn the backend's 503 into its own.

let upstream: Upstream;
let gateway: RunningGateway;

before(async () => {
  upstream = await startUpstream();
  gateway = await startGateway([
    route({ id: 'orders', methods: ['POST', 'GET'], path: '/orders', upstream: new URL(upstream.url) }),
  ]);
});
after(async () => {
  await gateway.close();
  await upstream.close();
});

function post(headers: string[], body = '{"item":1}') {
  const head = [
    'POST /orders HTTP/1.1',
    'Host: gw',
    'Connection: close',
    'Content-Type: application/json',
    `Content-Length: ${body.length}`,
    ...headers,
  ];
  return probe(gateway.port, `${head.join('\r\n')}\r\n\r\n${body}`, { timeoutMs: 3_000 });
}

test('F-15: Idempotency-Key reaches the backend unchanged, every time it is sent (idempotency is the backend’s)', async () => {
  const before = upstream.requests.length;
  for (let i = 0; i < 2; i++) {
    const result = await post(['Idempotency-Key: order-7f3a-0001']);
    assert.equal(result.responses[0]?.status, 200);
  }
  const seen = upstream.requests.slice(before);
  assert.equal(seen.length, 2, 'a repeated key is not deduplicated by the gateway');
  for (const request of seen) assert.deepEqual(headerValues(request, 'idempotency-key'), ['order-7f3a-0001']);
});

test('F-16: an upstream answering only 503 is relayed answer by answer, with its body; the gateway keeps forwarding', async () => {
  upstream.behaviour = (_req, res) => {
    res.writeHead(503, { 'content-type': 'text/plain', 'retry-after': '7' });
    res.end('down for maintenance');
  };
  try {
    const before = upstream.requests.length;
    for (let i = 0; i < 20; i++) {
      const answer = (await post([])).responses[0];
      assert.equal(answer?.status, 503);
      assert.equal(answer?.body, 'down for maintenance');
      assert.deepEqual(answer?.headers.get('retry-after'), ['7']);
    }
    assert.equal(
      upstream.requests.length - before,
      20,
      'no breaker opened: every request reached the upstream',
    );
  } finally {
    upstream.behaviour = (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    };
  }
  assert.equal((await post([])).responses[0]?.status, 200, 'and it answers again once the upstream does');
});
