import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createSecretMatchers } from './create-secret-matchers.js';
import { filterResponseHeaders } from './filter-response-headers.js';

const matchers = createSecretMatchers();

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
    const tally = { headers: 0 };
    const out = filterResponseHeaders(
      { 'x-echo-authorization': 'Bearer sk_live_abc', 'x-debug': ['ok', 'key=sk_live_abc'], 'x-fine': 'yes' },
      matchers(['sk_live_abc']),
      'rid',
      ['ratelimit-policy', '5;w=600'],
      null,
      tally,
    );
    assert.deepEqual(out, ['x-fine', 'yes', 'ratelimit-policy', '5;w=600', 'x-request-id', 'rid']);
    assert.equal(tally.headers, 2);
  });

  // Only the raw value was looked for: an upstream that echoed the Authorization it received
  // base64-encoded, percent-encoded, JSON-escaped or upper-cased passed the secret on.
  test('drops a header that carries an encoded form of the secret', () => {
    const secret = 'sk_live_51Hx/Q+abcDEF012345';
    const forms: Record<string, string> = {
      'x-b64': Buffer.from(`Bearer ${secret}`).toString('base64'),
      'x-b64url': Buffer.from(`Basic ${secret}`).toString('base64url'),
      'x-pct': encodeURIComponent(secret),
      'x-json': JSON.stringify({ key: secret }).replaceAll('/', '\\/'),
      'x-upper': secret.toUpperCase(),
      'x-fine': 'yes',
    };
    const tally = { headers: 0 };
    const out = filterResponseHeaders(forms, matchers([secret]), 'rid', null, null, tally);
    assert.deepEqual(out, ['x-fine', 'yes', 'x-request-id', 'rid']);
    assert.equal(tally.headers, 5);
  });
});
