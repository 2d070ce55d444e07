import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';
import { AsnConvert, AsnIntegerArrayBufferConverter, AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';
import fc from 'fast-check';
import { parseDerEcdsaP256Signature } from './parse-der-ecdsa-p256-signature.js';

// The written-out DER reader against a well-kept ASN.1 library: whatever bytes come in, the two
// agree on whether they are one canonical Ecdsa-Sig-Value, and on r and s.

class EcdsaSigValue {
  @AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })
  r: ArrayBuffer = new ArrayBuffer(0);
  @AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })
  s: ArrayBuffer = new ArrayBuffer(0);
}

const ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

function scalar(bytes: ArrayBuffer): bigint | undefined {
  const view = new Uint8Array(bytes);
  if (view.byteLength === 0 || (view[0]! & 0x80) !== 0) return undefined;
  if (view.byteLength > 1 && view[0] === 0 && (view[1]! & 0x80) === 0) return undefined;
  return BigInt(`0x${Buffer.from(view).toString('hex')}`);
}

/** What the library makes of `der`: r ‖ s, 'malformed' or 'out_of_range'. */
function byLibrary(der: Uint8Array): string {
  if (der.length < 8 || der.length > 72) return 'malformed';
  let parsed: EcdsaSigValue;
  try {
    parsed = AsnConvert.parse(der, EcdsaSigValue);
  } catch {
    return 'malformed';
  }
  if (!Buffer.from(AsnConvert.serialize(parsed)).equals(der)) return 'malformed';
  const r = scalar(parsed.r);
  const s = scalar(parsed.s);
  if (r === undefined || s === undefined || r >= 1n << 256n || s >= 1n << 256n) return 'malformed';
  if (r < 1n || r >= ORDER || s < 1n || s >= ORDER) return 'out_of_range';
  return r.toString(16).padStart(64, '0') + s.toString(16).padStart(64, '0');
}

function byReader(der: Uint8Array): string {
  const result = parseDerEcdsaP256Signature(der);
  return typeof result === 'string' ? result : result.toString('hex');
}

const key = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const signatures = Array.from(
  { length: 64 },
  (_, i) => new Uint8Array(sign('sha256', Buffer.from(`message ${i}`), { key, dsaEncoding: 'der' })),
);

test('real signatures read as the library reads them (r ‖ s)', () => {
  for (const der of signatures) {
    const read = byReader(der);
    assert.equal(read.length, 128);
    assert.equal(read, byLibrary(der));
  }
});

test('mutated signatures: the reader and the library agree on every verdict', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...signatures),
      fc.array(fc.tuple(fc.nat(80), fc.integer({ min: 0, max: 255 })), { maxLength: 3 }),
      fc.integer({ min: -3, max: 3 }),
      (der, edits, resize) => {
        const bytes = Array.from(der);
        for (const [at, value] of edits) if (at < bytes.length) bytes[at] = value;
        if (resize > 0) bytes.push(...Array.from({ length: resize }, () => 0));
        if (resize < 0) bytes.splice(resize);
        const mutated = new Uint8Array(bytes);
        assert.equal(byReader(mutated), byLibrary(mutated));
      },
    ),
    { numRuns: 3000 },
  );
});

test('psychic, padded and long-form signatures are refused', () => {
  const der = (r: string, s: string) => {
    const int = (hex: string) =>
      Buffer.concat([Buffer.from([0x02, hex.length / 2]), Buffer.from(hex, 'hex')]);
    const body = Buffer.concat([int(r), int(s)]);
    return new Uint8Array(Buffer.concat([Buffer.from([0x30, body.length]), body]));
  };
  const n = ORDER.toString(16);
  assert.equal(parseDerEcdsaP256Signature(der('00', '00')), 'out_of_range');
  assert.equal(parseDerEcdsaP256Signature(der(`00${n}`, '01')), 'out_of_range');
  assert.equal(parseDerEcdsaP256Signature(der('0001', '01')), 'malformed');
  assert.equal(parseDerEcdsaP256Signature(der('80', '01')), 'malformed');
  const good = signatures[0]!;
  const longForm = new Uint8Array([0x30, 0x81, good.length - 2, ...good.subarray(2)]);
  assert.equal(parseDerEcdsaP256Signature(longForm), 'malformed');
  assert.equal(parseDerEcdsaP256Signature(new Uint8Array([...good, 0])), 'malformed');
});
