export type { CanonicalTarget, PathRejection, PathRejectionReason } from './canonicalize-path.js';
export { canonicalizePath } from './canonicalize-path.js';
export type { CompiledInjectTemplate } from './compile-inject-template.js';
export { compileInjectTemplate } from './compile-inject-template.js';
export { createGateway } from './create-gateway.js';
export type { RouteMatch, RoutePattern, RouteTable } from './create-route-table.js';
export { createRouteTable } from './create-route-table.js';
export type { GatewayReason } from './gateway-reasons.js';
export { GATEWAY_REASONS } from './gateway-reasons.js';
export type { ClientErrorEvent, HttpServerOptions } from './http-server.js';
export { createHttpServer } from './http-server.js';
export {
  HOP_BY_HOP_HEADERS,
  IDENTITY_HEADERS,
  STRIPPED_REQUEST_HEADERS,
  STRIPPED_REQUEST_PREFIXES,
} from './request-header-policy.js';
export type {
  Gateway,
  GatewayCheck,
  GatewayCheckContext,
  GatewayLimits,
  GatewayLogger,
  GatewayOptions,
  GatewayStats,
  IdentityHeaderKind,
  InjectTemplate,
  RouteSpec,
  RouteTimeouts,
  UpstreamPoolOptions,
} from './types.js';
