/** Where commands write: injectable so tests run commands in process and read their output. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Set when stderr is a terminal: raw writes for progress bars (nothing is drawn otherwise). */
  stderrTerminal?: { write(text: string): void; columns: number };
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  env: process.env,
  cwd: process.cwd(),
  ...(process.stderr.isTTY
    ? {
        stderrTerminal: {
          write: (text: string) => process.stderr.write(text),
          columns: process.stderr.columns || 80,
        },
      }
    : {}),
};
