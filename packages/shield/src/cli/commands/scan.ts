import { access, readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  createProgressBar,
  IgnoreFileError,
  type IgnoreList,
  isSeverity,
  parseIgnoreList,
  renderJson,
  renderSarif,
  renderTable,
  SECRET_RULES,
  SEVERITIES,
  scanInputs,
  severityRank,
  suggestConfig,
} from '../../scan/index.js';
import { CliError, EXIT } from '../cli-error.js';
import type { CliIo } from '../io.js';

/** Ignore file read from the working folder when `--ignore-file` is not given. */
export const DEFAULT_IGNORE_FILE = '.portcullis-scan-ignore';
const VERSION = '0.1.0';

export interface ScanCommandOptions {
  json?: boolean;
  sarif?: boolean;
  output?: string;
  failOn: string;
  ignoreFile?: string;
  suggestConfig?: boolean;
}

async function loadIgnoreList(options: ScanCommandOptions, io: CliIo): Promise<IgnoreList | undefined> {
  const explicit = options.ignoreFile !== undefined;
  const file = options.ignoreFile ?? DEFAULT_IGNORE_FILE;
  const path = resolve(io.cwd, file);
  if (!explicit) {
    try {
      await access(path);
    } catch {
      return undefined;
    }
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CliError(`${file}: cannot read the ignore file`, {
      exitCode: EXIT.usage,
      fix: 'check the path given to --ignore-file',
    });
  }
  try {
    return parseIgnoreList(
      text,
      SECRET_RULES.map((rule) => rule.id),
    );
  } catch (error) {
    if (error instanceof IgnoreFileError)
      throw new CliError(`${file}:${error.line}: ${error.message}`, {
        exitCode: EXIT.usage,
        fix: 'write one fingerprint (16 hex digits from the report), rule:<id> or path:<glob> per line; # starts a comment',
      });
    throw error;
  }
}

/**
 * `portcullis scan <inputs...>`: finds the secrets an attacker would pull out of an app build
 * (APK, AAB, IPA, ZIP, folders, files). Exit 1 when a finding is at or above `--fail-on`, or an
 * input could not be read at all; 2 on usage errors.
 */
export async function scanCommand(inputs: string[], options: ScanCommandOptions, io: CliIo): Promise<number> {
  const failOn = options.failOn;
  if (failOn !== 'none' && !isSeverity(failOn))
    throw new CliError(`--fail-on ${failOn}: not a severity`, {
      exitCode: EXIT.usage,
      fix: `use one of ${SEVERITIES.join(', ')} or none`,
    });
  if (options.json === true && options.sarif === true)
    throw new CliError('--json and --sarif exclude each other', {
      exitCode: EXIT.usage,
      fix: 'pick one output format',
    });
  const ignore = await loadIgnoreList(options, io);
  const bar =
    io.stderrTerminal === undefined ? undefined : createProgressBar(io.stderrTerminal, () => Date.now());
  let summary: Awaited<ReturnType<typeof scanInputs>>;
  try {
    summary = await scanInputs(inputs, io.cwd, {
      now: new Date(),
      ...(ignore === undefined ? {} : { ignore }),
      ...(bar === undefined ? {} : { onProgress: (done: number, total: number) => bar.update(done, total) }),
    });
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT' && 'path' in error)
      throw new CliError(`${String(error.path)}: no such file or folder`, {
        exitCode: EXIT.usage,
        fix: 'pass the APK, AAB, IPA, archive, folder or file to scan',
      });
    throw error;
  } finally {
    bar?.finish();
  }
  const report =
    options.suggestConfig === true
      ? suggestConfig(summary.findings)
      : options.json === true
        ? renderJson(summary)
        : options.sarif === true
          ? renderSarif(summary, SECRET_RULES, VERSION)
          : renderTable(summary);
  if (options.output !== undefined) {
    await writeFile(resolve(io.cwd, options.output), `${report}\n`);
    io.err(`wrote ${options.output} (${summary.findings.length} findings)`);
  } else io.out(report);
  if (options.suggestConfig === true && options.output === undefined)
    io.err(`${summary.findings.length} findings; run without --suggest-config for the full report`);
  const unreadable = summary.notes.filter((note) => note.unreadable === true);
  for (const note of unreadable) io.err(`portcullis: ${note.file}: ${note.message}`);
  const failing =
    failOn === 'none'
      ? []
      : summary.findings.filter(
          (finding) => severityRank(finding.severity) >= severityRank(failOn as (typeof SEVERITIES)[number]),
        );
  return failing.length > 0 || unreadable.length > 0 ? EXIT.failure : EXIT.ok;
}
