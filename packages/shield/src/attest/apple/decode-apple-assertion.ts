import { decodeCborItem } from './decode-cbor-item.js';

/** The fields of an App Attest assertion, decoded but not judged. */
export interface DecodedAppleAssertion {
  signature: Uint8Array;
  authenticatorData: Uint8Array;
}

export type DecodeAppleAssertionResult =
  | { ok: true; value: DecodedAppleAssertion }
  | { ok: false; code: 'apple_cbor_malformed' | 'apple_assertion_malformed'; message: string };

/**
 * Decodes the CBOR assertion `{signature, authenticatorData}` that
 * `DCAppAttestService.generateAssertion` returns. Refuses malformed CBOR and wrong or missing
 * types; unknown map entries are ignored.
 */
export function decodeAppleAssertion(bytes: Uint8Array): DecodeAppleAssertionResult {
  const root = decodeCborItem(bytes);
  if (root === undefined) {
    return { ok: false, code: 'apple_cbor_malformed', message: 'assertion is not one well-formed CBOR item' };
  }
  if (!(root instanceof Map)) {
    return { ok: false, code: 'apple_assertion_malformed', message: 'assertion is not a CBOR map' };
  }
  const signature = root.get('signature');
  const authenticatorData = root.get('authenticatorData');
  if (!(signature instanceof Uint8Array) || !(authenticatorData instanceof Uint8Array)) {
    return {
      ok: false,
      code: 'apple_assertion_malformed',
      message: 'assertion lacks byte strings signature and authenticatorData',
    };
  }
  return { ok: true, value: { signature, authenticatorData } };
}
