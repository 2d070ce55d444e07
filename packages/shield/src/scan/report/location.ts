import type { Finding, ScanNote } from '../types.js';

/** `file`, `file!/entry` or `file!/outer.apk!/inner`, as a person reads a path into an archive. */
export function locationOf(item: Pick<Finding | ScanNote, 'file' | 'entry'>): string {
  return item.entry === undefined ? item.file : `${item.file}!/${item.entry}`;
}

/** `line 12` for text, `string 4` for string tables, nothing for raw binary. */
export function positionOf(finding: Finding): string {
  if (finding.line === undefined) return '';
  return finding.format === 'text' ? `line ${finding.line}` : `string ${finding.line}`;
}
