export { ERROR_CODES, isErrorCode, problemType } from './error-codes.js';
export type { ErrorCode, Problem } from './error-codes.js';
export { APP_TOKEN_TYP, HEADER_PROOF, HEADER_REQUEST_ID, HEADER_TOKEN, SHIELD_HEADER_PREFIX } from './headers.js';
export { ASSURANCE_LEVELS, EVIDENCE_TYPES, meetsLevel } from './wire.js';
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
