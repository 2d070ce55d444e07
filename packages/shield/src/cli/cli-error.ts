/** Exit codes of every `portcullis` command. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/**
 * A failure the CLI reports as one clear message (what is wrong, where, how to fix it) and an
 * exit code, without a stack trace.
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode: number;
  readonly fix: string | undefined;

  constructor(message: string, options: { exitCode?: number; fix?: string } = {}) {
    super(message);
    this.exitCode = options.exitCode ?? EXIT.failure;
    this.fix = options.fix;
  }
}
