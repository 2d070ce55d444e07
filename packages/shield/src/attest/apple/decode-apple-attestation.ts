import type { CBORType } from '@levischuck/tiny-cbor';
import { decodeCborItem } from './decode-cbor-item.js';

/** The fields of an App Attest attestation object, decoded but not judged. */
export interface DecodedAppleAttestation {
  fmt: string;
  /** attStmt.x5c: DER certificates, credential certificate first (count not checked here). */
  x5c: Uint8Array[];
  /** attStmt.receipt, when present. */
  receipt: Uint8Array | undefined;
  authData: Uint8Array;
}

export type DecodeAppleAttestationResult =
  | { ok: true; value: DecodedAppleAttestation }
  | { ok: false; code: 'apple_cbor_malformed' | 'apple_attestation_malformed'; message: string };

function isMap(value: CBORType): value is Map<string | number, CBORType> {
  return value instanceof Map;
}

function isBytes(value: CBORType): value is Uint8Array {
  return value instanceof Uint8Array;
}

const MAX_X5C = 8;

/**
 * Decodes the CBOR attestation object `{fmt, attStmt: {x5c, receipt}, authData}` that
 * `DCAppAttestService.attestKey` returns. Refuses malformed CBOR and wrong or missing types;
 * unknown map entries are ignored (they are covered by no signature and never read).
 */
export function decodeAppleAttestation(bytes: Uint8Array): DecodeAppleAttestationResult {
  const root = decodeCborItem(bytes);
  if (root === undefined) {
    return {
      ok: false,
      code: 'apple_cbor_malformed',
      message: 'attestation is not one well-formed CBOR item',
    };
  }
  const malformed = (what: string): DecodeAppleAttestationResult => ({
    ok: false,
    code: 'apple_attestation_malformed',
    message: `attestation object: ${what}`,
  });
  if (!isMap(root)) return malformed('not a CBOR map');
  const fmt = root.get('fmt');
  const attStmt = root.get('attStmt');
  const authData = root.get('authData');
  if (typeof fmt !== 'string') return malformed('fmt is missing or not a text string');
  if (attStmt === undefined || !isMap(attStmt)) return malformed('attStmt is missing or not a map');
  if (authData === undefined || !isBytes(authData))
    return malformed('authData is missing or not a byte string');
  const x5c = attStmt.get('x5c');
  if (!Array.isArray(x5c) || x5c.length > MAX_X5C) return malformed('attStmt.x5c is missing or not an array');
  const certificates: Uint8Array[] = [];
  for (const entry of x5c) {
    if (!isBytes(entry)) return malformed('attStmt.x5c holds a value that is not a byte string');
    certificates.push(entry);
  }
  const receipt = attStmt.get('receipt');
  if (receipt !== undefined && !isBytes(receipt)) return malformed('attStmt.receipt is not a byte string');
  return { ok: true, value: { fmt, x5c: certificates, receipt, authData } };
}
