import { createPublicKey, randomBytes, sign } from 'node:crypto';
import {
  APP_TOKEN_TYP,
  type AppTokenClaims,
  ASSURANCE_LEVELS,
  type AssuranceLevel,
  type JsonWebKeyLike,
  type Platform,
} from '@portcullis/protocol';
import type { Clock } from '../clock.js';
import { decodeBase64UrlStrict } from '../encoding.js';
import { ShieldError } from '../errors.js';
import type { SigningKeySource } from './types.js';
import { MAX_TOKEN_LENGTH } from './verify-jws.js';

export interface TokenIssuerOptions {
  /** Where the current signing key comes from (the key store). */
  keys: SigningKeySource;
  /** The `iss` of every token: the shield's configured issuer URL. */
  issuer: string;
  clock: Clock;
  /** Largest ttlSeconds issue() accepts. Default 3600; keep it at or under the verifiers' maxLifetimeSeconds. */
  maxTtlSeconds?: number;
}

/** What the caller decides about a token; the issuer adds iss, iat, exp and jti. */
export interface IssueClaims {
  sub: string;
  aud: string[];
  plt: Platform;
  lvl: AssuranceLevel;
  cnf?: { kid: string; jwk: JsonWebKeyLike };
  dev?: true;
  ath?: string;
  ttlSeconds: number;
}

export interface IssuedToken {
  token: string;
  /** Equal to ttlSeconds. */
  expiresIn: number;
  jti: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

export interface TokenIssuer {
  issue(claims: IssueClaims): Promise<IssuedToken>;
}

const PLATFORMS: readonly string[] = ['ios', 'android', 'debug'];
/** base64url length of a 64-byte signature. */
const SIGNATURE_CHARS = 86;

function badClaim(field: string): never {
  throw new ShieldError('internal_error', 'token_issue_claims_invalid', {
    message: `Cannot issue an app token: ${field} is outside the app-token profile.`,
  });
}

function isB64url32(value: unknown): value is string {
  return typeof value === 'string' && decodeBase64UrlStrict(value)?.length === 32;
}

function shortString(value: unknown, max: number): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= max;
}

function confirmation(cnf: unknown): NonNullable<AppTokenClaims['cnf']> {
  if (typeof cnf !== 'object' || cnf === null) badClaim('cnf');
  const { kid, jwk } = cnf as { kid?: unknown; jwk?: unknown };
  if (!shortString(kid, 256)) badClaim('cnf.kid');
  if (typeof jwk !== 'object' || jwk === null) badClaim('cnf.jwk');
  const j = jwk as Record<string, unknown>;
  if (Object.hasOwn(j, 'd')) badClaim('cnf.jwk (it holds a private key)');
  if (j.kty !== 'EC' || j.crv !== 'P-256' || !isB64url32(j.x) || !isB64url32(j.y)) badClaim('cnf.jwk');
  const material = { kty: 'EC', crv: 'P-256', x: j.x, y: j.y };
  try {
    createPublicKey({ key: material, format: 'jwk' });
  } catch {
    badClaim('cnf.jwk (not a point on P-256)');
  }
  // Only the RFC 7638 members go into the token, whatever else the caller's JWK carried.
  return { kid, jwk: material };
}

/**
 * Builds the app-token issuer (protocol §3). Tokens are compact JWS with protected header
 * exactly `{"alg","typ":"app+jwt","kid"}`, signed with the key store's current key through
 * node:crypto (ES256 as 64-byte IEEE P1363 r||s, RFC 7518 §3.4; EdDSA per RFC 8037), and
 * claims `iss, sub, aud, iat, exp, jti, plt, lvl` plus `cnf`, `dev`, `ath` when given. `jti` is
 * 16 random bytes in base64url. Claims outside the profile throw
 * `ShieldError('internal_error', 'token_issue_claims_invalid')` naming the field.
 *
 * @example
 * ```ts
 * const issuer = createTokenIssuer({ keys: keyStore, issuer: 'https://shield.example', clock: systemClock });
 * const { token, expiresIn } = await issuer.issue({ sub: 'shop', aud: ['shop-api'], plt: 'ios',
 *   lvl: 'hardware', ttlSeconds: 300 });
 * ```
 */
export function createTokenIssuer(options: TokenIssuerOptions): TokenIssuer {
  if (!shortString(options.issuer, 2048)) {
    throw new TypeError('createTokenIssuer: issuer must be a non-empty string');
  }
  if (typeof options.keys?.signingKey !== 'function') {
    throw new TypeError('createTokenIssuer: keys must provide signingKey()');
  }
  const maxTtl = options.maxTtlSeconds ?? 3600;
  if (!Number.isSafeInteger(maxTtl) || maxTtl < 1 || maxTtl > 86400) {
    throw new TypeError('createTokenIssuer: maxTtlSeconds must be an integer from 1 to 86400');
  }
  const { keys, issuer, clock } = options;

  async function issue(claims: IssueClaims): Promise<IssuedToken> {
    const { sub, aud, plt, lvl, cnf, dev, ath, ttlSeconds } = claims;
    if (!shortString(sub, 256)) badClaim('sub');
    if (
      !Array.isArray(aud) ||
      aud.length === 0 ||
      aud.length > 16 ||
      !aud.every((entry) => shortString(entry, 256)) ||
      new Set(aud).size !== aud.length
    ) {
      badClaim('aud');
    }
    if (!PLATFORMS.includes(plt)) badClaim('plt');
    if (!(ASSURANCE_LEVELS as readonly string[]).includes(lvl)) badClaim('lvl');
    if (dev !== undefined && dev !== true) badClaim('dev');
    if (ath !== undefined && !isB64url32(ath)) badClaim('ath');
    if (!Number.isSafeInteger(ttlSeconds) || ttlSeconds < 1 || ttlSeconds > maxTtl) badClaim('ttlSeconds');

    const key = keys.signingKey();
    const iat = Math.floor(clock.now() / 1000);
    const exp = iat + ttlSeconds;
    const jti = randomBytes(16).toString('base64url');
    const payload: AppTokenClaims = { iss: issuer, sub, aud: [...aud], iat, exp, jti, plt, lvl };
    if (cnf !== undefined) payload.cnf = confirmation(cnf);
    if (dev === true) payload.dev = true;
    if (ath !== undefined) payload.ath = ath;

    const header = Buffer.from(JSON.stringify({ alg: key.alg, typ: APP_TOKEN_TYP, kid: key.kid })).toString(
      'base64url',
    );
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    const signingInput = `${header}.${body}`;
    // Verifiers refuse anything longer before decoding it; never mint what they would refuse.
    if (signingInput.length + 1 + SIGNATURE_CHARS > MAX_TOKEN_LENGTH) {
      badClaim('the claims as a whole (token too long)');
    }
    const signature =
      key.alg === 'ES256'
        ? sign('sha256', Buffer.from(signingInput), { key: key.privateKey, dsaEncoding: 'ieee-p1363' })
        : sign(null, Buffer.from(signingInput), key.privateKey);
    return { token: `${signingInput}.${signature.toString('base64url')}`, expiresIn: ttlSeconds, jti, exp };
  }

  return { issue };
}
