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
export { decodeBase64, encodeBase64, encodeBase64Url } from './base64.js';
export type { CheckAppTokenClaimsResult } from './check-app-token-claims.js';
export { checkAppTokenClaims } from './check-app-token-claims.js';
export type { CheckJwsHeaderResult, JwsHeader, JwsHeaderRules } from './check-jws-header.js';
export { checkJwsHeader } from './check-jws-header.js';
export type { LruCache } from './create-lru-cache.js';
export { createLruCache } from './create-lru-cache.js';
export type { DecodeJsonObjectResult, JsonObjectLimits, JsonObjectProblem } from './decode-json-object.js';
export { decodeJsonObject } from './decode-json-object.js';
export type { ErrorCode, Problem } from './error-codes.js';
export { ERROR_CODES, isErrorCode, problemType } from './error-codes.js';
export { es256ScalarsInRange } from './es256-scalars-in-range.js';
export {
  APP_TOKEN_TYP,
  HEADER_PROOF,
  HEADER_REQUEST_ID,
  HEADER_TOKEN,
  SHIELD_HEADER_PREFIX,
} from './headers.js';
export type { ParseVerificationJwkResult, VerificationJwk } from './parse-verification-jwk.js';
export { parseVerificationJwk } from './parse-verification-jwk.js';
export type { ParsedProofHeader, ProofHeaderRefusal, ProofMessageInput, Sha256 } from './proof.js';
export {
  authorizationBindingHash,
  formatProofHeader,
  MAX_PROOF_FIELD_LENGTH,
  MAX_PROOF_HEADER_LENGTH,
  MAX_PROOF_SIGNATURE_BYTES,
  MAX_PROOF_TIMESTAMP_DIGITS,
  PROOF_HEADER_REFUSALS,
  PROOF_HEADER_VERSION,
  PROOF_MESSAGE_PREFIX,
  parseProofHeader,
  proofMessage,
} from './proof.js';
export type { ProofFailureCode } from './proof-failure-reasons.js';
export { PROOF_FAILURE_REASONS, PROOF_HEADER_REFUSAL_REASONS } from './proof-failure-reasons.js';
export { proofReplayKey } from './proof-replay-key.js';
export type { CompactJwsSegments, SplitCompactJwsResult } from './split-compact-jws.js';
export { splitCompactJws } from './split-compact-jws.js';
export type { TokenFailureReason } from './token-failure-reasons.js';
export { TOKEN_FAILURE_REASONS } from './token-failure-reasons.js';
export type {
  AppTokenClaims,
  AssertRequest,
  AssuranceLevel,
  AttestRequest,
  AttestResponse,
  ChallengeRequest,
  ChallengeResponse,
  Evidence,
  EvidenceType,
  JsonWebKeyLike,
  Platform,
  TokenResponse,
} from './wire.js';
export { ASSURANCE_LEVELS, EVIDENCE_TYPES, meetsLevel } from './wire.js';
