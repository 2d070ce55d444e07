import type { ConfigIssue } from './config-error.js';
import {
  type DecodedYaml,
  type PathSegment,
  type PendingIssue,
  pathKey,
  type Site,
} from './decode-config-yaml.js';

/** `routes[0].match.path`, `apps["com.example"].ios`: the setting as a reader finds it. */
export function formatConfigPath(path: readonly PathSegment[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment)) text += text === '' ? segment : `.${segment}`;
    else text += `[${JSON.stringify(segment)}]`;
  }
  return text;
}

const KEY_CODES = new Set<ConfigIssue['code']>(['unknown_key', 'invalid_key']);

function offsetOf(issue: PendingIssue, source: DecodedYaml, text: string): number {
  if (issue.offset !== undefined) return issue.offset;
  let site: Site | undefined;
  let exact = true;
  for (let length = issue.path.length; length >= 0 && site === undefined; length -= 1) {
    site = source.sites.get(pathKey(issue.path.slice(0, length)));
    if (site === undefined) exact = false;
  }
  if (site === undefined) return 0;
  if (!exact || KEY_CODES.has(issue.code)) return site.keyOffset ?? site.start;
  if (issue.needle !== undefined) {
    const at = text.slice(site.start, site.end).indexOf(issue.needle);
    if (at >= 0) return site.start + at;
  }
  // An empty value, or a block mapping or list that starts on the next line: the key line is
  // where a reader looks.
  if (site.keyOffset !== undefined) {
    const keyLine = source.lineCounter.linePos(site.keyOffset).line;
    if (site.start === site.end || source.lineCounter.linePos(site.start).line !== keyLine)
      return site.keyOffset;
  }
  return site.start;
}

/**
 * Gives an issue its file, line and column: the exact offset when known, else the value at its
 * path (the key, for key problems), else the nearest enclosing setting that is written in the
 * file (a missing key points at its parent).
 */
export function locateIssue(
  issue: PendingIssue,
  source: DecodedYaml,
  text: string,
  file: string,
): ConfigIssue {
  const offset = offsetOf(issue, source, text);
  const { line, col } = source.lineCounter.linePos(offset);
  return {
    code: issue.code,
    severity: issue.severity,
    file,
    line: Math.max(1, line),
    column: Math.max(1, col),
    path: formatConfigPath(issue.path),
    message: issue.message,
    fix: issue.fix,
  };
}
