import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileRoute } from './compile-route.js';
import { secretRef as ref, route } from './test-support/harness.js';
import type { RouteSpec } from './types.js';

const upstream = new URL('http://127.0.0.1:9');

describe('compileRoute', () => {
  test('forwardPath applies stripPrefix and the upstream base path', () => {
    const plain = compileRoute(route({ id: 'a', path: '/a/**', upstream }));
    assert.equal(plain.forwardPath('/a/b'), '/a/b');
    const rewritten = compileRoute(
      route({
        id: 's',
        path: '/stripe/**',
        stripPrefix: '/stripe',
        upstream: new URL('https://api.stripe.test/v1'),
      }),
    );
    assert.equal(rewritten.forwardPath('/stripe/customers/c1'), '/v1/customers/c1');
    assert.equal(rewritten.origin, 'https://api.stripe.test');
    const exact = compileRoute(route({ id: 'e', path: '/stripe', stripPrefix: '/stripe', upstream }));
    assert.equal(exact.forwardPath('/stripe'), '/');
    const based = compileRoute(route({ id: 'b', path: '/', upstream: new URL('http://127.0.0.1:9/base') }));
    assert.equal(based.forwardPath('/'), '/base');
  });

  test('collects the lower-case names the route removes: injected and removeHeaders', () => {
    const compiled = compileRoute(
      route({
        id: 'p',
        path: '/p',
        upstream,
        public: false,
        require: { token: true },
        inject: { headers: { Authorization: `Bearer ${ref('stripe')}` } },
        removeHeaders: ['X-Api-Key', 'cookie'],
      }),
    );
    // A route that injects a secret also drops the client's Accept-Encoding and Range: its
    // responses are scanned whole and uncompressed.
    assert.deepEqual([...compiled.removeNames].sort(), [
      'accept-encoding',
      'authorization',
      'cookie',
      'if-range',
      'range',
      'x-api-key',
    ]);
    assert.equal(compiled.injections[0]?.name, 'authorization');
    assert.equal(compiled.scansResponses, true);
    const literal = compileRoute(
      route({ id: 'l', path: '/l', upstream, inject: { headers: { 'x-v': '2' } } }),
    );
    assert.equal(literal.scansResponses, false);
    assert.deepEqual([...literal.removeNames], ['x-v']);
  });

  test('identity headers: all to an own backend, none to a route that injects a secret, unless listed', () => {
    const provider = {
      public: false,
      require: { token: true },
      inject: { headers: { authorization: `Bearer ${ref('stripe')}` } },
    } satisfies Partial<RouteSpec>;
    const sent = (spec: RouteSpec) => [...compileRoute(spec).identityHeaders].sort();
    const all = ['app', 'client-address', 'device', 'level', 'platform', 'token-id'];
    assert.deepEqual(sent(route({ id: 'own', path: '/own', upstream })), all);
    assert.deepEqual(sent(route({ id: 'p', path: '/p', upstream, ...provider })), []);
    assert.deepEqual(
      sent(route({ id: 'p', path: '/p', upstream, ...provider, identityHeaders: ['app', 'client-address'] })),
      ['app', 'client-address'],
    );
    assert.deepEqual(sent(route({ id: 'own', path: '/own', upstream, identityHeaders: [] })), []);
  });

  const bad: [string, Partial<RouteSpec>][] = [
    ['upstream scheme', { upstream: new URL('ftp://127.0.0.1/') }],
    ['upstream credentials', { upstream: new URL('http://u:p@127.0.0.1/') }],
    ['upstream query', { upstream: new URL('http://127.0.0.1/?x=1') }],
    ['upstream path not canonical', { upstream: new URL('http://127.0.0.1/a;b') }],
    ['stripPrefix not a prefix', { path: '/a/**', stripPrefix: '/b' }],
    ['stripPrefix mid-segment', { path: '/abc/**', stripPrefix: '/ab' }],
    ['public with require.token', { public: true, require: { token: true } }],
    ['neither public nor token', { public: false, require: { token: false } }],
    ['public with a level', { public: true, require: { token: false, level: 'hardware' } }],
    ['unknown level', { public: false, require: { token: true, level: 'root' as never } }],
    ['empty apps', { public: false, require: { token: true, apps: [] } }],
    ['public injecting a secret', { inject: { headers: { authorization: `Bearer ${ref('stripe')}` } } }],
    ['unknown identity header', { identityHeaders: ['user' as never] }],
    ['identity header listed twice', { identityHeaders: ['app', 'app'] }],
    [
      'Accept-Encoding injected on a route whose responses are scanned',
      {
        public: false,
        require: { token: true },
        inject: { headers: { authorization: `Bearer ${ref('stripe')}`, 'accept-encoding': 'gzip' } },
      },
    ],
    [
      'inject a hop-by-hop header',
      { public: false, require: { token: true }, inject: { headers: { connection: 'x' } } },
    ],
    ['inject Host', { public: false, require: { token: true }, inject: { headers: { host: 'x' } } }],
    [
      'inject an identity header',
      { public: false, require: { token: true }, inject: { headers: { 'X-Portcullis-App': 'x' } } },
    ],
    [
      'inject twice',
      { public: false, require: { token: true }, inject: { headers: { 'x-a': '1', 'X-A': '2' } } },
    ],
    ['inject a bad name', { public: false, require: { token: true }, inject: { headers: { 'x a': '1' } } }],
    ['negative body limit', { maxBodyBytes: -1 }],
    ['zero timeout', { timeouts: { connectMs: 0, headersMs: 1, bodyMs: 1 } }],
    ['fractional timeout', { timeouts: { connectMs: 1, headersMs: 1.5, bodyMs: 1 } }],
  ];
  for (const [name, change] of bad) {
    test(`refuses ${name}`, () => {
      assert.throws(
        () => compileRoute(route({ id: 'r1', path: '/a/**', upstream, ...change })),
        (e: Error) => {
          assert.ok(e instanceof TypeError);
          assert.match(e.message, /"r1"/);
          return true;
        },
      );
    });
  }
});
