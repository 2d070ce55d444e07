import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate } from '@peculiar/asn1-x509';
import * as asn1js from 'asn1js';
import fc from 'fast-check';
import { readPemChain } from '../../../test/fixtures/android/android-fixtures.js';
import { fuzzParameters } from '../../../test/support/fuzz-budget.js';
import { AndroidParseError } from './android-parse-error.js';
import { KEY_DESCRIPTION_OID, parseKeyDescription } from './parse-key-description.js';

// Fuzzing the ASN.1 decoder of the Android key description (D-23). Real extensions of three
// device generations are flipped, cut and spliced. The decoder may only refuse with its own typed
// error; what it accepts must be one BER element to asn1js, and must mean the same once re-encoded
// as DER (so a lenient length or encoding cannot make the shield read something else than a
// strict reader of the same bytes).

const REAL = [
  'keyattestation-google/pixel3-blueline-2018-09-tee-ec.pem',
  'keyattestation-google/pixel8a-akita-2024-09-tee-ec.pem',
  'keyattestation-google/pixel9pro-caiman-2025-09-tee-ec-rkp.pem',
].map((file) => {
  const leaf = AsnConvert.parse(readPemChain(file)[0]!, Certificate);
  const extension = leaf.tbsCertificate.extensions!.find((e) => e.extnID === KEY_DESCRIPTION_OID)!;
  return new Uint8Array(extension.extnValue.buffer);
});

const inputs = fc.oneof(
  fc.uint8Array({ maxLength: 300 }),
  fc
    .tuple(
      fc.nat(REAL.length - 1),
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }),
    )
    .map(([which, flips]) => {
      const copy = Uint8Array.from(REAL[which]!);
      for (const [at, mask] of flips) copy[at % copy.length]! ^= mask;
      return copy;
    }),
  fc
    .tuple(fc.nat(REAL.length - 1), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 6 }))
    .map(([which, at, inserted]) => {
      const real = REAL[which]!;
      const cut = at % real.length;
      return Uint8Array.from([...real.subarray(0, cut), ...inserted, ...real.subarray(cut)]);
    }),
);

test('D-23: the key description decoder refuses only with its typed error, and reads what a strict reader reads', () => {
  fc.assert(
    fc.property(inputs, (bytes) => {
      let decoded: ReturnType<typeof parseKeyDescription>;
      try {
        decoded = parseKeyDescription(bytes);
      } catch (error) {
        assert.ok(error instanceof AndroidParseError, `threw ${String(error)}`);
        assert.equal(error.code, 'android_key_description_malformed');
        return;
      }
      const ber = asn1js.fromBER(bytes);
      assert.equal(ber.offset, bytes.length, 'accepted bytes that are not one BER element');
      const der = new Uint8Array(ber.result.toBER());
      assert.deepEqual(
        parseKeyDescription(der),
        decoded,
        'the DER form of the same bytes means something else',
      );
    }),
    fuzzParameters(400, 1),
  );
});

test('D-23: bytes after the key description are refused (found by fuzzing: the schema parser ignored them)', () => {
  for (const real of REAL) {
    assert.doesNotThrow(() => parseKeyDescription(real));
    assert.throws(() => parseKeyDescription(Uint8Array.from([...real, 0xe1])), AndroidParseError);
    assert.throws(() => parseKeyDescription(Uint8Array.from([...real, 0x30, 0x00])), AndroidParseError);
  }
});
