/** Order n of the P-256 group, big-endian. */
const P256_ORDER = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
/** SEQUENCE header and two INTEGERs of at most 33 bytes each. */
const MAX_DER_LENGTH = 72;

/** One DER INTEGER at `at`: its minimal content as a 32-byte big-endian scalar, and where it ends. */
function scalarAt(der: Uint8Array, at: number): { scalar: Buffer; end: number } | undefined {
  if (der[at] !== 0x02) return undefined;
  const length = der[at + 1];
  if (length === undefined || length < 1 || length > 33) return undefined;
  const start = at + 2;
  const end = start + length;
  if (end > der.length) return undefined;
  const first = der[start]!;
  if ((first & 0x80) !== 0) return undefined; // negative
  if (length > 1 && first === 0 && (der[start + 1]! & 0x80) === 0) return undefined; // not minimal
  let content = der.subarray(start, end);
  if (content.length === 33) {
    if (content[0] !== 0) return undefined;
    content = content.subarray(1);
  }
  const scalar = Buffer.alloc(32);
  scalar.set(content, 32 - content.length);
  return { scalar, end };
}

function inRange(scalar: Buffer): boolean {
  return !scalar.every((byte) => byte === 0) && Buffer.compare(scalar, P256_ORDER) < 0;
}

/**
 * An ECDSA P-256 signature in canonical DER (`Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s
 * INTEGER }`, RFC 3279 §2.2.3) as the 64 bytes r ‖ s (IEEE P1363). `malformed` unless it is
 * exactly one such SEQUENCE in DER (short-form lengths, minimal non-negative integers of at most
 * 32 significant bytes, no trailing bytes); `out_of_range` unless 1 ≤ r, s < n (so "psychic" signatures, r = s = 0 or r = n, and malleable
 * encodings never reach node:crypto). node:crypto then verifies r ‖ s with
 * `dsaEncoding: 'ieee-p1363'`, so no DER reaches the crypto library at all.
 *
 * Written out rather than parsed with an ASN.1 library because a proof's signature is checked on
 * every request to a proof route and a generic parse and re-encode cost more than the ECDSA
 * verification; the tests check it against @peculiar/asn1-schema on valid and mutated signatures.
 */
export function parseDerEcdsaP256Signature(der: Uint8Array): Buffer | 'malformed' | 'out_of_range' {
  if (!(der instanceof Uint8Array) || der.length < 8 || der.length > MAX_DER_LENGTH) return 'malformed';
  if (der[0] !== 0x30 || der[1] !== der.length - 2) return 'malformed';
  const r = scalarAt(der, 2);
  if (r === undefined) return 'malformed';
  const s = scalarAt(der, r.end);
  if (s === undefined || s.end !== der.length) return 'malformed';
  if (!inRange(r.scalar) || !inRange(s.scalar)) return 'out_of_range';
  return Buffer.concat([r.scalar, s.scalar]);
}
