import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import {
  AsnConvert,
  AsnIntegerBigIntConverter,
  AsnProp,
  AsnPropTypes,
  AsnType,
  AsnTypeTypes,
} from '@peculiar/asn1-schema';
import type { JsonWebKeyLike } from '@portcullis/protocol';
import { decodeBase64UrlStrict } from '../../encoding.js';
import type { StepVerdict, VerificationFailure } from '../contract.js';
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

/** ECDSA-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER } (RFC 3279 §2.2.3). */
class EcdsaSigValue {
  declare r: bigint;
  declare s: bigint;
}
AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerBigIntConverter })(EcdsaSigValue.prototype, 'r');
AsnProp({ type: AsnPropTypes.Integer, converter: AsnIntegerBigIntConverter })(EcdsaSigValue.prototype, 's');
AsnType({ type: AsnTypeTypes.Sequence })(EcdsaSigValue);

/** Order of the P-256 group: r and s must lie in [1, n - 1]. */
const P256_ORDER = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;
/** SEQUENCE header + two INTEGERs of at most 33 bytes each. */
const MAX_DER_SIGNATURE = 72;

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
  const key = importP256(device.publicKeyJwk);
  if (key === undefined) {
    return log.fail(
      'device_key',
      'android_assertion_key_invalid',
      'the device key is not an EC P-256 public JWK',
    );
  }
  log.pass('device_key');

  const signature = input.signature;
  if (!(signature instanceof Uint8Array) || signature.length > MAX_DER_SIGNATURE || signature[0] !== 0x30) {
    return log.fail(
      'signature_encoding',
      'android_assertion_signature_malformed',
      'the assertion is not a DER signature',
    );
  }
  let value: EcdsaSigValue;
  try {
    value = AsnConvert.parse(signature, EcdsaSigValue);
  } catch {
    return log.fail(
      'signature_encoding',
      'android_assertion_signature_malformed',
      'the assertion is not a DER signature',
    );
  }
  // Canonical DER only: the parser accepts BER forms (long lengths, padded integers) and ignores
  // trailing bytes, so the signature must be exactly the re-encoding of its values.
  if (!Buffer.from(AsnConvert.serialize(value)).equals(signature)) {
    return log.fail(
      'signature_encoding',
      'android_assertion_signature_malformed',
      'the assertion is not in canonical DER',
    );
  }
  log.pass('signature_encoding');

  if (value.r < 1n || value.r >= P256_ORDER || value.s < 1n || value.s >= P256_ORDER) {
    return log.fail('signature', 'android_assertion_signature_invalid', 'r or s is out of range');
  }
  let valid = false;
  try {
    valid = verify('sha256', input.message, { key, dsaEncoding: 'der' }, signature);
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

function importP256(jwk: JsonWebKeyLike): KeyObject | undefined {
  if (jwk === null || typeof jwk !== 'object' || jwk.kty !== 'EC' || jwk.crv !== 'P-256' || 'd' in jwk) {
    return undefined;
  }
  const { x, y } = jwk;
  if (typeof x !== 'string' || typeof y !== 'string') return undefined;
  if (decodeBase64UrlStrict(x)?.length !== 32 || decodeBase64UrlStrict(y)?.length !== 32) return undefined;
  try {
    return createPublicKey({ key: { kty: 'EC', crv: 'P-256', x, y }, format: 'jwk' });
  } catch {
    // Not a point on the curve.
    return undefined;
  }
}
