// The proof and binding refusal reasons live in @portcullis/protocol, shared with @portcullis/verify.
export { PROOF_FAILURE_REASONS, type ProofFailureCode } from '@portcullis/protocol/verification';
