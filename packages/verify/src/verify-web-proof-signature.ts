import { decodeCBOR } from '@levischuck/tiny-cbor';
import { sha256 } from '@noble/hashes/sha2.js';
import type { ProofFailureCode } from '@portcullis/protocol/verification';
import { derEcdsaToP1363 } from './der-ecdsa-to-p1363.js';
import type { WebCryptoKey } from './key-source.js';

/** A proof's signature and the message it must cover. */
export interface WebProofSignatureInput {
  /** ios: an App Attest assertion (CBOR); android: a DER ECDSA P-256 signature. */
  platform: 'ios' | 'android';
  /** The decoded `sig` of the Portcullis-Proof header. */
  signature: Uint8Array;
  /** The protocol §4 message rebuilt from the request as received (`proofMessage`). */
  message: string;
}

/** `counter` is the App Attest counter the assertion carries (null for android). */
export type WebProofSignatureResult =
  | { ok: true; counter: number | null }
  | { ok: false; code: ProofFailureCode };

/** Real assertions are about 150 bytes; the shield refuses more than 4 KiB too. */
const MAX_ASSERTION_BYTES = 4 * 1024;
/** rpIdHash (32) ‖ flags (1) ‖ counter (4). */
const AUTH_DATA_HEADER = 37;
const ECDSA_SHA256 = Object.freeze({ name: 'ECDSA', hash: 'SHA-256' });
const utf8 = new TextEncoder();

/** A plain Uint8Array view (tiny-cbor refuses Buffer and other subclasses). */
function plainBytes(data: Uint8Array): Uint8Array {
  return Object.getPrototypeOf(data) === Uint8Array.prototype
    ? data
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Public values (a hash of an App ID against the assertion's rpIdHash): no secret, but no early exit either. */
function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

async function ecdsaVerify(key: WebCryptoKey, p1363: Uint8Array, data: Uint8Array): Promise<boolean> {
  try {
    return await crypto.subtle.verify(
      ECDSA_SHA256,
      key,
      p1363 as Uint8Array<ArrayBuffer>,
      data as Uint8Array<ArrayBuffer>,
    );
  } catch {
    return false;
  }
}

/** Apple's assertion steps ("Validating apps that connect to your server"), counter aside. */
async function verifyAssertion(
  input: WebProofSignatureInput,
  key: WebCryptoKey,
  appIds: readonly string[],
): Promise<WebProofSignatureResult> {
  if (appIds.length === 0) return { ok: false, code: 'proof_app_not_configured' };
  if (input.signature.length > MAX_ASSERTION_BYTES) return { ok: false, code: 'proof_assertion_malformed' };
  let root: unknown;
  try {
    root = decodeCBOR(plainBytes(input.signature));
  } catch {
    return { ok: false, code: 'proof_assertion_malformed' };
  }
  if (!(root instanceof Map)) return { ok: false, code: 'proof_assertion_malformed' };
  const signature = root.get('signature');
  const authenticatorData = root.get('authenticatorData');
  if (!(signature instanceof Uint8Array) || !(authenticatorData instanceof Uint8Array)) {
    return { ok: false, code: 'proof_assertion_malformed' };
  }
  if (authenticatorData.length < AUTH_DATA_HEADER) return { ok: false, code: 'proof_assertion_malformed' };
  // Steps 1-3: nonce = SHA-256(authenticatorData ‖ SHA-256(clientData)); the device signed nonce
  // with ECDSA-SHA256, so nonce is the data handed to verify (hashed once more inside).
  const nonce = sha256(concat(authenticatorData, sha256(utf8.encode(input.message))));
  const raw = derEcdsaToP1363(signature);
  if (typeof raw === 'string' || !(await ecdsaVerify(key, raw, nonce))) {
    return { ok: false, code: 'proof_signature_invalid' };
  }
  // Step 4: the rpIdHash is SHA-256 of one of the app's App IDs.
  const rpIdHash = authenticatorData.subarray(0, 32);
  let matched = false;
  for (const appId of appIds) if (equalBytes(sha256(utf8.encode(appId)), rpIdHash)) matched = true;
  if (!matched) return { ok: false, code: 'proof_app_id_mismatch' };
  // Step 5 needs the last counter seen, which only the shield's device store keeps; a backend
  // can still refuse the counter every genuine assertion is above (replays are caught by the
  // replay store, which keys on the message).
  const counter = new DataView(authenticatorData.buffer, authenticatorData.byteOffset, 37).getUint32(
    33,
    false,
  );
  if (counter === 0) return { ok: false, code: 'proof_counter_not_increasing' };
  return { ok: true, counter };
}

/**
 * Verifies a proof's signature by the device key over the protocol §4 message, with Web Crypto.
 * iOS: an App Attest assertion made with clientDataHash = SHA-256(message): signature over
 * SHA-256(authenticatorData ‖ clientDataHash), rpIdHash = SHA-256 of one of `appIds`, counter
 * above 0. Android: one canonical DER ECDSA P-256 SHA-256 signature over the message bytes.
 * Pure: no store, no clock; answers with the shield's proof reason on failure.
 *
 * @example
 * ```ts
 * const result = await verifyWebProofSignature({ platform: 'android', signature, message }, deviceKey, []);
 * ```
 */
export async function verifyWebProofSignature(
  input: WebProofSignatureInput,
  key: WebCryptoKey,
  appIds: readonly string[],
): Promise<WebProofSignatureResult> {
  if (input.platform === 'ios') return verifyAssertion(input, key, appIds);
  if (input.platform !== 'android') return { ok: false, code: 'proof_platform_unsupported' };
  const raw = derEcdsaToP1363(input.signature);
  if (raw === 'malformed') return { ok: false, code: 'proof_signature_malformed' };
  if (raw === 'out_of_range' || !(await ecdsaVerify(key, raw, utf8.encode(input.message)))) {
    return { ok: false, code: 'proof_signature_invalid' };
  }
  return { ok: true, counter: null };
}
