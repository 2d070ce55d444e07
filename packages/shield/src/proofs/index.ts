// The proofs' public surface: explicit named exports only. The benchmark (./bench.js) is imported
// by path, so that production code never loads the test kit.
export {
  type AuthorizationBindingCheckOptions,
  createAuthorizationBindingCheck,
} from './create-authorization-binding-check.js';
export {
  createProofCheck,
  PROOF_STORE_OUTAGE_MODES,
  type ProofCheckOptions,
  type ProofDegradedEvent,
  type ProofRoutePolicy,
  type ProofStoreOutageMode,
} from './create-proof-check.js';
export { PROOF_FAILURE_REASONS, type ProofFailureCode } from './proof-failure-reasons.js';
export { proofReplayKey } from './proof-replay-key.js';
export {
  type ProofSignatureInput,
  type ProofSignaturePolicy,
  type ProofSignatureResult,
  type ProofSigningKey,
  verifyProofSignature,
} from './verify-proof-signature.js';
