export { createJwksHttp, DEFAULT_JWKS_MAX_AGE_SECONDS } from './create-jwks-http.js';
export type { KeyStore, KeyStoreOptions, RotateOptions } from './create-key-store.js';
export { createKeyStore } from './create-key-store.js';
export type { LruCache } from './create-lru-cache.js';
export { createLruCache } from './create-lru-cache.js';
export { createStaticKeySource } from './create-static-key-source.js';
export type { IssueClaims, IssuedToken, TokenIssuer, TokenIssuerOptions } from './create-token-issuer.js';
export { createTokenIssuer } from './create-token-issuer.js';
export type { TokenVerifier, TokenVerifierOptions, TokenVerifierStats } from './create-token-verifier.js';
export { createTokenVerifier } from './create-token-verifier.js';
export type { DecodeJsonObjectResult, JsonObjectLimits, JsonObjectProblem } from './decode-json-object.js';
export { decodeJsonObject } from './decode-json-object.js';
export { importVerificationJwk, keyMatchesAlgorithm } from './import-verification-jwk.js';
export type { TokenInspection } from './inspect-token.js';
export { inspectToken } from './inspect-token.js';
export type { KeyStoreFailureReason } from './key-store-failure-reasons.js';
export { KEY_STORE_FAILURE_REASONS } from './key-store-failure-reasons.js';
export { listKeysCommand } from './list-keys-command.js';
export { IDENTIFIER_KEY_FILE, loadIdentifierKey, TEMP_IDENTIFIER_KEY_FILE } from './load-identifier-key.js';
export type { KeyFileRecord, MinimalPublicJwk } from './read-key-file.js';
export { KEY_FILE_FORMAT, minimalPublicJwk, readKeyFile, thumbprintKid } from './read-key-file.js';
export type { RotateKeysCommandOptions, RotateKeysResult } from './rotate-keys-command.js';
export { rotateKeysCommand } from './rotate-keys-command.js';
export type { TokenFailureReason } from './token-failure-reasons.js';
export { TOKEN_FAILURE_REASONS } from './token-failure-reasons.js';
export type {
  JwksHttp,
  KeyInfo,
  KeyStatus,
  PublicJwk,
  SigningKey,
  SigningKeySource,
  TokenAlgorithm,
  VerificationKey,
  VerificationKeySource,
} from './types.js';
export { KID_PATTERN, TOKEN_ALGORITHMS } from './types.js';
export type { JwsHeader, VerifiedJws, VerifyJwsOptions } from './verify-jws.js';
export { MAX_TOKEN_LENGTH, verifyJws } from './verify-jws.js';
export { JWS_SIGNATURE_BYTES, verifyJwsSignature } from './verify-jws-signature.js';
export { keyFileName, TEMP_KEY_FILE, writeKeyFile } from './write-key-file.js';
