import { verify } from 'node:crypto';
import type { JsonWebKeyLike } from '@portcullis/protocol';
import type { StepVerdict, VerificationFailure } from '../contract.js';
import { importP256PublicKey } from '../import-p256-public-key.js';
import { parseDerEcdsaP256Signature } from '../parse-der-ecdsa-p256-signature.js';
import { StepLog } from './step-log.js';

/** An Android assertion (protocol §2.2): a DER ECDSA signature by the attested key over `message`. */
export interface AndroidAssertionInput {
  /** DER `ECDSA-Sig-Value` as Signature("SHA256withECDSA") returns it. */
  signature: Uint8Array;
  /** The signed bytes: the UTF-8 bytes of the challenge (or a per-request proof message). */
  message: Uint8Array;
}

/** The registered device key. */
export interface AndroidDeviceKey {
  publicKeyJwk: JsonWebKeyLike;
}

export type AndroidAssertionResult =
  | { ok: true; steps: StepVerdict[] }
  | (VerificationFailure & { steps: StepVerdict[] });

export const ANDROID_ASSERTION_STEPS = ['device_key', 'signature_encoding', 'signature'] as const;

/**
 * Verifies an Android assertion: a DER ECDSA P-256 SHA-256 signature by the device key over
 * `message`. Refuses anything but one canonical DER signature (raw r||s, BER variants, trailing
 * bytes), r or s of zero or not below the group order (the "psychic signature" r = s = 0), and
 * signatures by any other key. Pure; no counter (Android keys have none).
 *
 * @example
 * const result = verifyAndroidAssertion(
 *   { signature: decodeBase64Strict(body.assertion), message: new TextEncoder().encode(body.challenge) },
 *   { publicKeyJwk: device.publicKeyJwk },
 * );
 */
export function verifyAndroidAssertion(
  input: AndroidAssertionInput,
  device: AndroidDeviceKey,
): AndroidAssertionResult {
  const log = new StepLog(ANDROID_ASSERTION_STEPS);
  const key = importP256PublicKey(device.publicKeyJwk);
  if (key === undefined) {
    return log.fail(
      'device_key',
      'android_assertion_key_invalid',
      'the device key is not an EC P-256 public JWK',
    );
  }
  log.pass('device_key');

  const signature = input.signature;
  const rs = parseDerEcdsaP256Signature(signature);
  if (rs === 'malformed') {
    return log.fail(
      'signature_encoding',
      'android_assertion_signature_malformed',
      'the assertion is not a signature in canonical DER',
    );
  }
  log.pass('signature_encoding');

  if (rs === 'out_of_range') {
    return log.fail('signature', 'android_assertion_signature_invalid', 'r or s is out of range');
  }
  let valid = false;
  try {
    valid = verify('sha256', input.message, { key, dsaEncoding: 'ieee-p1363' }, rs);
  } catch {
    valid = false;
  }
  if (!valid) {
    return log.fail(
      'signature',
      'android_assertion_signature_invalid',
      'the signature does not verify with the device key',
    );
  }
  log.pass('signature');
  return { ok: true, steps: log.steps() };
}
