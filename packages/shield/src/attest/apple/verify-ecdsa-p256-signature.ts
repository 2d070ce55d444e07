import { type KeyObject, verify } from 'node:crypto';
import { AsnConvert, AsnIntegerArrayBufferConverter, AsnProp, AsnPropTypes } from '@peculiar/asn1-schema';

/** `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` (RFC 3279 §2.2.3). */
export class EcdsaSigValue {
  @AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })
  r: ArrayBuffer = new ArrayBuffer(0);
  @AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerArrayBufferConverter })
  s: ArrayBuffer = new ArrayBuffer(0);
}

/** Order n of the P-256 group. */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
/** 2 INTEGERs of at most 33 bytes each inside a SEQUENCE. */
const MAX_DER_LENGTH = 72;

function toScalar(bytes: ArrayBuffer): bigint | undefined {
  const view = new Uint8Array(bytes);
  if (view.byteLength === 0 || (view[0]! & 0x80) !== 0) return undefined; // empty or negative
  if (view.byteLength > 1 && view[0] === 0 && (view[1]! & 0x80) === 0) return undefined; // not minimal
  return BigInt(`0x${Buffer.from(view).toString('hex')}`);
}

/**
 * Verifies a DER ECDSA P-256 signature with SHA-256 over `message`. Before node:crypto sees it,
 * the signature must be canonical DER with 1 ≤ r, s < n, so "psychic" signatures (r = s = 0,
 * r = n, CVE-2022-21449 class) and malleable encodings are refused whatever the crypto library does.
 */
export function verifyEcdsaP256Signature(
  publicKey: KeyObject,
  message: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (signature.byteLength < 8 || signature.byteLength > MAX_DER_LENGTH) return false;
  try {
    const parsed = AsnConvert.parse(signature, EcdsaSigValue);
    const again = new Uint8Array(AsnConvert.serialize(parsed));
    if (again.byteLength !== signature.byteLength || !again.every((b, i) => b === signature[i])) return false;
    for (const scalar of [toScalar(parsed.r), toScalar(parsed.s)]) {
      if (scalar === undefined || scalar < 1n || scalar >= P256_ORDER) return false;
    }
    return verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, signature);
  } catch {
    return false;
  }
}
