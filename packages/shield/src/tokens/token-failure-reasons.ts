// The token refusal reasons live in @portcullis/protocol, shared with @portcullis/verify.
export { TOKEN_FAILURE_REASONS, type TokenFailureReason } from '@portcullis/protocol/verification';
