import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fuzzParameters } from '../../test/support/fuzz-budget.js';
import { readRequestHeaders } from './read-request-headers.js';
import {
  HOP_BY_HOP_HEADERS,
  STRIPPED_REQUEST_HEADERS,
  STRIPPED_REQUEST_PREFIXES,
} from './request-header-policy.js';

// Fuzzing the request-header reader (A1-01, E-20, E-21, E-34) with header lists as Node hands
// them over: any casing, repeats, Connection naming anything, names like __proto__. The reference
// is the rule docs/gateway.md states, written out plainly: a header is forwarded unless the
// gateway owns it (the published lists), the route removes it, or the client's Connection names
// it; counts are counts.

const names = fc.oneof(
  fc.constantFrom(
    ...STRIPPED_REQUEST_HEADERS,
    'portcullis-token',
    'Portcullis-Proof',
    'X-Portcullis-App',
    'x-PORTCULLIS-device',
    'Proxy-Anything',
    'X-Envoy-Original-Path',
    'Authorization',
    'Cookie',
    'Content-Type',
    'Accept',
    'X-Custom',
    'x-api-key',
    '__proto__',
    'constructor',
  ),
  fc.stringMatching(/^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,12}$/),
);
const casing = fc
  .tuple(names, fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }))
  .map(([name, flips]) =>
    [...name].map((c, i) => (flips[i % flips.length] ? c.toUpperCase() : c.toLowerCase())).join(''),
  );
const value = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constantFrom(
    'close',
    'keep-alive, x-custom',
    'X-Forwarded-For, Cookie',
    ' authorization ,, x-api-key',
    'upgrade',
  ),
);
const headerLists = fc.array(fc.tuple(casing, value), { maxLength: 16 }).map((pairs) => pairs.flat());
const removals = fc.subarray(['x-api-key', 'authorization', 'cookie', 'accept']);

function owned(lower: string): boolean {
  return (
    STRIPPED_REQUEST_HEADERS.includes(lower) ||
    STRIPPED_REQUEST_PREFIXES.some((prefix) => lower.startsWith(prefix))
  );
}

test('A1-01, E-20, E-21, E-34: the header reader forwards exactly what the rules allow, and never throws', () => {
  fc.assert(
    fc.property(headerLists, removals, (raw, removed) => {
      const remove = new Set(removed);
      const facts = readRequestHeaders(raw, remove);
      const lowerNames = raw.filter((_, i) => i % 2 === 0).map((name) => name.toLowerCase());
      const connectionNamed = new Set(
        raw
          .filter((_, i) => i % 2 === 1 && lowerNames[(i - 1) / 2] === 'connection')
          .flatMap((v) => v.split(',').map((token) => token.trim().toLowerCase()))
          .filter((token) => token !== '' && token !== 'close' && token !== 'keep-alive'),
      );
      const expected: string[] = [];
      for (let i = 0; i + 1 < raw.length; i += 2) {
        const lower = raw[i]!.toLowerCase();
        if (owned(lower) || remove.has(lower) || connectionNamed.has(lower)) continue;
        expected.push(raw[i]!, raw[i + 1]!);
      }
      assert.deepEqual(facts.forward, expected);
      for (let i = 0; i < facts.forward.length; i += 2) {
        const lower = facts.forward[i]!.toLowerCase();
        assert.ok(!HOP_BY_HOP_HEADERS.includes(lower) && !lower.startsWith('x-portcullis-'), lower);
      }
      const count = (name: string) => lowerNames.filter((n) => n === name).length;
      assert.equal(facts.tokenCount, count('portcullis-token'));
      assert.equal(facts.proofCount, count('portcullis-proof'));
      assert.equal(facts.authorizationCount, count('authorization'));
      assert.equal(facts.hostCount, count('host'));
      assert.equal(facts.contentTypeCount, count('content-type'));
      if (connectionNamed.has('x-forwarded-for')) assert.equal(facts.forwardedFor, null);
      if (connectionNamed.has('forwarded')) assert.equal(facts.forwarded, null);
    }),
    fuzzParameters(800, 1),
  );
});
