import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { canonicalizePath } from './canonicalize-path.js';
import { compileRoute } from './compile-route.js';
import { createRouteTable, type RoutePattern } from './create-route-table.js';
import { route } from './test-support/harness.js';

const upstream = new URL('http://127.0.0.1:9');

describe('createRouteTable', () => {
  const routes: RoutePattern[] = [
    { id: 'session', methods: ['POST'], path: '/pay/session' },
    { id: 'pay-get', methods: ['GET'], path: '/pay/*' },
    { id: 'public', methods: ['GET', 'POST'], path: '/public/*' },
    { id: 'profile', methods: ['GET'], path: '/users/*/profile' },
    { id: 'stripe', methods: ['GET', 'POST', 'DELETE'], path: '/stripe/**' },
    { id: 'root', methods: ['GET'], path: '/' },
  ];
  const table = createRouteTable(routes);

  test('exact, one-segment, middle and rest patterns', () => {
    assert.deepEqual(table.match('POST', '/pay/session'), { kind: 'found', index: 0 });
    assert.deepEqual(table.match('GET', '/pay/session'), { kind: 'found', index: 1 });
    assert.deepEqual(table.match('GET', '/pay/other'), { kind: 'found', index: 1 });
    assert.deepEqual(table.match('POST', '/public/a'), { kind: 'found', index: 2 });
    assert.deepEqual(table.match('GET', '/users/42/profile'), { kind: 'found', index: 3 });
    assert.deepEqual(table.match('DELETE', '/stripe/v1/customers/cus_1'), { kind: 'found', index: 4 });
    assert.deepEqual(table.match('GET', '/'), { kind: 'found', index: 5 });
  });

  test('default deny: unknown paths, deeper paths, the bare prefix of a ** route', () => {
    for (const path of [
      '/admin',
      '/.env',
      '/pay',
      '/pay/session/x',
      '/public/a/b',
      '/users/42',
      '/stripe',
      '/v1/pay/session',
    ]) {
      assert.deepEqual(table.match('GET', path), { kind: 'not_found' }, path);
    }
  });

  test('matching is case-sensitive (A5-04)', () => {
    assert.deepEqual(table.match('POST', '/Pay/Session'), { kind: 'not_found' });
    assert.deepEqual(table.match('POST', '/PAY/session'), { kind: 'not_found' });
  });

  test('405 lists every method of every route that has the path, folded into exact paths', () => {
    assert.deepEqual(table.match('DELETE', '/pay/session'), {
      kind: 'method_not_allowed',
      allow: 'GET, POST',
    });
    assert.deepEqual(table.match('HEAD', '/pay/x'), { kind: 'method_not_allowed', allow: 'GET' });
    assert.deepEqual(table.match('OPTIONS', '/public/a'), { kind: 'method_not_allowed', allow: 'GET, POST' });
    assert.deepEqual(table.match('PUT', '/'), { kind: 'method_not_allowed', allow: 'GET' });
  });

  test('refuses ambiguous routes, naming both ids', () => {
    const cases: [RoutePattern, RoutePattern][] = [
      [
        { id: 'a', methods: ['GET'], path: '/x/y' },
        { id: 'b', methods: ['GET'], path: '/x/*' },
      ],
      [
        { id: 'a', methods: ['GET', 'POST'], path: '/x/**' },
        { id: 'b', methods: ['POST'], path: '/x/y/z' },
      ],
      [
        { id: 'a', methods: ['GET'], path: '/*/y' },
        { id: 'b', methods: ['GET'], path: '/x/*' },
      ],
      [
        { id: 'a', methods: ['GET'], path: '/**' },
        { id: 'b', methods: ['GET'], path: '/x' },
      ],
      [
        { id: 'a', methods: ['PUT'], path: '/x/**' },
        { id: 'b', methods: ['PUT'], path: '/x/*/**' },
      ],
    ];
    for (const [a, b] of cases) {
      assert.throws(
        () => createRouteTable([a, b]),
        (error: Error) => {
          assert.ok(error instanceof TypeError);
          assert.match(error.message, /"a"/);
          assert.match(error.message, /"b"/);
          return true;
        },
      );
    }
  });

  test('accepts overlapping paths with disjoint methods, and disjoint shapes', () => {
    assert.doesNotThrow(() =>
      createRouteTable([
        { id: 'a', methods: ['GET'], path: '/x/*' },
        { id: 'b', methods: ['POST'], path: '/x/y' },
        { id: 'c', methods: ['GET'], path: '/x/y/**' },
        { id: 'd', methods: ['GET'], path: '/x' },
        { id: 'e', methods: ['GET'], path: '/' },
      ]),
    );
  });

  test('refuses bad paths, methods and ids', () => {
    const bad: RoutePattern[][] = [
      [{ id: 'a', methods: ['GET'], path: 'x' }],
      [{ id: 'a', methods: ['GET'], path: '/x/' }],
      [{ id: 'a', methods: ['GET'], path: '/x//y' }],
      [{ id: 'a', methods: ['GET'], path: '/x/**/y' }],
      [{ id: 'a', methods: ['GET'], path: '/x*' }],
      [{ id: 'a', methods: ['GET'], path: '/a/../b' }],
      [{ id: 'a', methods: ['GET'], path: '/sess%69on' }],
      [{ id: 'a', methods: ['GET'], path: '/a;b' }],
      [{ id: 'a', methods: ['get'], path: '/x' }],
      [{ id: 'a', methods: ['TRACE'], path: '/x' }],
      [{ id: 'a', methods: ['TRACK'], path: '/x' }],
      [{ id: 'a', methods: ['CONNECT'], path: '/x' }],
      [{ id: 'a', methods: ['FOO'], path: '/x' }],
      [{ id: 'a', methods: [], path: '/x' }],
      [{ id: 'a', methods: ['GET', 'GET'], path: '/x' }],
      [{ id: '', methods: ['GET'], path: '/x' }],
      [
        { id: 'a', methods: ['GET'], path: '/x' },
        { id: 'a', methods: ['POST'], path: '/y' },
      ],
    ];
    for (const routesCase of bad) {
      assert.throws(() => createRouteTable(routesCase), TypeError, JSON.stringify(routesCase));
    }
  });

  test('property: policy(canon(p)) === policy(forwarded(p)), and forwarded = matched path + prefix rewrite', () => {
    const specs = [
      route({ id: 'pay', methods: ['POST', 'GET'], path: '/pay/*', upstream }),
      route({ id: 'public', methods: ['GET'], path: '/public/**', upstream }),
      route({ id: 'exact', methods: ['GET'], path: '/a/b', upstream }),
      route({
        id: 'stripe',
        methods: ['GET'],
        path: '/stripe/**',
        stripPrefix: '/stripe',
        upstream: new URL('http://127.0.0.1:9/v1'),
      }),
    ];
    const table = createRouteTable(specs);
    const compiled = specs.map(compileRoute);
    const pieces = [
      'pay',
      'public',
      'stripe',
      'a',
      'b',
      'x',
      '%41',
      '%2e',
      '%2E',
      '.',
      '..',
      '/',
      '//',
      '%2f',
      ';',
      '%25',
      '%c3%a9',
      'é',
    ];
    const targets = fc
      .tuple(
        fc.constantFrom('/pay/', '/public/', '/stripe/', '/a/', '/'),
        fc.array(fc.constantFrom(...pieces), { maxLength: 8 }),
      )
      .map(([head, parts]) => head + parts.join(''));
    let matched = 0;
    fc.assert(
      fc.property(targets, (target) => {
        const canonical = canonicalizePath(target);
        if (!canonical.ok) return;
        const match = table.match('GET', canonical.path);
        if (match.kind !== 'found') return;
        matched++;
        const chosen = compiled[match.index]!;
        const forwarded = chosen.forwardPath(canonical.path);
        if (chosen.id === 'stripe') {
          assert.equal(forwarded, `/v1${canonical.path.slice('/stripe'.length)}`);
        } else {
          // Without a rewrite the upstream gets exactly the matched path, and it maps back to the
          // same route: a backend that parsed it again would apply the same policy.
          assert.equal(forwarded, canonical.path);
          const again = canonicalizePath(forwarded);
          assert.ok(again.ok);
          assert.deepEqual(table.match('GET', again.path), match);
        }
      }),
      { numRuns: 3000 },
    );
    assert.ok(matched > 100, `too few matched samples (${matched}) for the property to mean anything`);
  });
});
