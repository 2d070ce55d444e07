import type { CBORType } from '@levischuck/tiny-cbor';
import { decodeCborItemAt } from './decode-cbor-item.js';

/** Flag bits of the authenticator data (WebAuthn §6.1). */
export const FLAG_ATTESTED_CREDENTIAL_DATA = 0x40;
export const FLAG_EXTENSION_DATA = 0x80;

/** Attested credential data: aaguid ‖ credentialIdLength ‖ credentialId ‖ credentialPublicKey. */
export interface AttestedCredentialData {
  aaguid: Uint8Array;
  credentialId: Uint8Array;
  /** The COSE_Key map, decoded but not judged. */
  credentialPublicKey: Map<string | number, CBORType>;
}

/** App Attest authenticator data, decoded but not judged. */
export interface DecodedAuthenticatorData {
  rpIdHash: Uint8Array;
  flags: number;
  counter: number;
  /** Present when the AT flag is set. */
  attestedCredential: AttestedCredentialData | undefined;
  /** The extensions map, present when the ED flag is set (attestations only). */
  extensions: Map<string | number, CBORType> | undefined;
  /** Bytes after the last structure this decoder knows (tolerated: they are covered by the nonce or signature). */
  trailingLength: number;
}

const HEADER_LENGTH = 37;

/**
 * Decodes App Attest authenticator data: rpIdHash (32) ‖ flags (1) ‖ counter (4, big-endian).
 * For an attestation, then the attested credential data when the AT flag is set and an extensions
 * map when the ED flag is set; undefined when a declared structure is truncated or malformed.
 * For an assertion only the header is read: Apple sets the AT flag in assertions without
 * appending credential data, and whatever follows the header is covered by the signature.
 * Bytes after the known structures are tolerated (Apple may append data), never interpreted.
 */
export function decodeAuthenticatorData(
  data: Uint8Array,
  kind: 'attestation' | 'assertion',
): DecodedAuthenticatorData | undefined {
  if (data.byteLength < HEADER_LENGTH) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const flags = data[32]!;
  const counter = view.getUint32(33, false);
  const header = { rpIdHash: data.slice(0, 32), flags, counter };
  if (kind === 'assertion') {
    return {
      ...header,
      attestedCredential: undefined,
      extensions: undefined,
      trailingLength: data.byteLength - HEADER_LENGTH,
    };
  }
  let offset = HEADER_LENGTH;
  let attestedCredential: AttestedCredentialData | undefined;
  if ((flags & FLAG_ATTESTED_CREDENTIAL_DATA) !== 0) {
    if (data.byteLength < offset + 18) return undefined;
    const aaguid = data.slice(offset, offset + 16);
    const idLength = view.getUint16(offset + 16, false);
    offset += 18;
    if (data.byteLength < offset + idLength) return undefined;
    const credentialId = data.slice(offset, offset + idLength);
    offset += idLength;
    const key = decodeCborItemAt(data, offset);
    if (key === undefined || !(key.value instanceof Map)) return undefined;
    offset = key.end;
    attestedCredential = { aaguid, credentialId, credentialPublicKey: key.value };
  }
  let extensions: Map<string | number, CBORType> | undefined;
  if ((flags & FLAG_EXTENSION_DATA) !== 0) {
    const item = decodeCborItemAt(data, offset);
    if (item === undefined || !(item.value instanceof Map)) return undefined;
    offset = item.end;
    extensions = item.value;
  }
  return {
    ...header,
    attestedCredential,
    extensions,
    trailingLength: data.byteLength - offset,
  };
}
