import { EXIT } from './cli-error.js';
import { run } from './main.js';

// The process entry point of `portcullis`: everything else is importable without side effects.
run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`portcullis: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT.failure;
  },
);
