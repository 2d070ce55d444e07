import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode as decodeStrictJson } from 'cborg/json';
import fc from 'fast-check';
import { fuzzParameters } from '../../test/support/fuzz-budget.js';
import { decodeJsonObject } from '../tokens/decode-json-object.js';
import { readBodyJson } from './read-body-json.js';

// Fuzzing the JSON readers of request bodies and token segments (A4-08, C-25). Two references:
// JSON.parse for the grammar and the values, and cborg's strict JSON decoder for duplicate member
// names (which JSON.parse silently resolves). What the shield accepts, both accept, with the same
// value; and no object the body reader accepts has two names that differ only in case.

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function referenceValue(bytes: Uint8Array): { ok: true; value: unknown } | { ok: false } {
  try {
    const text = utf8.decode(bytes);
    decodeStrictJson(bytes, { rejectDuplicateMapKeys: true });
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function namesDifferingInCase(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(namesDifferingInCase);
  if (typeof value !== 'object' || value === null) return false;
  const names = Object.keys(value).map((name) => name.toLowerCase());
  return new Set(names).size !== names.length || Object.values(value).some(namesDifferingInCase);
}

const encoder = new TextEncoder();
/** JSON texts, mutated JSON texts, objects with a member written twice, deep nesting, random bytes. */
const bodies = fc.oneof(
  fc.json({ depthSize: 'small' }).map((text) => encoder.encode(text)),
  fc
    .tuple(
      fc.json({ depthSize: 'small' }),
      fc.nat(),
      fc.constantFrom('"', '\\', '{', '}', ',', ':', '[', '\u0000', '\ud800', 'é', ' ', '1', 'e'),
    )
    .map(([text, at, char]) => {
      const i = at % (text.length + 1);
      return encoder.encode(text.slice(0, i) + char + text.slice(i + 1));
    }),
  fc
    .tuple(
      fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 2 }), { minKeys: 1, maxKeys: 4 }),
      fc.boolean(),
    )
    .map(([object, upper]) => {
      const [name] = Object.keys(object);
      const text = JSON.stringify(object);
      const twice = `${text.slice(0, -1)},${JSON.stringify(upper ? name!.toUpperCase() : name)}:1}`;
      return encoder.encode(twice);
    }),
  fc.nat(200).map((depth) => encoder.encode(`{"a":${'['.repeat(depth)}${']'.repeat(depth)}}`)),
  fc.uint8Array({ maxLength: 64 }),
);

test('A4-08, C-25: the JSON object decoder accepts only strict JSON, without duplicates, and reads it as JSON.parse does', () => {
  fc.assert(
    fc.property(bodies, (bytes) => {
      for (const limits of [
        { maxDepth: 16, integersOnly: false },
        { maxDepth: 4, integersOnly: true },
      ]) {
        const decoded = decodeJsonObject(bytes, limits);
        if (!decoded.ok) continue;
        const reference = referenceValue(bytes);
        assert.ok(reference.ok, 'accepted what strict JSON refuses');
        assert.deepEqual(decoded.value, reference.value);
      }
    }),
    fuzzParameters(500, 1),
  );
});

test('A4-08: the request-body reader accepts only strict JSON objects, without names that differ only in case', () => {
  fc.assert(
    fc.property(bodies, (bytes) => {
      const body = readBodyJson(Buffer.from(bytes));
      if (body === null) return;
      const reference = referenceValue(bytes);
      assert.ok(reference.ok, 'accepted what strict JSON refuses');
      assert.deepEqual(body, reference.value);
      assert.ok(!namesDifferingInCase(body), 'two member names differ only in case');
    }),
    fuzzParameters(500, 2),
  );
});
