import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { canonicalizePath, type PathRejectionReason } from './canonicalize-path.js';

function refused(target: string): PathRejectionReason | 'accepted' {
  const result = canonicalizePath(target);
  return result.ok ? 'accepted' : result.reason;
}

describe('canonicalizePath', () => {
  test('keeps canonical paths and the query verbatim', () => {
    assert.deepEqual(canonicalizePath('/'), { ok: true, path: '/', query: null });
    assert.deepEqual(canonicalizePath('/pay/session'), { ok: true, path: '/pay/session', query: null });
    assert.deepEqual(canonicalizePath('/pay/session?a=%2f&b=..//;x'), {
      ok: true,
      path: '/pay/session',
      query: 'a=%2f&b=..//;x',
    });
    assert.deepEqual(canonicalizePath('/a?'), { ok: true, path: '/a', query: '' });
    assert.deepEqual(canonicalizePath("/a-b_c~d.e/!$&'()*+,=:@"), {
      ok: true,
      path: "/a-b_c~d.e/!$&'()*+,=:@",
      query: null,
    });
    assert.deepEqual(canonicalizePath('/.well-known/x'), { ok: true, path: '/.well-known/x', query: null });
  });

  test('decodes unreserved escapes and upper-cases the others', () => {
    assert.deepEqual(canonicalizePath('/pay/sess%69on'), { ok: true, path: '/pay/session', query: null });
    assert.deepEqual(canonicalizePath('/a%2Ejson'), { ok: true, path: '/a.json', query: null });
    assert.deepEqual(canonicalizePath('/%7e%41%5F'), { ok: true, path: '/~A_', query: null });
    assert.deepEqual(canonicalizePath('/pay/session%20'), { ok: true, path: '/pay/session%20', query: null });
    assert.deepEqual(canonicalizePath('/a%3a%40%21'), { ok: true, path: '/a%3A%40%21', query: null });
    assert.deepEqual(canonicalizePath('/caf%c3%a9?q'), { ok: true, path: '/caf%C3%A9', query: 'q' });
  });

  test('matching stays case-sensitive: /PAY is not /pay', () => {
    assert.deepEqual(canonicalizePath('/PAY/session'), { ok: true, path: '/PAY/session', query: null });
  });

  // E-16: every entry of the bypass set, plus the other forms the gateway refuses rather than guess.
  const refusals: [string, PathRejectionReason][] = [
    ['/public/../pay/session', 'dot_segment'],
    ['/public/%2e%2e/pay/session', 'dot_segment'],
    ['/public/%2E%2E/pay/session', 'dot_segment'],
    ['/public/.%2e/pay/session', 'dot_segment'],
    ['/public/..%2fpay/session', 'dot_segment'],
    ['/public/x%2fpay/session', 'encoded_slash'],
    ['/public/x%2Fpay', 'encoded_slash'],
    ['/public/..%5cpay/session', 'dot_segment'],
    ['/public/x%5cpay', 'backslash'],
    ['/public/%252e%252e/pay/session', 'double_encoding'],
    ['/public/..;/pay/session', 'dot_segment'],
    ['/public;x=1/../pay/session', 'semicolon'],
    ['/public/x;y/pay', 'semicolon'],
    ['/public/x%3by', 'semicolon'],
    ['/public/..;x/pay/session', 'dot_segment'],
    ['/public\\..\\pay\\session', 'backslash'],
    ['/pay\\session', 'backslash'],
    ['/pay//session', 'empty_segment'],
    ['//127.0.0.2/x', 'empty_segment'],
    ['/pay/./session', 'dot_segment'],
    ['/pay/.', 'dot_segment'],
    ['/pay/%2e', 'dot_segment'],
    ['/pay/a..b', 'dot_segment'],
    ['/pay/...', 'dot_segment'],
    ['/pay/session/', 'trailing_slash'],
    ['/pay/session%00', 'control_char'],
    ['/pay/session%0d%0aX:1', 'control_char'],
    ['/pay/session%7f', 'control_char'],
    ['/pay/session#frag', 'fragment'],
    ['/pay/session?x#frag', 'fragment'],
    ['/public/%c0%ae%c0%ae/pay/session', 'invalid_utf8'],
    ['/public/%ed%a0%80', 'invalid_utf8'],
    ['/public/%e2%82', 'invalid_utf8'],
    ['/public/%ff', 'invalid_utf8'],
    ['/public/%ef%bc%8f..%ef%bc%8fpay', 'confusable_char'],
    ['/public/%ef%bc%bcpay', 'confusable_char'],
    ['/public/%e2%80%a5', 'confusable_char'],
    ['/public/%c2%85', 'confusable_char'],
    ['/pay/%', 'invalid_percent_encoding'],
    ['/pay/%4', 'invalid_percent_encoding'],
    ['/pay/%g1', 'invalid_percent_encoding'],
    ['/pay/%%41', 'invalid_percent_encoding'],
    ['/pay/%25', 'double_encoding'],
    ['/pay/a b', 'invalid_char'],
    ['/pay/<x>', 'invalid_char'],
    ['/pay/{x}|`^"', 'invalid_char'],
    ['/pay/caf\u00e9', 'invalid_char'],
    ['http://127.0.0.2:9/latest/meta-data', 'absolute_form'],
    ['HTTPS://x/y', 'absolute_form'],
    ['*', 'asterisk_form'],
    ['', 'not_origin_form'],
    ['pay/session', 'not_origin_form'],
    ['127.0.0.2:9', 'not_origin_form'],
  ];
  for (const [target, reason] of refusals) {
    test(`A7-04, E-14, E-15: refuses ${JSON.stringify(target)} (${reason})`, () => {
      assert.equal(refused(target), reason);
    });
  }

  // ---- properties (fast-check) -------------------------------------------------------------------

  const pieces = [
    'a',
    'b',
    'Z',
    '0',
    '-',
    '_',
    '~',
    '.',
    '..',
    '/',
    '//',
    ':',
    '@',
    '!',
    '$',
    "'",
    '*',
    '+',
    ',',
    '=',
    '&',
    '%2e',
    '%2E',
    '%2f',
    '%2F',
    '%5c',
    '%5C',
    '%25',
    '%3b',
    '%3B',
    '%41',
    '%69',
    '%7e',
    '%7E',
    '%20',
    '%3a',
    '%00',
    '%0a',
    '%c0%ae',
    '%ef%bc%8f',
    '%C3%A9',
    '%c3%a9',
    '%e2%80%a5',
    '%ff',
    '%',
    '%4',
    ';',
    '\\',
    '#',
    '?',
    'é',
    ' ',
  ];
  const paths = fc.array(fc.constantFrom(...pieces), { maxLength: 14 }).map((parts) => `/${parts.join('')}`);

  test('property: canonicalisation is idempotent', () => {
    fc.assert(
      fc.property(paths, (target) => {
        const first = canonicalizePath(target);
        if (!first.ok) return;
        const again = canonicalizePath(first.path);
        assert.deepEqual(again, { ok: true, path: first.path, query: null });
      }),
      { numRuns: 3000 },
    );
  });

  test('property: a canonical path never holds .., //, \\, ;, %2f, %5c, %25, # or a trailing /', () => {
    fc.assert(
      fc.property(paths, (target) => {
        const result = canonicalizePath(target);
        if (!result.ok) return;
        const { path } = result;
        for (const bad of ['..', '//', '\\', ';', '#', '?'])
          assert.ok(!path.includes(bad), `${path} contains ${bad}`);
        assert.ok(!/%2f|%5c|%25|%3b/i.test(path), path);
        assert.ok(!/%(?:[0-9A-F][a-f]|[a-f][0-9A-Fa-f])/.test(path), `${path} has lower-case hex`);
        assert.ok(!/(?:^|\/)\.(?:\/|$)/.test(path), path);
        assert.ok(path === '/' || !path.endsWith('/'), path);
        assert.ok(
          !/%(?:[46][1-9A-F]|[57][0-9A]|3[0-9]|2D|2E|5F|7E)/.test(path),
          `${path} keeps an unreserved escape`,
        );
      }),
      { numRuns: 3000 },
    );
  });

  test('property: a WHATWG URL parser reads a canonical path exactly as the gateway does', () => {
    fc.assert(
      fc.property(paths, (target) => {
        const result = canonicalizePath(target);
        if (!result.ok) return;
        assert.equal(new URL(result.path, 'http://gw.test').pathname, result.path);
      }),
      { numRuns: 3000 },
    );
  });

  test('property: raw and decoded spellings of the same unreserved path agree', () => {
    const unreserved = fc.constantFrom(...'abcXYZ019-_~'.split(''));
    fc.assert(
      fc.property(
        fc.array(fc.array(unreserved, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 4 }),
        (segments) => {
          const plain = `/${segments.map((s) => s.join('')).join('/')}`;
          const encoded = `/${segments
            .map((s) => s.map((c) => `%${c.charCodeAt(0).toString(16)}`).join(''))
            .join('/')}`;
          assert.deepEqual(canonicalizePath(encoded), canonicalizePath(plain));
        },
      ),
      { numRuns: 500 },
    );
  });
});
