import { resolve } from 'node:path';
import { type Config, ConfigError, formatConfigError, loadConfigFile } from '../config/index.js';
import { CliError } from './cli-error.js';
import type { CliIo } from './io.js';

/** Loads a config for a command, turning every refusal into a CLI message with file:line and fix. */
export async function loadConfigOrFail(file: string, io: CliIo): Promise<Config> {
  try {
    return await loadConfigFile(resolve(io.cwd, file), { env: io.env });
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
