// The admin listener's public surface: the handler the shield serves on its admin address, and
// the pieces its docs and tests are built from.
export { adminError } from './admin-error.js';
export { ADMIN_REASONS, type AdminReason } from './admin-reasons.js';
export { CONSOLE_DIST } from './console/console-assets.js';
export { createOpenApiDocument } from './console/create-openapi-document.js';
export {
  type AdminHandler,
  type AdminHandlerOptions,
  type AdminRouteView,
  type ConfiguredDebugCredential,
  createAdminHandler,
} from './create-admin-handler.js';
export { type AdminMetrics, type AdminMetricsOptions, createAdminMetrics } from './create-admin-metrics.js';
export {
  type AuthFailureThrottle,
  type AuthFailureThrottleOptions,
  createAuthFailureThrottle,
} from './create-auth-failure-throttle.js';
export {
  formatPrometheusText,
  type MetricFamily,
  type MetricSample,
  PROMETHEUS_CONTENT_TYPE,
} from './format-prometheus-text.js';
export { mergeWorkerFamilies, type WorkerFamilies } from './merge-metric-families.js';
export { isKeyId, parseKeyIdSegment } from './parse-key-id-segment.js';
export { type DeviceView, presentDevice } from './present-device.js';
export { AUDIT_QUERY_PARAMETERS, readAuditQuery } from './read-audit-query.js';
export {
  DEVICE_LIST_QUERY_PARAMETERS,
  type DeviceListQuery,
  readDeviceListQuery,
} from './read-device-list-query.js';
export { DEFAULT_PAGE_LIMIT, readPageLimit } from './read-page-limit.js';
export { readQueryParameters } from './read-query-parameters.js';
export { MAX_REVOKE_REASON_LENGTH, readRevokeRequest } from './read-revoke-request.js';
export {
  type AdminAuthorizationResult,
  MAX_ADMIN_TOKEN_LENGTH,
  verifyAdminAuthorization,
} from './verify-admin-authorization.js';
