import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createSecretMatchers } from './create-secret-matchers.js';
import { filterResponseHeaders } from './filter-response-headers.js';

// An upstream that reflects request header values as response header names (a debug echo such
// as `x-<value>: 1`) handed the injected secret to the client: only header values were scanned.
// Names arrive lower-cased from undici, so the secret is looked for in lower case there.
test('a response header whose name carries an injected secret is dropped like one whose value does', () => {
  const out = filterResponseHeaders(
    { 'x-sk_live_abcdef': '1', 'x-seen-sk_live_mixedcase': 'yes', 'x-fine': 'ok' },
    createSecretMatchers()(['sk_live_abcdef', 'sk_live_MixedCase']),
    'rid',
    null,
  );
  assert.deepEqual(out, ['x-fine', 'ok', 'x-request-id', 'rid']);
});
