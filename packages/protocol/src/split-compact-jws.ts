import { MAX_TOKEN_LENGTH } from './app-token-profile.js';

/** The three segments of a compact JWS, still base64url-encoded. */
export interface CompactJwsSegments {
  ok: true;
  header: string;
  payload: string;
  signature: string;
  /** RFC 7515 §5.2 step 8: the ASCII of the first two segments and the dot between them. */
  signingInput: string;
}

export type SplitCompactJwsResult =
  | CompactJwsSegments
  | { ok: false; reason: 'token_malformed' | 'token_too_long' };

/**
 * Splits an app token into its three segments, cheapest checks first: a string, at most
 * {@link MAX_TOKEN_LENGTH} characters (before anything else is looked at, threats C-26), exactly
 * three non-empty dot-separated segments (JWE's five and JSON serialization are refused here,
 * before any decoding, C-27). Decodes nothing: each verifier decodes with its own canonical
 * base64url decoder.
 *
 * @example
 * ```ts
 * const parts = splitCompactJws(token);
 * if (!parts.ok) return refuse(parts.reason);
 * ```
 */
export function splitCompactJws(token: unknown): SplitCompactJwsResult {
  if (typeof token !== 'string') return { ok: false, reason: 'token_malformed' };
  if (token.length > MAX_TOKEN_LENGTH) return { ok: false, reason: 'token_too_long' };
  const first = token.indexOf('.');
  const second = first < 0 ? -1 : token.indexOf('.', first + 1);
  if (
    first <= 0 ||
    second <= first + 1 ||
    second === token.length - 1 ||
    token.indexOf('.', second + 1) !== -1
  ) {
    return { ok: false, reason: 'token_malformed' };
  }
  return {
    ok: true,
    header: token.slice(0, first),
    payload: token.slice(first + 1, second),
    signature: token.slice(second + 1),
    signingInput: token.slice(0, second),
  };
}
