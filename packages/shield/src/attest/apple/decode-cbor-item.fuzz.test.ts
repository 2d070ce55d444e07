import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode as strictDecode } from 'cborg';
import fc from 'fast-check';
import {
  loadAppleAssertionVectors,
  loadAppleAttestationVectors,
} from '../../../test/fixtures/apple/load-apple-vectors.js';
import { fuzzParameters } from '../../../test/support/fuzz-budget.js';
import { decodeAppleAssertion } from './decode-apple-assertion.js';
import { decodeAppleAttestation } from './decode-apple-attestation.js';
import { decodeCborItem, decodeCborItemAt } from './decode-cbor-item.js';

// Fuzzing the CBOR decoder every App Attest attestation and assertion goes through (D-11). The
// strict reference is cborg in strict mode: minimal integers and lengths, no indefinite lengths,
// no duplicate map keys. Tags are the caller's to judge, so the reference passes them through.

const ANY_TAG = new Proxy([] as unknown[], {
  get: (target, key) =>
    typeof key === 'string' && /^[0-9]+$/.test(key)
      ? (decode: () => unknown) => decode()
      : Reflect.get(target, key),
});
const STRICT = {
  strict: true,
  rejectDuplicateMapKeys: true,
  allowIndefinite: false,
  allowUndefined: true,
  useMaps: true,
  tags: ANY_TAG as unknown as never[],
};

function strictAccepts(bytes: Uint8Array): boolean {
  try {
    strictDecode(bytes, STRICT);
    return true;
  } catch {
    return false;
  }
}

const REAL = [
  ...loadAppleAttestationVectors()
    .slice(0, 2)
    .map((v) => v.attestation),
  ...loadAppleAssertionVectors()
    .slice(0, 2)
    .map((v) => v.assertion),
];

/** Random bytes, and real objects with bytes flipped, cut, or spliced in. */
const inputs = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc
    .tuple(
      fc.nat(REAL.length - 1),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
    )
    .map(([which, flips]) => {
      const copy = Uint8Array.from(REAL[which]!);
      for (const [at, mask] of flips) copy[at % copy.length]! ^= mask;
      return copy;
    }),
  fc
    .tuple(fc.nat(REAL.length - 1), fc.nat())
    .map(([which, at]) => REAL[which]!.subarray(0, at % REAL[which]!.length)),
  fc
    .tuple(fc.nat(REAL.length - 1), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 9 }))
    .map(([which, at, inserted]) => {
      const real = REAL[which]!;
      const cut = at % real.length;
      return Uint8Array.from([...real.subarray(0, cut), ...inserted, ...real.subarray(cut)]);
    }),
);

test('D-11: the CBOR decoder never throws and accepts only what strict CBOR accepts', () => {
  fc.assert(
    fc.property(inputs, (bytes) => {
      const item = decodeCborItem(bytes);
      const at = decodeCborItemAt(bytes, 0);
      if (item !== undefined) {
        assert.ok(strictAccepts(bytes), 'accepted bytes that strict CBOR refuses');
        assert.equal(at?.end, bytes.length, 'one item fills the input');
      }
      if (at !== undefined) assert.ok(at.end <= bytes.length);
    }),
    fuzzParameters(400, 1),
  );
});

test('D-11: the attestation and assertion decoders return a refusal for anything malformed, never throw', () => {
  fc.assert(
    fc.property(inputs, (bytes) => {
      const attestation = decodeAppleAttestation(bytes);
      const assertion = decodeAppleAssertion(bytes);
      for (const result of [attestation, assertion]) {
        if (result.ok) assert.ok(strictAccepts(bytes), 'decoded an object strict CBOR refuses');
        else assert.match(result.code, /^apple_[a-z_]+$/);
      }
    }),
    fuzzParameters(300, 2),
  );
});
