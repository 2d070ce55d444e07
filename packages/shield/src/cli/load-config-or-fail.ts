import { resolve } from 'node:path';
import {
  type Config,
  ConfigError,
  type ConfigIssue,
  formatConfigError,
  loadConfigFile,
} from '../config/index.js';
import { CliError } from './cli-error.js';
import type { CliIo } from './io.js';

/**
 * Loads a config for a command, turning every refusal into a CLI message with file:line and fix.
 * With `onWarning`, each warning of a file that loads is handed over (and debug tokens whose
 * expiry has passed are among them).
 */
export async function loadConfigOrFail(
  file: string,
  io: CliIo,
  options: { onWarning?: (issue: ConfigIssue) => void } = {},
): Promise<Config> {
  try {
    return await loadConfigFile(resolve(io.cwd, file), {
      env: io.env,
      ...(options.onWarning !== undefined ? { onWarning: options.onWarning, now: new Date() } : {}),
    });
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(formatConfigError(error));
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') {
      throw new CliError(`${file}: no such file`, {
        fix: 'pass the path of your portcullis.yaml with --config',
      });
    }
    throw error;
  }
}
