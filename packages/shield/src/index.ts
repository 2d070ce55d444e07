// The public surface of @portcullis/shield: explicit named exports only.
export type {
  ComparedValues,
  StepVerdict,
  VerificationFailure,
  VerificationResult,
  VerifiedEvidence,
} from './attest/contract.js';
export { type Clock, createManualClock, systemClock } from './clock.js';
export type { AppConfig, Config, ConfigIssue, RouteConfig } from './config/index.js';
export {
  ConfigError,
  DEMO_SIGNING_CERT_SHA256,
  demoConfigText,
  formatConfigError,
  loadConfigFile,
  parseConfig,
  renderInitConfig,
} from './config/index.js';
export { isShieldError, ShieldError } from './errors.js';
export { createShield, type Shield, type ShieldOverrides } from './server/create-shield.js';
export { createLogger, type Logger } from './server/logger.js';
export type { AuditRecord, Stores } from './stores/ports.js';
export { createTokenIssuer, type TokenIssuer } from './tokens/index.js';
