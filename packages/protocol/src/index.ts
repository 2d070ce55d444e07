export { decodeBase64, encodeBase64, encodeBase64Url } from './base64.js';
export type { ErrorCode, Problem } from './error-codes.js';
export { ERROR_CODES, isErrorCode, problemType } from './error-codes.js';
export {
  APP_TOKEN_TYP,
  HEADER_PROOF,
  HEADER_REQUEST_ID,
  HEADER_TOKEN,
  SHIELD_HEADER_PREFIX,
} from './headers.js';
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
