import { isAbsolute, resolve } from 'node:path';
import { type PathSegment, type PendingIssue, pathKey } from './decode-config-yaml.js';
import { scanReferences } from './scan-references.js';

/** Largest file a ${file:PATH} reference may name. */
const MAX_REFERENCED_FILE_BYTES = 1024 * 1024;

/** How references reach the outside world; injectable for tests. */
export interface ReferenceSources {
  env: Readonly<Record<string, string | undefined>>;
  /** Folder that relative ${file:PATH} references start from. */
  baseDir: string;
  readFile(path: string): Promise<string>;
  /** POSIX mode bits of the file, or undefined where they mean nothing (Windows). */
  fileMode(path: string): Promise<number | undefined>;
}

export interface ResolvedReferences {
  value: unknown;
  issues: PendingIssue[];
  /** Paths whose reference failed: validation issues under them are noise. */
  failed: string[];
  /** Paths of strings that use an ${env:} or ${file:} reference (resolved or not). */
  referenced: Set<string>;
}

/** `routes[i].inject.headers.NAME` values keep ${secret:} placeholders for the gateway. */
function isSecretTemplatePath(path: readonly PathSegment[]): boolean {
  return path.length === 5 && path[0] === 'routes' && path[2] === 'inject' && path[3] === 'headers';
}

// A function replacement: in a replacement string, "$$" would collapse to "$".
const escapeTemplate = (text: string): string => text.replaceAll(`\${`, () => `$\${`);

class Resolver {
  readonly issues: PendingIssue[] = [];
  readonly failed: string[] = [];
  readonly referenced = new Set<string>();

  constructor(private readonly sources: ReferenceSources) {}

  private issue(
    path: readonly PathSegment[],
    issue: Omit<PendingIssue, 'path' | 'severity'>,
    severity: 'error' | 'warning' = 'error',
  ): void {
    this.issues.push({ ...issue, path, severity });
  }

  private async readReferencedFile(
    path: readonly PathSegment[],
    name: string,
    source: string,
  ): Promise<string | undefined> {
    const file = isAbsolute(name) ? name : resolve(this.sources.baseDir, name);
    let content: string;
    try {
      content = await this.sources.readFile(file);
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException | undefined)?.code ?? 'unreadable';
      this.issue(path, {
        code: 'file_reference_unreadable',
        message: `the file named by ${source} cannot be read (${reason})`,
        fix: 'create the file or correct the path (relative paths start at the config file’s folder)',
        needle: source,
      });
      return undefined;
    }
    if (content.length > MAX_REFERENCED_FILE_BYTES) {
      this.issue(path, {
        code: 'file_reference_unreadable',
        message: `the file named by ${source} is larger than 1 MiB`,
        fix: 'reference a file that holds only the value',
        needle: source,
      });
      return undefined;
    }
    const mode = await this.sources.fileMode(file).catch(() => undefined);
    if (mode !== undefined && (mode & 0o004) !== 0) {
      this.issue(
        path,
        {
          code: 'file_world_readable',
          message: `the file named by ${source} is readable by every user of this machine`,
          fix: `restrict it: chmod 600 ${file}`,
          needle: source,
        },
        'warning',
      );
    }
    return content.replace(/[\r\n]+$/, '');
  }

  async resolveString(value: string, path: readonly PathSegment[]): Promise<string | undefined> {
    if (!value.includes('$')) return value;
    const scanned = scanReferences(value);
    if (!scanned.ok) {
      this.issue(path, {
        code: 'reference_invalid',
        message: scanned.message,
        fix: scanned.fix,
        needle: scanned.source,
      });
      return undefined;
    }
    const template = isSecretTemplatePath(path);
    let result = '';
    let ok = true;
    for (const part of scanned.parts) {
      if (part.type === 'text') {
        result += template ? escapeTemplate(part.text) : part.text;
        continue;
      }
      if (part.kind === 'secret') {
        if (template) result += part.source;
        else {
          ok = false;
          this.issue(path, {
            code: 'secret_reference_misplaced',
            message: `\${secret:NAME} placeholders are only filled in routes[].inject.headers values`,
            fix: `use \${env:NAME} or \${file:PATH} here`,
            needle: part.source,
          });
        }
        continue;
      }
      this.referenced.add(pathKey(path));
      let resolved: string | undefined;
      if (part.kind === 'env') {
        resolved = this.sources.env[part.name];
        if (resolved === undefined) {
          this.issue(path, {
            code: 'env_unset',
            message: `the environment variable ${part.name} is not set`,
            fix: `set ${part.name} in the shield’s environment`,
            needle: part.source,
          });
        }
      } else {
        resolved = await this.readReferencedFile(path, part.name, part.source);
      }
      if (resolved === undefined) ok = false;
      else result += template ? escapeTemplate(resolved) : resolved;
    }
    return ok ? result : undefined;
  }

  async resolveValue(value: unknown, path: PathSegment[]): Promise<unknown> {
    if (typeof value === 'string') {
      const resolved = await this.resolveString(value, path);
      if (resolved === undefined) this.failed.push(pathKey(path));
      return resolved;
    }
    if (Array.isArray(value)) {
      const items: unknown[] = [];
      for (const [index, item] of value.entries())
        items.push(await this.resolveValue(item, [...path, index]));
      return items;
    }
    if (typeof value === 'object' && value !== null) {
      const result: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value))
        result[key] = await this.resolveValue(item, [...path, key]);
      return result;
    }
    return value;
  }
}

/**
 * Replaces every ${env:NAME} and ${file:PATH} reference in the string values of a decoded
 * config, and `$${` by `${`. In `routes[].inject.headers` values, ${secret:NAME} placeholders
 * are kept and everything else is escaped so the gateway reads only those placeholders; anywhere
 * else a ${secret:} is refused. Issues name the reference (variable name or path), never the
 * value it resolved to.
 */
export async function resolveReferences(
  value: unknown,
  sources: ReferenceSources,
): Promise<ResolvedReferences> {
  const resolver = new Resolver(sources);
  const resolved = await resolver.resolveValue(value, []);
  return {
    value: resolved,
    issues: resolver.issues,
    failed: resolver.failed,
    referenced: resolver.referenced,
  };
}
