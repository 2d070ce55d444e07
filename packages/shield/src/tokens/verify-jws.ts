import { decodeBase64UrlStrict } from '../encoding.js';
import { ShieldError } from '../errors.js';
import type { LruCache } from './create-lru-cache.js';
import { decodeJsonObject } from './decode-json-object.js';
import type { TokenFailureReason } from './token-failure-reasons.js';
import {
  KID_PATTERN,
  type TokenAlgorithm,
  type VerificationKey,
  type VerificationKeySource,
} from './types.js';
import { JWS_SIGNATURE_BYTES, verifyJwsSignature } from './verify-jws-signature.js';

/** Longest token accepted, checked before any decoding (threats C-26). */
export const MAX_TOKEN_LENGTH = 4096;

const ALLOWED_HEADER_MEMBERS = new Set(['alg', 'typ', 'kid']);

export interface VerifyJwsOptions {
  /** Algorithms accepted; each key is further pinned to its own algorithm. */
  algorithms: readonly TokenAlgorithm[];
  /** The `typ` the header must carry, or null when the header must not carry `typ` at all. */
  typ: string | null;
}

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

/** The checked protected header of a compact JWS. */
export interface JwsHeader {
  alg: TokenAlgorithm;
  kid: string;
}

/** Header check, independent of the key set: cacheable per header segment. */
function checkHeader(segment: string, options: VerifyJwsOptions): JwsHeader {
  const bytes = decodeBase64UrlStrict(segment);
  if (bytes === undefined) refuse('token_malformed');
  const decoded = decodeJsonObject(bytes, { maxDepth: 8, integersOnly: false });
  if (!decoded.ok) {
    refuse(decoded.problem === 'duplicate_member' ? 'token_duplicate_member' : 'token_malformed');
  }
  const header = decoded.value;
  for (const name of Object.keys(header)) {
    if (!ALLOWED_HEADER_MEMBERS.has(name)) refuse('token_header_not_allowed');
  }
  const alg = header.alg;
  if (typeof alg !== 'string' || !(options.algorithms as readonly string[]).includes(alg)) {
    refuse('token_alg_not_allowed');
  }
  const typOk = options.typ === null ? !Object.hasOwn(header, 'typ') : header.typ === options.typ;
  if (!typOk) refuse('token_typ_invalid');
  const kid = header.kid;
  if (typeof kid !== 'string' || !KID_PATTERN.test(kid)) refuse('token_kid_invalid');
  return { alg: alg as TokenAlgorithm, kid };
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
  if (typeof token !== 'string') refuse('token_malformed');
  if (token.length > MAX_TOKEN_LENGTH) refuse('token_too_long');

  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (
    first <= 0 ||
    second <= first + 1 ||
    second === token.length - 1 ||
    token.indexOf('.', second + 1) !== -1
  ) {
    refuse('token_malformed');
  }
  const headerSegment = token.slice(0, first);
  const remembered = headerMemo?.get(headerSegment);
  const payload = decodeBase64UrlStrict(token.slice(first + 1, second));
  const signature = decodeBase64UrlStrict(token.slice(second + 1));
  if (payload === undefined || signature === undefined) refuse('token_malformed');
  const header = remembered ?? checkHeader(headerSegment, options);
  const { alg, kid } = header;

  const key = keys.verificationKey(kid);
  if (key === undefined) refuse('token_kid_unknown');
  if (key.alg !== alg) refuse('token_alg_not_allowed');
  if (signature.length !== JWS_SIGNATURE_BYTES) refuse('token_signature_malformed');
  // RFC 7515 §5.2 step 8: the signing input is the ASCII of the first two encoded segments.
  const signingInput = Buffer.from(token.slice(0, second), 'latin1');
  if (!verifyJwsSignature(key.alg, key.publicKey, signingInput, signature)) refuse('token_signature_invalid');
  // Remembered only now: a header that merely looks right (a made-up kid, a forged signature)
  // must not push the real one out of the memo.
  if (remembered === undefined) headerMemo?.set(headerSegment, header);
  return { alg: key.alg, kid, key, payload };
}
