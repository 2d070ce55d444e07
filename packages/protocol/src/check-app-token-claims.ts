import type { AppTokenPolicy } from './app-token-policy.js';
import { decodeJsonObject } from './decode-json-object.js';
import type { TokenFailureReason } from './token-failure-reasons.js';
import { type AppTokenClaims, ASSURANCE_LEVELS } from './wire.js';

export type CheckAppTokenClaimsResult =
  | { ok: true; claims: AppTokenClaims }
  | { ok: false; reason: TokenFailureReason };

const CLAIM_NAMES = new Set([
  'iss',
  'aud',
  'sub',
  'iat',
  'exp',
  'nbf',
  'jti',
  'plt',
  'lvl',
  'cnf',
  'dev',
  'ath',
]);
const PLATFORMS = ['ios', 'android', 'debug'] as const;
const CNF_MEMBERS = new Set(['kid', 'jwk']);
const CNF_JWK_MEMBERS = new Set(['kty', 'crv', 'x', 'y']);
/** 9999-12-31T23:59:59Z: later NumericDates are refused as out of range. */
const MAX_NUMERIC_DATE = 253402300799;
const MAX_AUDIENCES = 16;
const MAX_STRING = 256;
const MAX_JTI = 128;

function isShortString(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= max;
}

function isNumericDate(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= MAX_NUMERIC_DATE;
}

/**
 * Canonical unpadded base64url of exactly 32 bytes: 43 characters, the last of which carries 2
 * unused bits that must be zero (what a strict decoder checks, without the allocations).
 */
const B64URL_32 = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

function isB64url32(value: unknown): value is string {
  return typeof value === 'string' && B64URL_32.test(value);
}

function onlyMembers(value: Record<string, unknown>, allowed: Set<string>): boolean {
  for (const name in value) if (!allowed.has(name)) return false;
  return true;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkCnf(value: unknown): AppTokenClaims['cnf'] | undefined {
  if (!isPlainObject(value) || !onlyMembers(value, CNF_MEMBERS) || !isShortString(value.kid, MAX_STRING)) {
    return undefined;
  }
  const jwk = value.jwk;
  // RFC 7800 §3.2 confirmation key: a public EC P-256 key only (no `d`, nothing else).
  if (
    !isPlainObject(jwk) ||
    !onlyMembers(jwk, CNF_JWK_MEMBERS) ||
    jwk.kty !== 'EC' ||
    jwk.crv !== 'P-256' ||
    !isB64url32(jwk.x) ||
    !isB64url32(jwk.y)
  ) {
    return undefined;
  }
  return Object.freeze({
    kid: value.kid,
    jwk: Object.freeze({ kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }),
  });
}

function refuse(reason: TokenFailureReason): CheckAppTokenClaimsResult {
  return { ok: false, reason };
}

/**
 * Checks the decoded payload of an app token whose signature has verified (protocol §3): a UTF-8
 * JSON object without repeated member names, nested at most 3 deep, numbers only as plain
 * integers; only the claims of the closed set; `iss` exactly `policy.issuer`; every `aud` entry
 * one `policy` serves (distinct, at most 16); integer `iat`/`exp`/`nbf` with `exp > iat`,
 * `exp - iat` at most `policy.maxLifetimeSeconds`, `iat` and `nbf` not after now + tolerance and
 * `exp` after now - tolerance; `jti`, `plt`, `lvl`, a `cnf` holding only a public P-256 key,
 * `dev` only when the policy allows development tokens, and `ath` as 32 bytes of canonical
 * base64url. Pure: `nowSeconds` is passed in. The claims returned are frozen (a verifier may
 * hand the same object out on every cache hit).
 *
 * @example
 * ```ts
 * const checked = checkAppTokenClaims(payloadBytes, policy, Math.floor(clock.now() / 1000));
 * if (!checked.ok) return refuse(checked.reason);
 * ```
 */
export function checkAppTokenClaims(
  payload: Uint8Array,
  policy: AppTokenPolicy,
  nowSeconds: number,
): CheckAppTokenClaimsResult {
  const decoded = decodeJsonObject(payload, { maxDepth: 3, integersOnly: true });
  if (!decoded.ok) {
    return refuse(decoded.problem === 'duplicate_member' ? 'token_duplicate_member' : 'token_claims_invalid');
  }
  const claims = decoded.value;
  if (!onlyMembers(claims, CLAIM_NAMES)) return refuse('token_claims_invalid');
  const { iss, aud, sub, iat, exp, nbf, jti, plt, lvl, cnf, dev, ath } = claims;
  if (
    !isShortString(sub, MAX_STRING) ||
    !isNumericDate(iat) ||
    !isNumericDate(exp) ||
    (nbf !== undefined && !isNumericDate(nbf)) ||
    !isShortString(jti, MAX_JTI) ||
    typeof plt !== 'string' ||
    !(PLATFORMS as readonly string[]).includes(plt) ||
    typeof lvl !== 'string' ||
    !(ASSURANCE_LEVELS as readonly string[]).includes(lvl) ||
    (dev !== undefined && dev !== true) ||
    (ath !== undefined && !isB64url32(ath)) ||
    exp <= iat
  ) {
    return refuse('token_claims_invalid');
  }
  const confirmation = cnf === undefined ? undefined : checkCnf(cnf);
  if (cnf !== undefined && confirmation === undefined) return refuse('token_claims_invalid');
  if (iss !== policy.issuer) return refuse('token_issuer_mismatch');
  if (!Array.isArray(aud) || aud.length === 0 || aud.length > MAX_AUDIENCES) {
    return refuse('token_audience_mismatch');
  }
  for (const entry of aud) {
    if (typeof entry !== 'string' || !policy.audiences.has(entry)) return refuse('token_audience_mismatch');
  }
  for (let i = 0; i < aud.length; i++) {
    if (aud.indexOf(aud[i]) !== i) return refuse('token_claims_invalid');
  }
  const tolerance = policy.toleranceSeconds;
  if (exp - iat > policy.maxLifetimeSeconds) return refuse('token_lifetime_too_long');
  if (iat > nowSeconds + tolerance) return refuse('token_iat_in_future');
  if (typeof nbf === 'number' && nbf > nowSeconds + tolerance) return refuse('token_not_yet_valid');
  // RFC 7519 §4.1.4: the current time must be before exp (give or take the tolerance).
  if (exp <= nowSeconds - tolerance) return refuse('token_expired');
  if (dev === true && !policy.allowDev) return refuse('token_dev_not_allowed');
  const result: AppTokenClaims = {
    iss: policy.issuer,
    aud: Object.freeze([...(aud as string[])]) as string[],
    sub,
    iat,
    exp,
    jti,
    plt: plt as AppTokenClaims['plt'],
    lvl: lvl as AppTokenClaims['lvl'],
  };
  if (confirmation !== undefined) result.cnf = confirmation;
  if (dev === true) result.dev = true;
  if (ath !== undefined) result.ath = ath;
  return { ok: true, claims: Object.freeze(result) };
}
