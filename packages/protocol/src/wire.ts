/** Evidence kinds (protocol §2.1). The same strings are used in config, fixtures, docs and metrics. */
export const EVIDENCE_TYPES = [
  'apple-app-attest',
  'android-key-attestation',
  'play-integrity',
  'debug',
  'client-signals',
] as const;
export type EvidenceType = (typeof EVIDENCE_TYPES)[number];

export type Platform = 'ios' | 'android' | 'debug';

/** Assurance levels, weakest first: a route's minimum level admits every level at or after it. */
export const ASSURANCE_LEVELS = ['debug', 'basic', 'device', 'hardware'] as const;
export type AssuranceLevel = (typeof ASSURANCE_LEVELS)[number];

/** True when `level` meets `minimum`. */
export function meetsLevel(level: AssuranceLevel, minimum: AssuranceLevel): boolean {
  return ASSURANCE_LEVELS.indexOf(level) >= ASSURANCE_LEVELS.indexOf(minimum);
}

export interface ChallengeRequest {
  appId: string;
}
export interface ChallengeResponse {
  challenge: string;
  expiresIn: number;
}

export type Evidence =
  | { type: 'apple-app-attest'; keyId: string; attestation: string }
  | { type: 'android-key-attestation'; certificateChain: string[] }
  | { type: 'play-integrity'; token: string }
  | { type: 'debug'; token: string }
  | { type: 'client-signals'; signals: Record<string, unknown> };

export interface AttestRequest {
  appId: string;
  challenge: string;
  evidence: Evidence[];
}
export interface AttestResponse {
  token: string;
  expiresIn: number;
  keyId?: string;
}
export interface AssertRequest {
  appId: string;
  challenge: string;
  keyId: string;
  assertion: string;
}
export interface TokenResponse {
  token: string;
  expiresIn: number;
}

/** Claims of an app token (protocol §3). */
export interface AppTokenClaims {
  iss: string;
  aud: string[];
  sub: string;
  iat: number;
  exp: number;
  jti: string;
  plt: Platform;
  lvl: AssuranceLevel;
  cnf?: { kid: string; jwk: JsonWebKeyLike };
  /** Set when the token was minted from a test-kit root: never accepted by a production shield. */
  dev?: true;
  /** b64url(H(Authorization)) when the token is bound to the user's Authorization header. */
  ath?: string;
}

/** The subset of a JWK the protocol carries (public keys only). */
export interface JsonWebKeyLike {
  kty: string;
  crv?: string;
  x?: string;
  y?: string;
  [extra: string]: unknown;
}
