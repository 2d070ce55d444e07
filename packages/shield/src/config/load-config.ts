import { open, readFile as readFileFromDisk, stat } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { collectConfigWarnings } from './collect-config-warnings.js';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { configFilePaths, resolveConfigPaths } from './config-file-paths.js';
import {
  type DecodedYaml,
  decodeConfigYaml,
  MAX_CONFIG_BYTES,
  type PendingIssue,
  pathKey,
} from './decode-config-yaml.js';
import { deepFreeze } from './deep-freeze.js';
import { fromZodIssues } from './from-zod-issues.js';
import { readListenTls } from './listen-tls.js';
import { locateIssue } from './locate-issue.js';
import { type ReferenceSources, resolveReferences } from './resolve-references.js';
import { type Config, configSchema } from './schema.js';

/** Options of `parseConfig`. */
export interface ParseConfigOptions {
  /** Name of the file in issues (`portcullis.yaml`). Default `<config>`. */
  sourceName?: string;
  /** Folder that relative paths and ${file:PATH} references start from: the config file's folder. */
  baseDir: string;
  /** Environment for ${env:NAME} references and the NODE_ENV / NODE_TLS_REJECT_UNAUTHORIZED checks. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /** Reads a referenced file as UTF-8. Default: node:fs. */
  readFile?: (path: string) => Promise<string>;
  /** POSIX mode bits of a file, or undefined where they mean nothing. Default: node:fs `stat` (undefined on Windows). */
  fileMode?: (path: string) => Promise<number | undefined>;
  /** When given, debug tokens that expired before it are reported as warnings. */
  now?: Date;
  /** Receives each warning of a file that loads (warnings of a refused file are in the error). */
  onWarning?: (issue: ConfigIssue) => void;
}

/** Options of `loadConfigFile`: those of `parseConfig` except the name and folder, taken from the path. */
export type LoadConfigOptions = Omit<ParseConfigOptions, 'sourceName' | 'baseDir'>;

async function defaultFileMode(path: string): Promise<number | undefined> {
  return process.platform === 'win32' ? undefined : (await stat(path)).mode;
}

const defaultReadFile = (path: string): Promise<string> => readFileFromDisk(path, 'utf8');

/** Reads at most MAX_CONFIG_BYTES + 1 bytes, so a huge file is refused without being read whole. */
async function readBounded(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(MAX_CONFIG_BYTES + 1);
    let length = 0;
    while (length < buffer.length) {
      const { bytesRead } = await handle.read(buffer, length, buffer.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
    }
    return buffer.subarray(0, length).toString('utf8');
  } finally {
    await handle.close();
  }
}

function byPosition(a: ConfigIssue, b: ConfigIssue): number {
  return a.line - b.line || a.column - b.column;
}

/** Checks that need the process environment rather than the file. */
function environmentIssues(raw: unknown, env: Readonly<Record<string, string | undefined>>): PendingIssue[] {
  const issues: PendingIssue[] = [];
  const mode = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>)['mode'] : undefined;
  if (mode === 'development' && env['NODE_ENV'] === 'production') {
    issues.push({
      code: 'development_mode_in_production',
      severity: 'error',
      path: ['mode'],
      message:
        'mode is development but NODE_ENV=production: a production host never trusts test roots (A8-05)',
      fix: 'set mode: production, or do not set NODE_ENV=production on a development machine',
    });
  }
  if (env['NODE_TLS_REJECT_UNAUTHORIZED'] === '0') {
    issues.push({
      code: 'tls_verification_disabled',
      severity: 'error',
      path: [],
      message: 'NODE_TLS_REJECT_UNAUTHORIZED=0 turns off certificate checks of https upstreams (A10-05)',
      fix: 'unset NODE_TLS_REJECT_UNAUTHORIZED; pin a private CA with routes[].tls.caFile instead',
    });
  }
  return issues;
}

/** Secrets written in the file rather than referenced: refused in production, a warning in development. */
function inlineSecretIssues(raw: unknown, referenced: Set<string>, decoded: DecodedYaml): PendingIssue[] {
  if (typeof raw !== 'object' || raw === null) return [];
  const record = raw as Record<string, unknown>;
  const severity = record['mode'] === 'development' ? 'warning' : 'error';
  const candidates: (string | number)[][] = [];
  const secrets = record['secrets'];
  if (typeof secrets === 'object' && secrets !== null) {
    for (const name of Object.keys(secrets)) candidates.push(['secrets', name]);
  }
  const apps = record['apps'];
  if (typeof apps === 'object' && apps !== null) {
    for (const appId of Object.keys(apps))
      candidates.push(['apps', appId, 'android', 'playIntegrity', 'decryptionKey']);
  }
  return candidates
    .filter((path) => decoded.sites.has(pathKey(path)) && !referenced.has(pathKey(path)))
    .map((path) => ({
      code: 'secret_inline' as const,
      severity,
      path,
      message: 'this secret is written in the config file, where it ends up in backups and version control',
      fix: `move it to an environment variable or a file and write \${env:NAME} or \${file:PATH}`,
    }));
}

