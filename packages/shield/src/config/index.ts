export type {
  IdentityHeaderKind,
  KeylessEvidence,
  PolicySource,
  RouteLimitRulePolicy,
  RouteLimitsPolicy,
  RoutePolicy,
  RouteProofPolicy,
  RouteTokenPolicy,
} from './compile-route-policies.js';
export { compileRoutePolicies, defaultMinLevel, IDENTITY_HEADER_KINDS } from './compile-route-policies.js';
export type { ConfigIssue } from './config-error.js';
export { ConfigError } from './config-error.js';
export type { ConfigIssueCode } from './config-issue-codes.js';
export { CONFIG_ISSUE_CODES } from './config-issue-codes.js';
export type { JsonSchema } from './config-json-schema.js';
export { configJsonSchema, configJsonSchemaText } from './config-json-schema.js';
export type { DemoConfigOptions } from './demo-config.js';
export { DEMO_SIGNING_CERT_SHA256, demoConfigText } from './demo-config.js';
export { describeRouteRequirement, explainRoutePolicy } from './explain-route-policy.js';
export { formatConfigError } from './format-config-error.js';
export type { InitConfigOptions } from './init-template.js';
export { renderInitConfig } from './init-template.js';
export type { ListenTlsConfig } from './listen-tls.js';
export { readListenTls } from './listen-tls.js';
export type { LoadConfigOptions, ParseConfigOptions } from './load-config.js';
export { loadConfigFile, parseConfig } from './load-config.js';
export type { SecretTemplatePart } from './parse-secret-template.js';
export { parseSecretTemplate } from './parse-secret-template.js';
export type { RoutePattern, RoutePatternResult } from './route-pattern.js';
export { matchRoutePattern, parseRoutePattern, routePatternsOverlap } from './route-pattern.js';
export type { AppConfig, Config, ConfigInput, RouteConfig } from './schema.js';
export { configSchema } from './schema.js';
