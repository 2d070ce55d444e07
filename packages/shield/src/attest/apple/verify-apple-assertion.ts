import { createHash, timingSafeEqual } from 'node:crypto';
import type { JsonWebKeyLike } from '@portcullis/protocol';
import type { StepVerdict, VerificationFailure } from '../contract.js';
import { importP256PublicKey } from '../import-p256-public-key.js';
import { appleFailure } from './apple-failure-codes.js';
import { createStepRecorder } from './create-step-recorder.js';
import { decodeAppleAssertion } from './decode-apple-assertion.js';
import { decodeAuthenticatorData } from './decode-authenticator-data.js';
import { verifyEcdsaP256Signature } from './verify-ecdsa-p256-signature.js';

/** An assertion the app sent plus the clientDataHash the server computed. */
export interface AppleAssertionInput {
  /** The CBOR `{signature, authenticatorData}` from `generateAssertion`. */
  assertion: Uint8Array;
  /**
   * The clientDataHash the app passed to `generateAssertion`. The shield passes SHA-256 of the
   * challenge (or of the proof message, protocol §4); Apple's API takes any bytes, so any length
   * is verified as given.
   */
  clientDataHash: Uint8Array;
}

/** What the server stored when it registered the key. */
export interface AppleAssertionDevice {
  /** The attested key as returned in `evidence.publicKeyJwk` (EC P-256). */
  publicKeyJwk: JsonWebKeyLike;
  /** The last counter accepted for this key (0 right after attestation). */
  counter: number;
}

export interface AppleAssertionPolicy {
  /** Accepted App IDs, `TEAMID.bundle.id`; at least one. */
  appIds: readonly string[];
}

export type AppleAssertionResult =
  | { ok: true; counter: number; steps: StepVerdict[] }
  | (VerificationFailure & { steps: StepVerdict[] });

/** Step names of `verifyAppleAssertion`, in order. */
export const APPLE_ASSERTION_STEPS = [
  'decode',
  'authenticator_data',
  'signature',
  'app_id',
  'counter',
] as const;

/** Real assertions are about 150 bytes. */
export const MAX_APPLE_ASSERTION_BYTES = 4 * 1024;

function sha256(...parts: Uint8Array[]): Buffer {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part);
  return hash.digest();
}

/**
 * Verifies an App Attest assertion as Apple's "Validating apps that connect to your server"
 * prescribes. Pure: the caller looks up the device, then stores the returned counter with an
 * atomic compare-and-set (`counter` only if the stored one is still `device.counter`). Checking
 * that the client data embeds the issued challenge is the caller's job: it computes
 * `clientDataHash` itself from the challenge or proof message it expects.
 *
 * @example
 * ```ts
 * const result = verifyAppleAssertion({ assertion, clientDataHash: sha256(challenge) },
 *   { publicKeyJwk: device.publicKeyJwk, counter: device.counter }, { appIds: ['ABCDE12345.com.example.shop'] });
 * if (result.ok) await devices.compareAndSetCounter(keyId, device.counter, result.counter);
 * ```
 */
export function verifyAppleAssertion(
  input: AppleAssertionInput,
  device: AppleAssertionDevice,
  policy: AppleAssertionPolicy,
): AppleAssertionResult {
  if (!(input.clientDataHash instanceof Uint8Array)) {
    throw new TypeError('clientDataHash must be a Uint8Array');
  }
  if (!(input.assertion instanceof Uint8Array)) throw new TypeError('assertion must be a Uint8Array');
  if (policy.appIds.length === 0 || policy.appIds.some((id) => typeof id !== 'string' || !id.includes('.'))) {
    throw new TypeError('policy.appIds must list at least one App ID (TEAMID.bundle.id)');
  }
  if (!Number.isSafeInteger(device.counter) || device.counter < 0) {
    throw new TypeError('device.counter must be a non-negative integer');
  }
  const steps = createStepRecorder(APPLE_ASSERTION_STEPS);

  if (input.assertion.byteLength > MAX_APPLE_ASSERTION_BYTES) {
    return steps.fail('decode', appleFailure('apple_assertion_too_large', 'assertion exceeds 4 KiB'));
  }
  const decoded = decodeAppleAssertion(input.assertion);
  if (!decoded.ok) return steps.fail('decode', appleFailure(decoded.code, decoded.message));
  const { signature, authenticatorData } = decoded.value;
  steps.pass('decode');

  // Only the 37-byte header is read; extensions (ED flag) and later bytes are tolerated, signed.
  const auth = decodeAuthenticatorData(authenticatorData, 'assertion');
  if (auth === undefined) {
    return steps.fail(
      'authenticator_data',
      appleFailure('apple_auth_data_malformed', 'authenticatorData is truncated or malformed'),
    );
  }
  steps.pass('authenticator_data');

  // Steps 1-2: "Compute clientDataHash as the SHA256 hash of clientData. Concatenate
  // authenticatorData and clientDataHash, and apply a SHA256 hash over the result to form nonce."
  const nonce = sha256(authenticatorData, input.clientDataHash);
  // Step 3: "Use the public key that you store from the attestation object to verify that the
  // assertion's signature is valid for nonce." The device signs nonce with ECDSA-SHA256, so the
  // message handed to verify is nonce itself (hashed once more inside).
  const key = importP256PublicKey(device.publicKeyJwk);
  if (key === undefined) {
    return steps.fail(
      'signature',
      appleFailure('apple_stored_key_invalid', 'the stored key is not an EC P-256 JWK'),
    );
  }
  if (!verifyEcdsaP256Signature(key, nonce, signature)) {
    return steps.fail(
      'signature',
      appleFailure(
        'apple_signature_invalid',
        'the signature is not valid for SHA-256(authenticatorData ‖ clientDataHash)',
      ),
    );
  }
  steps.pass('signature');

  // Step 4: "Compute the SHA256 hash of the client's App ID, and verify that it matches the RP ID
  // in the authenticator data."
  let matched = false;
  for (const appId of policy.appIds) {
    const hash = sha256(Buffer.from(appId, 'utf8'));
    if (timingSafeEqual(hash, auth.rpIdHash)) matched = true;
  }
  if (!matched) {
    return steps.fail(
      'app_id',
      appleFailure('apple_rp_id_mismatch', 'rpIdHash matches none of the configured App IDs'),
    );
  }
  steps.pass('app_id');

  // Step 5: "Verify that the authenticator data's counter value is greater than the value from the
  // previous assertion, or greater than 0 on the first assertion."
  if (!(auth.counter > device.counter)) {
    return steps.fail(
      'counter',
      appleFailure('apple_counter_not_increasing', 'the counter is not greater than the stored counter', {
        counter: auth.counter,
        storedCounter: device.counter,
      }),
    );
  }
  steps.pass('counter');
  // Step 6 (the challenge embedded in clientData) is met by construction: clientDataHash is the
  // server's own hash of what it expects, so any other client data fails the signature.
  return { ok: true, counter: auth.counter, steps: steps.done() };
}
