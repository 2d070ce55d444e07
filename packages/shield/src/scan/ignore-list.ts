import type { Finding } from './types.js';

/** Accepted findings, from an ignore file. */
export interface IgnoreList {
  matches(finding: Finding): boolean;
}

/** A line of an ignore file that is none of the three forms. */
export class IgnoreFileError extends Error {
  override readonly name = 'IgnoreFileError';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i]!;
    if (char === '*' && glob[i + 1] === '*') {
      source += '.*';
      i++;
      if (glob[i + 1] === '/') i++;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '[^/]';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/**
 * Parses an ignore file. Each line is a comment (`#`), blank, or one of:
 * a 16-hex-digit fingerprint (that value under that rule, wherever it is found),
 * `rule:<rule id>` (a rule everywhere), or `path:<glob>` (findings in matching files or archive
 * entries; `*` stays within a folder, `**` crosses folders). Throws an IgnoreFileError naming
 * the line otherwise.
 */
export function parseIgnoreList(text: string, knownRules: readonly string[]): IgnoreList {
  const fingerprints = new Set<string>();
  const rules = new Set<string>();
  const paths: RegExp[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.replace(/(^|\s)#.*$/, '').trim();
    if (line === '') return;
    if (/^[0-9a-f]{16}$/.test(line)) fingerprints.add(line);
    else if (line.startsWith('rule:')) {
      const id = line.slice(5).trim();
      if (!knownRules.includes(id))
        throw new IgnoreFileError(index + 1, `unknown rule "${id}" (known: ${knownRules.join(', ')})`);
      rules.add(id);
    } else if (line.startsWith('path:') && line.length > 5) paths.push(globToRegExp(line.slice(5).trim()));
    else
      throw new IgnoreFileError(
        index + 1,
        `"${line.slice(0, 40)}" is not a fingerprint (16 hex digits), rule:<id> or path:<glob>`,
      );
  });
  return {
    matches(finding) {
      if (fingerprints.has(finding.fingerprint) || rules.has(finding.ruleId)) return true;
      const names = [finding.file];
      if (finding.entry !== undefined) names.push(finding.entry, `${finding.file}!/${finding.entry}`);
      return paths.some((glob) => names.some((name) => glob.test(name)));
    },
  };
}
