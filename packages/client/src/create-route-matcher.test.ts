import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRouteMatcher } from './create-route-matcher.js';

test('patterns match like the shield: exact, one segment, one or more segments; methods in any case', () => {
  const matcher = createRouteMatcher(
    [
      { methods: ['post'], path: '/payments/session' },
      { path: '/files/*' },
      { methods: ['PUT'], path: '/stripe/**' },
    ],
    'proofRoutes',
  );
  const cases: Array<[string, string, boolean]> = [
    ['POST', '/payments/session', true],
    ['GET', '/payments/session', false],
    ['POST', '/payments/session/x', false],
    ['GET', '/files/a', true],
    ['GET', '/files/a/b', false],
    ['GET', '/files/', false],
    ['PUT', '/stripe/a', true],
    ['PUT', '/stripe/a/b', true],
    ['PUT', '/stripe', false],
    ['put', '/stripe/a', true],
  ];
  for (const [method, path, expected] of cases)
    assert.equal(matcher.matches(method, path), expected, `${method} ${path}`);
  matcher.add({ methods: ['DELETE'], path: '/orders/1' });
  assert.equal(matcher.matches('DELETE', '/orders/1'), true);
});

test('bad rules are refused with the option name', () => {
  for (const rule of [
    { path: 'pay' },
    { path: '/a/*/b' },
    { path: '/a*' },
    { path: '/a', methods: 'POST' },
    null,
  ]) {
    assert.throws(() => createRouteMatcher([rule as never], 'proofRoutes'), /proofRoutes/);
  }
  assert.throws(() => createRouteMatcher({} as never, 'publicRoutes'), /publicRoutes/);
});
