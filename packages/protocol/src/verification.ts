// `@portcullis/protocol/verification`: what every app-token verifier shares, the shield's
// (node:crypto) and `@portcullis/verify`'s (Web Crypto): the app-token profile's pure checks,
// a route's token rule and its production default level, the refusal reason catalogs and the
// bounded cache. Its own entry point, apart from the main one the client SDK imports: it uses
// TextEncoder/TextDecoder (Node, Workers, Deno, browsers), which React Native's Hermes does not
// fully provide, and an app never verifies tokens.
export type { AppTokenPolicy, AppTokenPolicyOptions } from './app-token-policy.js';
export { appTokenPolicy } from './app-token-policy.js';
export type { TokenAlgorithm } from './app-token-profile.js';
export {
  JWS_SIGNATURE_BYTES,
  KID_PATTERN,
  MAX_TOKEN_LENGTH,
  TOKEN_ALGORITHMS,
  tokenFailureCode,
} from './app-token-profile.js';
export type { CheckAppTokenClaimsResult } from './check-app-token-claims.js';
export { checkAppTokenClaims } from './check-app-token-claims.js';
export type { CheckJwsHeaderResult, JwsHeader, JwsHeaderRules } from './check-jws-header.js';
export { checkJwsHeader } from './check-jws-header.js';
export type {
  AppAudiences,
  RouteTokenRefusal,
  RouteTokenRule,
} from './check-route-token.js';
export { checkRouteToken, ROUTE_TOKEN_REFUSALS } from './check-route-token.js';
export type { LruCache } from './create-lru-cache.js';
export { createLruCache } from './create-lru-cache.js';
export type { DecodeJsonObjectResult, JsonObjectLimits, JsonObjectProblem } from './decode-json-object.js';
export { decodeJsonObject } from './decode-json-object.js';
export type { DeploymentMode } from './default-min-level.js';
export { defaultMinLevel } from './default-min-level.js';
export { es256ScalarsInRange } from './es256-scalars-in-range.js';
export type { ParseVerificationJwkResult, VerificationJwk } from './parse-verification-jwk.js';
export { parseVerificationJwk } from './parse-verification-jwk.js';
export type { ProofFailureCode } from './proof-failure-reasons.js';
export { PROOF_FAILURE_REASONS, PROOF_HEADER_REFUSAL_REASONS } from './proof-failure-reasons.js';
export { proofReplayKey } from './proof-replay-key.js';
export type { CompactJwsSegments, SplitCompactJwsResult } from './split-compact-jws.js';
export { splitCompactJws } from './split-compact-jws.js';
export type { TokenFailureReason } from './token-failure-reasons.js';
export { TOKEN_FAILURE_REASONS } from './token-failure-reasons.js';
