import type { ConfigError, ConfigIssue } from './config-error.js';

function formatIssue(issue: ConfigIssue): string {
  const where = `${issue.file}:${issue.line}:${issue.column}`;
  const what = issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;
  const label = issue.severity === 'warning' ? 'warning: ' : '';
  return `${where}  ${label}${what}\n  fix: ${issue.fix}`;
}

/**
 * Human text for a refused config (what `portcullis check` prints): one block per issue,
 * `FILE:LINE:COL  path.to.key: what is wrong` then `  fix: how to fix it`. Warnings carry a
 * `warning: ` label. Also accepts a plain list of issues (to print warnings of a good file).
 *
 * @example
 * ```text
 * portcullis.yaml:14:7  routes[0].match.path: '..' segments are not allowed
 *   fix: write the canonical path without '.' or '..' segments
 * ```
 */
export function formatConfigError(err: ConfigError | readonly ConfigIssue[]): string {
  const issues = 'issues' in err ? err.issues : err;
  return issues.map(formatIssue).join('\n');
}
