import type { ConfigIssueCode } from './config-issue-codes.js';

/**
 * One problem found in a config file, located at file:line:column (1-based). `path` is the
 * setting in dotted form (`routes[0].match.path`, `apps.shop.ios.teamId`; empty for the whole
 * document). `message` says what is wrong and `fix` how to put it right. Neither ever holds a
 * resolved reference value (an environment variable or file content).
 */
export interface ConfigIssue {
  code: ConfigIssueCode;
  /** Errors refuse the file; warnings are reported and the file is still loaded. */
  severity: 'error' | 'warning';
  file: string;
  line: number;
  column: number;
  path: string;
  message: string;
  fix: string;
}

/**
 * Thrown when a config file is refused. `issues` holds every error found (and any warnings),
 * in file order. Print it with `formatConfigError`.
 *
 * @example
 * ```ts
 * try {
 *   await loadConfigFile('portcullis.yaml');
 * } catch (err) {
 *   if (err instanceof ConfigError) console.error(formatConfigError(err));
 * }
 * ```
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'config_invalid';
  readonly issues: readonly ConfigIssue[];

  constructor(file: string, issues: readonly ConfigIssue[]) {
    const errors = issues.filter((issue) => issue.severity === 'error').length;
    super(`${file}: config refused (${errors} ${errors === 1 ? 'error' : 'errors'})`);
    this.issues = Object.freeze([...issues]);
  }
}
