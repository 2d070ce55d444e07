import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  isReservedRoutePattern,
  matchRoutePattern,
  parseRoutePattern,
  type RoutePattern,
  routePatternsOverlap,
} from './route-pattern.js';

function pattern(path: string): RoutePattern {
  const parsed = parseRoutePattern(path);
  assert.ok(parsed.ok, `${path}: ${parsed.ok ? '' : parsed.message}`);
  return parsed.pattern;
}

describe('parseRoutePattern', () => {
  test('accepts canonical paths with a final wildcard', () => {
    assert.deepEqual(pattern('/'), { prefix: '/', tail: 'none' });
    assert.deepEqual(pattern('/catalog'), { prefix: '/catalog', tail: 'none' });
    assert.deepEqual(pattern('/files/*'), { prefix: '/files/', tail: 'segment' });
    assert.deepEqual(pattern('/stripe/**'), { prefix: '/stripe/', tail: 'rest' });
    assert.deepEqual(pattern('/**'), { prefix: '/', tail: 'rest' });
    assert.deepEqual(pattern("/a-b.c_d~e!$&'()+,=:@"), { prefix: "/a-b.c_d~e!$&'()+,=:@", tail: 'none' });
  });

  for (const path of [
    'catalog',
    '',
    '/a//b',
    '/a/',
    '/a/../b',
    '/a/..',
    '/a..b',
    '/./a',
    '/a/.',
    '/a%2Fb',
    '/a%41',
    '/a;jsessionid=1',
    '/a\\b',
    '/a?x=1',
    '/a#top',
    '/a b',
    '/caf\u00e9',
    '/a\u0000',
    '/a*',
    '/*/a',
    '/**/a',
    '/a/***',
  ]) {
    test(`refuses ${JSON.stringify(path)}`, () => {
      const parsed = parseRoutePattern(path);
      assert.equal(parsed.ok, false);
      assert.ok(!parsed.ok && parsed.message !== '' && parsed.fix !== '');
    });
  }
});

describe('matchRoutePattern', () => {
  const cases: [string, string, boolean][] = [
    ['/catalog', '/catalog', true],
    ['/catalog', '/catalog/x', false],
    ['/catalog', '/Catalog', false],
    ['/files/*', '/files/a', true],
    ['/files/*', '/files/a/b', false],
    ['/files/*', '/files', false],
    ['/stripe/**', '/stripe/a', true],
    ['/stripe/**', '/stripe/a/b/c', true],
    ['/stripe/**', '/stripe', false],
    ['/stripe/**', '/stripes/a', false],
    ['/**', '/anything/at/all', true],
    ['/**', '/', false],
    ['/', '/', true],
  ];
  for (const [path, request, expected] of cases) {
    test(`${path} ${expected ? 'matches' : 'does not match'} ${request}`, () => {
      assert.equal(matchRoutePattern(pattern(path), request), expected);
    });
  }
});

describe('routePatternsOverlap', () => {
  const cases: [string, string, boolean][] = [
    ['/a', '/a', true],
    ['/a', '/b', false],
    ['/stripe/**', '/stripe/charges', true],
    ['/stripe/**', '/stripe', false],
    ['/stripe/**', '/stripe/a/**', true],
    ['/files/*', '/files/a', true],
    ['/files/*', '/files/a/b', false],
    ['/files/*', '/files/**', true],
    ['/files/a/*', '/files/**', true],
    ['/files/*', '/files/a/**', false],
    ['/**', '/', false],
    ['/*', '/', false],
    ['/*', '/**', true],
  ];
  for (const [a, b, expected] of cases) {
    test(`${a} and ${b}: ${expected ? 'overlap' : 'disjoint'}`, () => {
      assert.equal(routePatternsOverlap(pattern(a), pattern(b)), expected);
      assert.equal(routePatternsOverlap(pattern(b), pattern(a)), expected);
    });
  }

  test('says overlap exactly when some request path matches both (property)', () => {
    // Patterns over the segments a and b, up to two literal segments and a tail. Any overlap has
    // a witness over those segments of length at most four, so the candidates below are complete.
    const candidates = ['/'];
    let level = [''];
    for (let length = 1; length <= 4; length += 1) {
      level = level.flatMap((prefix) => [`${prefix}/a`, `${prefix}/b`]);
      candidates.push(...level);
    }
    const arbitraryPattern = fc
      .tuple(fc.array(fc.constantFrom('a', 'b'), { maxLength: 2 }), fc.constantFrom('', '*', '**'))
      .map(([segments, tail]) => {
        const parts = tail === '' ? segments : [...segments, tail];
        return pattern(`/${parts.join('/')}`);
      });
    fc.assert(
      fc.property(arbitraryPattern, arbitraryPattern, (a, b) => {
        const witness = candidates.some((path) => matchRoutePattern(a, path) && matchRoutePattern(b, path));
        assert.equal(routePatternsOverlap(a, b), witness, `${JSON.stringify(a)} ${JSON.stringify(b)}`);
      }),
      { numRuns: 300, seed: 20260601 },
    );
  });
});

describe('isReservedRoutePattern', () => {
  for (const path of [
    '/v1',
    '/v1/challenge',
    '/v1/**',
    '/V1/attest',
    '/.well-known/jwks.json',
    '/livez',
    '/readyz/x',
  ]) {
    test(`${path} is the shield’s own`, () => assert.equal(isReservedRoutePattern(pattern(path)), true));
  }
  for (const path of ['/v2/pay', '/v10', '/livezz', '/api/v1/x', '/**']) {
    test(`${path} is not reserved`, () => assert.equal(isReservedRoutePattern(pattern(path)), false));
  }
});
