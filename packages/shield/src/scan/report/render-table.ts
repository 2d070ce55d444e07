import { severityRank } from '../severity.js';
import type { ScanSummary } from '../types.js';
import { locationOf, positionOf } from './location.js';

function megabytes(bytes: number): string {
  return bytes < 1_000_000 ? `${(bytes / 1000).toFixed(1)} kB` : `${(bytes / 1_000_000).toFixed(1)} MB`;
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!)))
      .join('  ')
      .trimEnd(),
  );
}

/**
 * The readable report: one row per finding (most severe first), what to do for each rule found,
 * the notes, and a closing count line. No secret value appears, only redacted prefixes.
 */
export function renderTable(summary: ScanSummary): string {
  const lines: string[] = [];
  const findings = [...summary.findings].sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) || locationOf(a).localeCompare(locationOf(b)),
  );
  if (findings.length > 0) {
    const rows = [['SEVERITY', 'RULE', 'LOCATION', 'VALUE', 'FINGERPRINT']];
    for (const finding of findings) {
      const position = positionOf(finding);
      rows.push([
        finding.severity,
        finding.ruleId,
        `${locationOf(finding)}${position === '' ? '' : ` (${position})`}`,
        finding.redacted,
        finding.fingerprint,
      ]);
    }
    lines.push(...table(rows), '');
    lines.push('What to do:');
    const done = new Set<string>();
    for (const finding of findings) {
      const key = `${finding.ruleId}\0${finding.title}`;
      if (done.has(key)) continue;
      done.add(key);
      lines.push(`  ${finding.title} (${finding.ruleId}): ${finding.fix}`);
    }
    lines.push('');
  }
  if (summary.notes.length > 0) {
    lines.push('Notes:');
    for (const note of summary.notes) lines.push(`  ${locationOf(note)}: ${note.message}`);
    lines.push('');
  }
  const bySeverity = ['critical', 'high', 'medium', 'low', 'info']
    .map(
      (severity) => [severity, findings.filter((finding) => finding.severity === severity).length] as const,
    )
    .filter(([, count]) => count > 0)
    .map(([severity, count]) => `${count} ${severity}`);
  lines.push(
    `${findings.length} ${findings.length === 1 ? 'finding' : 'findings'}${bySeverity.length > 0 ? ` (${bySeverity.join(', ')})` : ''}` +
      `${summary.ignored > 0 ? `, ${summary.ignored} ignored` : ''}; ${summary.filesScanned} files scanned` +
      ` (${megabytes(summary.bytesScanned)}), ${summary.filesSkipped} skipped.`,
  );
  return lines.join('\n');
}
