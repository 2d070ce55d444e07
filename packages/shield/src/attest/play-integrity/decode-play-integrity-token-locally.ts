import { KeyObject, type webcrypto } from 'node:crypto';
import { compactDecrypt, compactVerify, errors } from 'jose';
import type { VerificationFailure } from '../contract.js';
import { allSegmentsPresent, parseJsonObject, splitCompact } from './lib/compact.js';
import { playFailure } from './lib/play-failure.js';

/** The two per-app keys from Play Console > App integrity > Response encryption. */
export interface PlayIntegrityKeys {
  /** The 32-byte AES key that unwraps the token's content key (A256KW). */
  decryptionKey: Uint8Array;
  /** The EC P-256 public key that verifies the inner ES256 signature. */
  verificationKey: KeyObject | webcrypto.CryptoKey;
}

/**
 * What a Play Integrity decoder returns: the verdict payload (the JSON object Google documents,
 * not yet judged: pass it to verifyPlayIntegrityVerdict) or a typed failure.
 */
export type PlayIntegrityDecodeResult = { ok: true; payload: Record<string, unknown> } | VerificationFailure;

/** Largest verdict payload accepted, in bytes (real ones are well under 2 KiB). */
const MAX_PAYLOAD_BYTES = 16_384;

const JWE_OPTIONS = { keyManagementAlgorithms: ['A256KW'], contentEncryptionAlgorithms: ['A256GCM'] };
const JWS_OPTIONS = { algorithms: ['ES256'] };

/**
 * Decrypts and verifies a Play Integrity token with the app's own keys (classic requests, or any
 * request when the app manages its response encryption keys): a compact JWE with alg A256KW and
 * enc A256GCM only, whose plaintext is a compact JWS with alg ES256 only. The shapes and
 * algorithms are checked before any cryptography, so a PBES2 header with a huge `p2c` costs
 * nothing. Pure: no clock, no I/O. Never throws.
 *
 * @example
 * const keys = importPlayIntegrityKeys({ decryptionKey: 'base64…', verificationKey: 'base64 SPKI…' });
 * const decoded = await decodePlayIntegrityTokenLocally(evidence.token, keys);
 * if (decoded.ok) verifyPlayIntegrityVerdict(decoded.payload, policy, { challenge }, new Date());
 */
export async function decodePlayIntegrityTokenLocally(
  token: unknown,
  keys: PlayIntegrityKeys,
): Promise<PlayIntegrityDecodeResult> {
  if (typeof token !== 'string') return playFailure('play_token_malformed', 'token is not a string');
  if (!keysUsable(keys)) {
    return playFailure(
      'play_keys_invalid',
      'configured Play Integrity decryption or verification key is unusable',
    );
  }

  const jwe = splitCompact(token, 5);
  if (jwe === undefined) {
    return playFailure(
      'play_token_malformed',
      'token is not a compact JWE of 5 canonical base64url segments',
    );
  }
  if (jwe.header['alg'] !== 'A256KW' || jwe.header['enc'] !== 'A256GCM') {
    return playFailure('play_alg_not_allowed', 'JWE algorithms are not A256KW/A256GCM');
  }
  if ('zip' in jwe.header || 'crit' in jwe.header) {
    return playFailure('play_token_malformed', 'JWE header carries zip or crit');
  }
  if (!allSegmentsPresent(jwe)) return playFailure('play_token_malformed', 'JWE has an empty segment');

  let jwsBytes: Uint8Array;
  try {
    jwsBytes = (await compactDecrypt(token, keys.decryptionKey, JWE_OPTIONS)).plaintext;
  } catch (error) {
    if (error instanceof errors.JOSEAlgNotAllowed) {
      return playFailure('play_alg_not_allowed', 'JWE algorithms are not A256KW/A256GCM');
    }
    if (error instanceof errors.JWEInvalid)
      return playFailure('play_token_malformed', 'JWE structure is invalid');
    return playFailure('play_decrypt_failed', 'token does not decrypt with the configured decryption key');
  }

  let jwsText: string;
  try {
    jwsText = new TextDecoder('utf-8', { fatal: true }).decode(jwsBytes);
  } catch {
    return playFailure('play_token_malformed', 'decrypted content is not UTF-8');
  }
  const jws = splitCompact(jwsText, 3);
  if (jws === undefined) {
    return playFailure(
      'play_token_malformed',
      'decrypted content is not a compact JWS of 3 canonical base64url segments',
    );
  }
  if (jws.header['alg'] !== 'ES256') return playFailure('play_alg_not_allowed', 'JWS algorithm is not ES256');
  if ('crit' in jws.header || 'b64' in jws.header) {
    return playFailure('play_token_malformed', 'JWS header carries crit or b64');
  }
  if (!allSegmentsPresent(jws)) return playFailure('play_token_malformed', 'JWS has an empty segment');

  let payloadBytes: Uint8Array;
  try {
    payloadBytes = (await compactVerify(jwsText, keys.verificationKey, JWS_OPTIONS)).payload;
  } catch (error) {
    if (error instanceof errors.JWSSignatureVerificationFailed) {
      return playFailure(
        'play_signature_invalid',
        'signature does not verify with the configured verification key',
      );
    }
    if (error instanceof errors.JOSEAlgNotAllowed) {
      return playFailure('play_alg_not_allowed', 'JWS algorithm is not ES256');
    }
    return playFailure('play_token_malformed', 'JWS structure is invalid');
  }

  if (payloadBytes.length > MAX_PAYLOAD_BYTES) {
    return playFailure('play_payload_malformed', `payload is larger than ${MAX_PAYLOAD_BYTES} bytes`);
  }
  const payload = parseJsonObject(payloadBytes);
  if (payload === undefined) return playFailure('play_payload_malformed', 'payload is not a JSON object');
  return { ok: true, payload };
}

function keysUsable(keys: PlayIntegrityKeys): boolean {
  if (!(keys.decryptionKey instanceof Uint8Array) || keys.decryptionKey.length !== 32) return false;
  let key: KeyObject;
  try {
    // KeyObject.from accepts a WebCrypto CryptoKey and throws for anything else.
    key =
      keys.verificationKey instanceof KeyObject ? keys.verificationKey : KeyObject.from(keys.verificationKey);
  } catch {
    return false;
  }
  return (
    key.type === 'public' &&
    key.asymmetricKeyType === 'ec' &&
    key.asymmetricKeyDetails?.namedCurve === 'prime256v1'
  );
}
