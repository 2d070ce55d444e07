import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { filterResponseHeaders } from './filter-response-headers.js';

describe('filterResponseHeaders', () => {
  test('drops hop-by-hop, Proxy-*, Connection-named and the upstream request id; keeps repeated headers', () => {
    const out = filterResponseHeaders(
      {
        connection: 'close, x-hop',
        'keep-alive': 'timeout=5',
        'transfer-encoding': 'chunked',
        upgrade: 'h2c',
        trailer: 'x',
        'proxy-authenticate': 'Basic',
        'x-hop': '1',
        'x-request-id': 'upstream-id',
        'set-cookie': ['a=1', 'b=2'],
        'content-type': 'application/json',
      },
      null,
      'rid',
      null,
    );
    assert.deepEqual(out, [
      'set-cookie',
      'a=1',
      'set-cookie',
      'b=2',
      'content-type',
      'application/json',
      'x-request-id',
      'rid',
    ]);
  });

  test('drops any header that echoes an injected secret, and appends check headers', () => {
    const out = filterResponseHeaders(
      { 'x-echo-authorization': 'Bearer sk_live_abc', 'x-debug': ['ok', 'key=sk_live_abc'], 'x-fine': 'yes' },
      ['sk_live_abc'],
      'rid',
      ['ratelimit-policy', '5;w=600'],
    );
    assert.deepEqual(out, ['x-fine', 'yes', 'ratelimit-policy', '5;w=600', 'x-request-id', 'rid']);
  });
});
