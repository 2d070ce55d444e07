export type {
  GoogleIntegrityDecoder,
  GoogleIntegrityDecoderOptions,
  GoogleServiceAccount,
} from './create-google-integrity-decoder.js';
export { createGoogleIntegrityDecoder } from './create-google-integrity-decoder.js';
export { decodeCertificateDigest } from './decode-certificate-digest.js';
export type { PlayIntegrityDecodeResult, PlayIntegrityKeys } from './decode-play-integrity-token-locally.js';
export { decodePlayIntegrityTokenLocally } from './decode-play-integrity-token-locally.js';
export type { PlayIntegrityKeysConfig } from './import-play-integrity-keys.js';
export { importPlayIntegrityKeys } from './import-play-integrity-keys.js';
export type { PlayIntegrityPayload, PlayIntegrityPayloadResult } from './parse-play-integrity-payload.js';
export { parsePlayIntegrityPayload } from './parse-play-integrity-payload.js';
export type { PlayIntegrityFailureCode } from './play-integrity-failure-codes.js';
export { PLAY_INTEGRITY_FAILURE_CODES } from './play-integrity-failure-codes.js';
export { playIntegrityReplayKey } from './play-integrity-replay-key.js';
export type { PlayIntegrityTestKeys, PlayIntegrityTestPayloadOptions } from './test-token.js';
export {
  buildPlayIntegrityToken,
  createPlayIntegrityTestKeys,
  createPlayIntegrityTestPayload,
} from './test-token.js';
export type {
  DeviceRecognitionLevel,
  PlayIntegrityBinding,
  PlayIntegrityPolicy,
} from './verify-play-integrity-verdict.js';
export {
  PLAY_INTEGRITY_POLICY_DEFAULTS,
  verifyPlayIntegrityVerdict,
} from './verify-play-integrity-verdict.js';
