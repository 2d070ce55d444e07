export { compileRules, findSecrets, type SecretMatch } from './find-secrets.js';
export { readBinaryXmlStrings, readResourceTableStrings } from './formats/android-binary-xml.js';
export { readBinaryPlistStrings } from './formats/binary-plist.js';
export { readDexStrings } from './formats/dex-strings.js';
export { FormatError } from './formats/format-error.js';
export { HERMES_MAX_VERSION, HERMES_MIN_VERSION, readHermesStrings } from './formats/hermes-strings.js';
export { IgnoreFileError, type IgnoreList, parseIgnoreList } from './ignore-list.js';
export { createProgressBar, type ProgressTerminal } from './progress-bar.js';
export { renderJson } from './report/render-json.js';
export { renderSarif } from './report/render-sarif.js';
export { renderTable } from './report/render-table.js';
export { SECRET_RULES } from './rules/catalog.js';
export type { SecretRule } from './rules/secret-rule.js';
export { DEFAULT_SCAN_LIMITS, type ScanLimits, type ScanOptions, scanInputs } from './scan-inputs.js';
export { isSeverity, severityRank } from './severity.js';
export { suggestConfig } from './suggest-config.js';
export {
  type Finding,
  type GatewayRecipe,
  type ScanNote,
  type ScanSummary,
  SEVERITIES,
  type Severity,
} from './types.js';
