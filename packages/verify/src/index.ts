// The public surface of @portcullis/verify (the core: Web Crypto and fetch only, no Node
// built-ins). Framework adapters are their own entry points: @portcullis/verify/express,
// /fastify, /hono, /cloudflare, /lambda.
export type { AppTokenClaims, AssuranceLevel, ErrorCode } from '@portcullis/protocol';
export type { AppAudiences, DeploymentMode, RouteTokenRule } from '@portcullis/protocol/verification';
export type { AppRequest, AppRequestHead } from './app-request.js';
export { type Clock, systemClock } from './clock.js';
export {
  type AppTokenVerifier,
  type AppTokenVerifierOptions,
  type AppTokenVerifierStats,
  createAppTokenVerifier,
  type TokenVerification,
} from './create-app-token-verifier.js';
export { createMemoryReplayStore, type MemoryReplayStoreOptions } from './create-memory-replay-store.js';
export {
  createRedisReplayStore,
  type RedisReplayStoreOptions,
  type RedisSetClient,
} from './create-redis-replay-store.js';
export {
  createRemoteJwks,
  type RemoteJwks,
  type RemoteJwksOptions,
  type RemoteJwksStatus,
} from './create-remote-jwks.js';
export { createStaticJwks } from './create-static-jwks.js';
export {
  createVerifier,
  type ProofOptions,
  type RequestVerification,
  type RouteVerifier,
  type VerifiedAppRequest,
  type Verifier,
  type VerifierOptions,
} from './create-verifier.js';
export { fetchAppRequest } from './fetch-request.js';
export type { KeySource, WebCryptoKey, WebVerificationKey } from './key-source.js';
export { KeysUnavailableError } from './keys-unavailable-error.js';
export { readStreamLimited } from './read-stream-limited.js';
export { type RefusalResponse, refusalResponse } from './refusal-response.js';
export type { ReplayStore } from './replay-store.js';
export {
  type CompiledRouteRequirements,
  compileRouteRequirements,
  isCompiledRouteRequirements,
  type RouteRequirements,
} from './route-requirements.js';
export { VerificationError } from './verification-error.js';
export { VERIFY_REASONS, type VerifyReason } from './verify-reasons.js';
