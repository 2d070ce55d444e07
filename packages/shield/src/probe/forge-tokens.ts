import {
  createHmac,
  createPublicKey,
  generateKeyPairSync,
  type JsonWebKey,
  randomBytes,
  sign,
} from 'node:crypto';
import { APP_TOKEN_TYP } from '@portcullis/protocol';

/** What a forger knows of the shield: its issuer, an audience and app, and a published key. */
export interface ForgeryTarget {
  issuer: string;
  app: string;
  audiences: string[];
  /** A kid from the shield's JWKS (`probe` when it could not be read). */
  kid: string;
  /** The published public key as PEM (SPKI), when the JWKS gave one: the HMAC key of alg confusion. */
  publicKeyPem: string | null;
}

/** Tokens an attacker can make without the signing key, each aimed at one verifier rule. */
export interface ForgedTokens {
  /** ES256 over well-formed claims, signed by the attacker's own key under the shield's kid. */
  selfSigned: string;
  /** `alg: none` and no signature. */
  algNone: string;
  /** HS256 keyed with the shield's public key (algorithm confusion). */
  hs256: string;
  /** The attacker's public key embedded as `jwk`, signed by it. */
  embeddedJwk: string;
  /** `jku` naming the attacker's key set. */
  jku: string;
  /** A well-formed token of 5000 characters. */
  oversized: string;
}

const b64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

/** The claims of an app token of the target, valid for five minutes from now. */
function claims(target: ForgeryTarget, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: target.issuer,
    sub: target.app,
    aud: target.audiences,
    iat: now,
    exp: now + 300,
    jti: randomBytes(16).toString('base64url'),
    plt: 'android',
    lvl: 'hardware',
    ...extra,
  };
}

/** Forges one token of each kind for `target`; a fresh attacker key each call. */
export function forgeTokens(target: ForgeryTarget): ForgedTokens {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const es256 = (header: Record<string, unknown>, payload: Record<string, unknown>): string => {
    const input = `${b64url(header)}.${b64url(payload)}`;
    const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
    return `${input}.${signature.toString('base64url')}`;
  };
  const base = { alg: 'ES256', typ: APP_TOKEN_TYP, kid: target.kid };
  const hsInput = `${b64url({ alg: 'HS256', typ: APP_TOKEN_TYP, kid: target.kid })}.${b64url(claims(target))}`;
  const hsKey = target.publicKeyPem ?? randomBytes(32).toString('hex');
  return {
    selfSigned: es256(base, claims(target)),
    algNone: `${b64url({ alg: 'none', typ: APP_TOKEN_TYP, kid: target.kid })}.${b64url(claims(target))}.`,
    hs256: `${hsInput}.${createHmac('sha256', hsKey).update(hsInput).digest('base64url')}`,
    embeddedJwk: es256({ ...base, jwk: publicKey.export({ format: 'jwk' }) }, claims(target)),
    jku: es256({ ...base, jku: 'https://probe.invalid/.well-known/jwks.json' }, claims(target)),
    oversized: es256(base, claims(target, { pad: 'x'.repeat(3700) })),
  };
}

/** The token with its signature removed (`header.payload.`). */
export function stripSignature(token: string): string {
  return `${token.slice(0, token.lastIndexOf('.'))}.`;
}

/**
 * Reads the first usable key of a JWKS document (untrusted bytes): its kid and its public key as
 * PEM, or null when the document holds none.
 */
export function firstPublishedKey(body: Buffer): { kid: string; pem: string } | null {
  let document: unknown;
  try {
    document = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) return null;
  for (const key of keys) {
    if (typeof key !== 'object' || key === null) continue;
    const kid = (key as { kid?: unknown }).kid;
    if (typeof kid !== 'string' || !/^[A-Za-z0-9._:@-]{1,128}$/.test(kid)) continue;
    try {
      const pem = createPublicKey({ key: key as JsonWebKey, format: 'jwk' })
        .export({ type: 'spki', format: 'pem' })
        .toString();
      return { kid, pem };
    } catch {}
  }
  return null;
}
