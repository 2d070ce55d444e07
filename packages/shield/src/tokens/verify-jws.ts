import {
  checkJwsHeader,
  type JwsHeader,
  type JwsHeaderRules,
  splitCompactJws,
  type TokenAlgorithm,
  type TokenFailureReason,
} from '@portcullis/protocol/verification';
import { decodeBase64UrlStrict } from '../encoding.js';
import { ShieldError } from '../errors.js';
import type { LruCache } from './create-lru-cache.js';
import type { VerificationKey, VerificationKeySource } from './types.js';
import { JWS_SIGNATURE_BYTES, verifyJwsSignature } from './verify-jws-signature.js';

export type { JwsHeader } from '@portcullis/protocol/verification';
export { MAX_TOKEN_LENGTH } from '@portcullis/protocol/verification';

/** What the header must look like: algorithms accepted (each key is further pinned to its own) and `typ`. */
export type VerifyJwsOptions = JwsHeaderRules;

/** A compact JWS whose structure, header and signature have been checked; the payload is not judged. */
export interface VerifiedJws {
  alg: TokenAlgorithm;
  kid: string;
  key: VerificationKey;
  payload: Buffer;
}

function refuse(reason: TokenFailureReason): never {
  throw new ShieldError('token_invalid', reason);
}

/** Header check (the shared profile of `@portcullis/protocol`), independent of the key set: cacheable per header segment. */
function checkHeader(segment: string, options: VerifyJwsOptions): JwsHeader {
  const bytes = decodeBase64UrlStrict(segment);
  if (bytes === undefined) refuse('token_malformed');
  const checked = checkJwsHeader(bytes, options);
  if (!checked.ok) refuse(checked.reason);
  return checked.header;
}

/**
 * Verifies a compact JWS (RFC 7515 §7.1) under a closed profile, cheapest checks first:
 * length cap, exactly three non-empty segments, canonical unpadded base64url everywhere, a
 * header that is a UTF-8 JSON object without duplicate members and with no member but
 * `alg`, `typ`, `kid`; `alg` in the allow-list; `typ`; a well-formed `kid` that names a key in
 * `keys` (an in-memory lookup) whose pinned alg equals `alg`; a 64-byte signature that verifies.
 * Throws `ShieldError('token_invalid', reason)`; never fetches anything the token names.
 *
 * `headerMemo`, when given, remembers the header segments of tokens whose signature verified under
 * these same `options` (every token signed by one key has the same header), so they are not
 * decoded again; invalid tokens never enter it. The key lookup and the signature are checked on
 * every call.
 *
 * @example
 * ```ts
 * const { payload } = verifyJws(token, keys, { algorithms: ['ES256'], typ: 'app+jwt' });
 * ```
 */
export function verifyJws(
  token: unknown,
  keys: VerificationKeySource,
  options: VerifyJwsOptions,
  headerMemo?: LruCache<JwsHeader>,
): VerifiedJws {
  const parts = splitCompactJws(token);
  if (!parts.ok) refuse(parts.reason);
  const headerSegment = parts.header;
  const remembered = headerMemo?.get(headerSegment);
  const payload = decodeBase64UrlStrict(parts.payload);
  const signature = decodeBase64UrlStrict(parts.signature);
  if (payload === undefined || signature === undefined) refuse('token_malformed');
  const header = remembered ?? checkHeader(headerSegment, options);
  const { alg, kid } = header;

  const key = keys.verificationKey(kid);
  if (key === undefined) refuse('token_kid_unknown');
  if (key.alg !== alg) refuse('token_alg_not_allowed');
  if (signature.length !== JWS_SIGNATURE_BYTES) refuse('token_signature_malformed');
  // RFC 7515 §5.2 step 8: the signing input is the ASCII of the first two encoded segments.
  const signingInput = Buffer.from(parts.signingInput, 'latin1');
  if (!verifyJwsSignature(key.alg, key.publicKey, signingInput, signature)) refuse('token_signature_invalid');
  // Remembered only now: a header that merely looks right (a made-up kid, a forged signature)
  // must not push the real one out of the memo.
  if (remembered === undefined) headerMemo?.set(headerSegment, header);
  return { alg: key.alg, kid, key, payload };
}
