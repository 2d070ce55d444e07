import type { JsonWebKeyLike } from '@portcullis/protocol';
import { verifyAndroidAssertion } from '../attest/android/verify-android-assertion.js';
import { verifyAppleAssertion } from '../attest/apple/verify-apple-assertion.js';
import { sha256 } from '../encoding.js';
import type { ProofFailureCode } from './proof-failure-reasons.js';

/** A proof's signature and the message it must cover. */
export interface ProofSignatureInput {
  /** Which format `signature` is in: an App Attest assertion (ios) or a DER ECDSA signature (android). */
  platform: 'ios' | 'android';
  /** The decoded `sig` of the Portcullis-Proof header. */
  signature: Uint8Array;
  /** The protocol §4 message rebuilt from the request as received (`proofMessage`). */
  message: string;
}

/** The device key that must have signed. */
export interface ProofSigningKey {
  /** EC P-256 public key. */
  publicKeyJwk: JsonWebKeyLike;
  /** iOS: the last App Attest counter accepted for this key (0 when it is unknown). Ignored for android. */
  counter: number;
}

export interface ProofSignaturePolicy {
  /** iOS: the app's App IDs (`TEAMID.bundle.id`); the assertion's rpIdHash must match one. */
  appIds: readonly string[];
}

/**
 * `counter` is the App Attest counter the assertion carries (to be stored with an atomic
 * compare-and-set), null for android. On failure, `code` is the proof sub-code and `vendorCode`
 * the verifier's own (`apple_signature_invalid`, ...), for the operator's log.
 */
export type ProofSignatureResult =
  | { ok: true; counter: number | null }
  | { ok: false; code: ProofFailureCode; vendorCode: string };

const APPLE_CODES: Readonly<Record<string, ProofFailureCode>> = {
  apple_assertion_too_large: 'proof_assertion_malformed',
  apple_assertion_malformed: 'proof_assertion_malformed',
  apple_cbor_malformed: 'proof_assertion_malformed',
  apple_auth_data_malformed: 'proof_assertion_malformed',
  apple_stored_key_invalid: 'proof_device_key_invalid',
  apple_signature_invalid: 'proof_signature_invalid',
  apple_rp_id_mismatch: 'proof_app_id_mismatch',
  apple_counter_not_increasing: 'proof_counter_not_increasing',
};

const ANDROID_CODES: Readonly<Record<string, ProofFailureCode>> = {
  android_assertion_key_invalid: 'proof_device_key_invalid',
  android_assertion_signature_malformed: 'proof_signature_malformed',
  android_assertion_signature_invalid: 'proof_signature_invalid',
};

function failed(table: Readonly<Record<string, ProofFailureCode>>, vendorCode: string): ProofSignatureResult {
  // A code this table does not know (a verifier grew a new one) still refuses: fail closed.
  return { ok: false, code: table[vendorCode] ?? 'proof_signature_invalid', vendorCode };
}

/**
 * Verifies a proof's signature by the device key over the protocol §4 message. iOS: an App
 * Attest assertion made with clientDataHash = SHA-256(message), checked per Apple's assertion
 * steps (signature over H(authenticatorData ‖ clientDataHash), rpIdHash = H(App ID), counter
 * above `key.counter`). Android: one canonical DER ECDSA P-256 SHA-256 signature over the
 * message bytes. Pure: no store, no clock; the caller stores the returned counter atomically and
 * records the proof in the replay store.
 *
 * @example
 * ```ts
 * const result = verifyProofSignature({ platform: 'android', signature, message }, { publicKeyJwk, counter: 0 }, { appIds: [] });
 * if (!result.ok) throw proofError(result.code);
 * ```
 */
export function verifyProofSignature(
  input: ProofSignatureInput,
  key: ProofSigningKey,
  policy: ProofSignaturePolicy,
): ProofSignatureResult {
  const message = Buffer.from(input.message, 'utf8');
  if (input.platform === 'ios') {
    if (
      policy.appIds.length === 0 ||
      policy.appIds.some((id) => typeof id !== 'string' || !id.includes('.'))
    ) {
      return { ok: false, code: 'proof_app_not_configured', vendorCode: 'app_ids_missing' };
    }
    const result = verifyAppleAssertion(
      { assertion: input.signature, clientDataHash: sha256(message) },
      { publicKeyJwk: key.publicKeyJwk, counter: key.counter },
      { appIds: policy.appIds },
    );
    return result.ok ? { ok: true, counter: result.counter } : failed(APPLE_CODES, result.code);
  }
  if (input.platform === 'android') {
    const result = verifyAndroidAssertion(
      { signature: input.signature, message },
      { publicKeyJwk: key.publicKeyJwk },
    );
    return result.ok ? { ok: true, counter: null } : failed(ANDROID_CODES, result.code);
  }
  return { ok: false, code: 'proof_platform_unsupported', vendorCode: 'platform_unsupported' };
}
