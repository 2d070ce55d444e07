import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { createTargetResolver } from './create-target-resolver.js';
import type { PortcullisError } from './portcullis-error.js';

test('relative paths and same-origin URLs resolve under baseUrl, fragments dropped', () => {
  const { resolve, baseUrl } = createTargetResolver('HTTPS://Shield.Example.com/api/');
  assert.equal(baseUrl, 'https://shield.example.com/api');
  assert.deepEqual(resolve('/pay?cart=1#top'), {
    url: 'https://shield.example.com/api/pay?cart=1',
    target: '/api/pay?cart=1',
    path: '/api/pay',
  });
  assert.deepEqual(resolve('https://shield.example.com/other'), {
    url: 'https://shield.example.com/other',
    target: '/other',
    path: '/other',
  });
  assert.equal(resolve(new URL('https://shield.example.com')).target, '/');
  assert.equal(resolve('/a?').target, '/api/a?');
});

test('anything that would send the token elsewhere, or could not be sent as signed, is request_invalid', () => {
  const { resolve } = createTargetResolver('https://shield.example.com');
  for (const input of [
    'https://shield.example.com.evil.example/pay',
    'https://shield.example.com@evil.example/pay',
    'http://shield.example.com/pay',
    '//evil.example/pay',
    'pay',
    '/a\\b',
    '/a\tb',
    '/a\nb',
    '/a/../b',
    '/./a',
    '/a/%2E%2e/b',
    '/a/.%2E',
  ]) {
    assert.throws(
      () => resolve(input),
      (error: PortcullisError) => error.code === 'request_invalid',
      input,
    );
  }
});

test('bad baseUrl values are refused when the client is built', () => {
  for (const bad of ['shield.example.com', 'ftp://x', 'https://x/?q', 'https://u:p@x', 'https://x/#f', '']) {
    assert.throws(() => createTargetResolver(bad), TypeError, bad);
  }
});

test('the target signed is byte for byte what a WHATWG URL parser (fetch) sends', () => {
  const { resolve } = createTargetResolver('http://127.0.0.1:8080');
  const char = fc.oneof(
    fc.constantFrom(...'aZ09-._~!$&\'()*+,;=:@/?%"<>`{}^| #[]'.split('')),
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    fc.constantFrom('%41', '%zz', '%2', 'é', '💳', '\u00a0'),
  );
  fc.assert(
    fc.property(fc.array(char, { maxLength: 30 }), (parts) => {
      const input = `/${parts.join('')}`;
      if (
        input.startsWith('//') ||
        input.includes('\\') ||
        [...input].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)
      )
        return;
      const path = input.split('?')[0]!.split('#')[0]!;
      if (
        path.split('/').some((s) => ['.', '..', '%2e', '.%2e', '%2e.', '%2e%2e'].includes(s.toLowerCase()))
      ) {
        assert.throws(() => resolve(input), /request_invalid/);
        return;
      }
      const resolved = resolve(input);
      const parsed = new URL(resolved.url);
      assert.equal(parsed.href.slice(parsed.origin.length), resolved.target);
      assert.ok(/^[\x21-\x7e]+$/.test(resolved.target));
      assert.equal(
        resolve(resolved.target).target,
        resolved.target,
        'stable: resolving again changes nothing',
      );
    }),
    { numRuns: 500 },
  );
});