async function fileIssues(config: Config, sources: ReferenceSources): Promise<PendingIssue[]> {
  const issues: PendingIssue[] = [];
  for (const entry of configFilePaths(config)) {
    if (!entry.mustExist) continue;
    try {
      await sources.readFile(entry.value);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException | undefined)?.code ?? 'unreadable';
      issues.push({
        code: 'path_unreadable',
        severity: 'error',
        path: entry.path,
        message: `the file cannot be read (${reason})`,
        fix: 'create the file or correct the path (relative paths start at the config file’s folder)',
      });
      continue;
    }
    const mode = entry.secret ? await sources.fileMode(entry.value).catch(() => undefined) : undefined;
    if (mode !== undefined && (mode & 0o004) !== 0) {
      issues.push({
        code: 'file_world_readable',
        severity: 'warning',
        path: entry.path,
        message: 'this file holds a private key and is readable by every user of this machine',
        fix: `restrict it: chmod 600 ${entry.value}`,
      });
    }
  }
  return issues;
}

/** A TLS certificate and key that Node cannot serve with (not PEM, or a key of another certificate). */
async function tlsIssues(
  config: Config,
  sources: ReferenceSources,
  earlier: PendingIssue[],
): Promise<PendingIssue[]> {
  const tls = config.listen.tls;
  if (tls === undefined) return [];
  // An unreadable file is already reported as such.
  if (earlier.some((issue) => issue.code === 'path_unreadable' && issue.path[0] === 'listen')) return [];
  try {
    await readListenTls(tls, sources.readFile);
    return [];
  } catch (error) {
    return [
      {
        code: 'tls_pair_invalid',
        severity: 'error',
        path: ['listen', 'tls', 'keyFile'],
        message: error instanceof Error ? error.message.replace(/^listen\.tls: /, '') : 'unusable',
        fix: 'point certFile at the PEM certificate (leaf first) and keyFile at its own private key',
      },
    ];
  }
}

/**
 * Parses, resolves and validates the text of a config file. Returns the deep-frozen Config with
 * defaults applied and relative paths made absolute from `baseDir`; throws ConfigError listing
 * every problem found (YAML, references, schema, cross-field rules, named files), each at
 * file:line:column with a fix. No message ever holds a resolved reference value.
 *
 * @example
 * ```ts
 * const config = await parseConfig(text, { sourceName: 'portcullis.yaml', baseDir: '/etc/portcullis', env: process.env });
 * ```
 */
export async function parseConfig(text: string, options: ParseConfigOptions): Promise<Config> {
  const file = options.sourceName ?? '<config>';
  const env = options.env ?? process.env;
  const sources: ReferenceSources = {
    env,
    baseDir: options.baseDir,
    readFile: options.readFile ?? defaultReadFile,
    fileMode: options.fileMode ?? defaultFileMode,
  };
  const decoded = decodeConfigYaml(text);
  const locate = (issue: PendingIssue): ConfigIssue => locateIssue(issue, decoded, text, file);
  if (decoded.issues.length > 0) throw new ConfigError(file, decoded.issues.map(locate).sort(byPosition));

  const pending: PendingIssue[] = environmentIssues(decoded.value, env);
  const resolved = await resolveReferences(decoded.value, sources);
  pending.push(...resolved.issues, ...inlineSecretIssues(decoded.value, resolved.referenced, decoded));

  const parsed = configSchema.safeParse(resolved.value);
  let config: Config | undefined;
  if (parsed.success) {
    config = resolveConfigPaths(parsed.data, options.baseDir);
    const files = await fileIssues(config, sources);
    pending.push(
      ...files,
      ...(await tlsIssues(config, sources, files)),
      ...collectConfigWarnings(config, options.now),
    );
  } else {
    const failed = resolved.failed;
    const noise = (issue: PendingIssue): boolean => {
      const key = pathKey(issue.path);
      return failed.some((path) => key === path || key.startsWith(`${path.slice(0, -1)},`));
    };
    pending.push(...fromZodIssues(parsed.error.issues, resolved.value).filter((issue) => !noise(issue)));
  }

  const issues = pending.map(locate).sort(byPosition);
  if (config === undefined || issues.some((issue) => issue.severity === 'error')) {
    throw new ConfigError(file, issues);
  }
  for (const issue of issues) options.onWarning?.(issue);
  return deepFreeze(config);
}

/**
 * Reads and loads a config file (see `parseConfig`). Relative paths in it, and ${file:PATH}
 * references, start at the file's folder. An unreadable file throws ConfigError with
 * `file_unreadable`.
 *
 * @example
 * ```ts
 * const config = await loadConfigFile('portcullis.yaml', { onWarning: (w) => log.warn(w) });
 * ```
 */
export async function loadConfigFile(path: string, options: LoadConfigOptions = {}): Promise<Config> {
  const absolute = isAbsolute(path) ? path : resolve(path);
  let text: string;
  try {
    text = options.readFile === undefined ? await readBounded(absolute) : await options.readFile(absolute);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException | undefined)?.code ?? 'unreadable';
    throw new ConfigError(path, [
      {
        code: 'file_unreadable',
        severity: 'error',
        file: path,
        line: 1,
        column: 1,
        path: '',
        message: `the config file cannot be read (${reason})`,
        fix: 'check the path given to --config and the file permissions',
      },
    ]);
  }
  return parseConfig(text, { ...options, sourceName: path, baseDir: dirname(absolute) });
}
