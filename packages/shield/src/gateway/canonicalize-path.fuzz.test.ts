import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fuzzParameters } from '../../test/support/fuzz-budget.js';
import { canonicalizePath } from './canonicalize-path.js';
import { compileRoute } from './compile-route.js';
import { createRouteTable } from './create-route-table.js';
import { route } from './test-support/harness.js';

// Fuzzing the path canonicaliser (A5-04, E-14, E-15, E-16) with arbitrary targets: any Unicode,
// any byte percent-encoded in either case, delimiters and dot segments in every spelling. It must
// never throw; what it accepts is canonical (idempotent, read unchanged by a WHATWG URL parser);
// and a path and its forwarded form always get the same route.

const upstream = new URL('http://127.0.0.1:9');
const specs = [
  route({ id: 'pay', methods: ['POST', 'GET'], path: '/pay/*', upstream }),
  route({ id: 'session', methods: ['GET'], path: '/pay/session/now', upstream }),
  route({ id: 'public', methods: ['GET'], path: '/public/**', upstream }),
  route({ id: 'users', methods: ['GET'], path: '/users/*/profile', upstream }),
  route({
    id: 'stripe',
    methods: ['GET'],
    path: '/stripe/**',
    stripPrefix: '/stripe',
    upstream: new URL('http://127.0.0.1:9/v1'),
  }),
  route({ id: 'root', methods: ['GET'], path: '/', upstream }),
];
const table = createRouteTable(specs);
const compiled = specs.map(compileRoute);

const percentEscape = fc.tuple(fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([byte, upper]) => {
  const hex = byte.toString(16).padStart(2, '0');
  return `%${upper ? hex.toUpperCase() : hex}`;
});
const piece = fc.oneof(
  fc.constantFrom(
    'pay',
    'session',
    'now',
    'public',
    'users',
    '42',
    'profile',
    'stripe',
    'v1',
    'a',
    'é',
    '€',
    '\u0000',
    '\t',
  ),
  fc.constantFrom(
    '/',
    '//',
    '.',
    '..',
    '%2e',
    '%2E%2e',
    '\\',
    '%5c',
    ';',
    '%3b',
    '?',
    '#',
    '@',
    ':',
    '%',
    '%25',
    '+',
    ' ',
  ),
  fc.constantFrom('%c0%ae', '%e2%80%a5', '%ef%bc%8f', '%ed%a0%80', '%f0%9f%98%80', '%c3%a9'),
  percentEscape,
  fc.string({ unit: 'grapheme', maxLength: 3 }),
);
const segment = fc.oneof(
  fc.constantFrom('pay', 'session', 'now', 'public', 'users', '42', 'profile', 'stripe', 'x'),
  fc.constantFrom('%70ay', 'p%61y', 'sess%69on', '%7e', 'caf%c3%a9', 'a%2Fb', '%2e', '..'),
);
const targets = fc.oneof(
  fc.array(segment, { minLength: 1, maxLength: 4 }).map((segments) => `/${segments.join('/')}`),
  fc
    .tuple(
      fc.constantFrom('/', '/pay/', '/public/', '/users/', '/stripe/', ''),
      fc.array(piece, { maxLength: 10 }),
    )
    .map(([head, parts]) => head + parts.join('')),
  fc.string({ unit: 'binary', maxLength: 40 }),
);

test('A5-04, E-14, E-15, E-16: the canonicaliser never throws, and what it accepts is canonical', () => {
  fc.assert(
    fc.property(targets, (target) => {
      const result = canonicalizePath(target);
      if (!result.ok) {
        assert.equal(typeof result.reason, 'string');
        return;
      }
      assert.ok(result.path.startsWith('/'));
      assert.deepEqual(canonicalizePath(result.path), { ok: true, path: result.path, query: null });
      assert.equal(
        new URL(result.path, 'http://gateway.test').pathname,
        result.path,
        'a WHATWG parser reads it otherwise',
      );
    }),
    fuzzParameters(1500, 1),
  );
});

test('A5-04, E-16: a path and its forwarded form always get the same route', () => {
  let matched = 0;
  fc.assert(
    fc.property(targets, fc.constantFrom('GET', 'POST'), (target, method) => {
      const canonical = canonicalizePath(target);
      if (!canonical.ok) return;
      const match = table.match(method, canonical.path);
      if (match.kind !== 'found') return;
      matched++;
      const chosen = compiled[match.index]!;
      const forwarded = chosen.forwardPath(canonical.path);
      if (chosen.id === 'stripe') {
        assert.equal(forwarded, `/v1${canonical.path.slice('/stripe'.length)}`);
        return;
      }
      assert.equal(forwarded, canonical.path);
      const again = canonicalizePath(forwarded);
      assert.ok(again.ok);
      assert.deepEqual(table.match(method, again.path), match, 'the upstream path maps to another route');
    }),
    fuzzParameters(1500, 2),
  );
  assert.ok(matched > 50, `too few targets matched a route (${matched}) for the property to mean anything`);
});
