import { KID_PATTERN, type TokenAlgorithm } from './app-token-profile.js';
import { decodeJsonObject } from './decode-json-object.js';
import type { TokenFailureReason } from './token-failure-reasons.js';

/** What a header must look like. */
export interface JwsHeaderRules {
  /** Algorithms accepted; each key is further pinned to its own algorithm by the verifier. */
  algorithms: readonly TokenAlgorithm[];
  /** The `typ` the header must carry, or null when the header must not carry `typ` at all. */
  typ: string | null;
}

/** The checked protected header of a compact JWS. */
export interface JwsHeader {
  alg: TokenAlgorithm;
  kid: string;
}

export type CheckJwsHeaderResult =
  | { ok: true; header: JwsHeader }
  | { ok: false; reason: TokenFailureReason };

const ALLOWED_HEADER_MEMBERS = new Set(['alg', 'typ', 'kid']);

/**
 * Checks the decoded protected header of a compact JWS against the closed profile: a UTF-8 JSON
 * object without repeated member names, holding no member but `alg`, `typ` and `kid` (so `jku`,
 * `x5u`, `jwk`, `x5c`, `crit`, `b64`, `zip`, `enc` ... are refused: threats C-08/C-09/C-10);
 * `alg` in the allow-list; `typ` exactly as required (no case folding); a `kid` matching
 * {@link KID_PATTERN}. Independent of any key set, so a verifier may remember the result per
 * header segment. Pure: bytes in, a verdict out.
 *
 * @example
 * ```ts
 * const checked = checkJwsHeader(headerBytes, { algorithms: ['ES256', 'EdDSA'], typ: 'app+jwt' });
 * if (!checked.ok) return refuse(checked.reason);
 * ```
 */
export function checkJwsHeader(bytes: Uint8Array, rules: JwsHeaderRules): CheckJwsHeaderResult {
  const decoded = decodeJsonObject(bytes, { maxDepth: 8, integersOnly: false });
  if (!decoded.ok) {
    return {
      ok: false,
      reason: decoded.problem === 'duplicate_member' ? 'token_duplicate_member' : 'token_malformed',
    };
  }
  const header = decoded.value;
  for (const name of Object.keys(header)) {
    if (!ALLOWED_HEADER_MEMBERS.has(name)) return { ok: false, reason: 'token_header_not_allowed' };
  }
  const alg = header.alg;
  if (typeof alg !== 'string' || !(rules.algorithms as readonly string[]).includes(alg)) {
    return { ok: false, reason: 'token_alg_not_allowed' };
  }
  const typOk = rules.typ === null ? !Object.hasOwn(header, 'typ') : header.typ === rules.typ;
  if (!typOk) return { ok: false, reason: 'token_typ_invalid' };
  const kid = header.kid;
  if (typeof kid !== 'string' || !KID_PATTERN.test(kid)) return { ok: false, reason: 'token_kid_invalid' };
  return { ok: true, header: { alg: alg as TokenAlgorithm, kid } };
}
