import type { ProbeReport } from './run-probe.js';

const LABELS = {
  held: 'held',
  'got-through': 'GOT THROUGH',
  inconclusive: 'unclear',
  skipped: 'skipped',
} as const;

/**
 * The report as a table for a terminal: one row per case (outcome, threat IDs, route, what was
 * tried), the observation under it, and a fix under every case that got through or is unclear;
 * then a summary line.
 */
export function formatProbeReport(report: ProbeReport): string {
  const lines: string[] = [];
  const how =
    report.mode === 'dry-run'
      ? `dry run (the probe started the shield on ${report.target}, every upstream an echo)`
      : `target ${report.target}`;
  lines.push(`portcullis probe: ${report.config}, ${how}`, '');
  const threatWidth = Math.max(7, ...report.cases.map((c) => c.threats.join(',').length));
  const routeWidth = Math.max(5, ...report.cases.map((c) => (c.route ?? '-').length));
  lines.push(`${'result'.padEnd(11)}  ${'threats'.padEnd(threatWidth)}  ${'route'.padEnd(routeWidth)}  case`);
  for (const result of report.cases) {
    lines.push(
      `${LABELS[result.outcome].padEnd(11)}  ${result.threats.join(',').padEnd(threatWidth)}  ${(result.route ?? '-').padEnd(routeWidth)}  ${result.title}`,
    );
    lines.push(`${' '.repeat(13)}${result.detail}`);
    if (result.fix !== null) lines.push(`${' '.repeat(13)}fix: ${result.fix}`);
  }
  const { held, gotThrough, inconclusive, skipped } = report.summary;
  lines.push(
    '',
    `${held} held, ${gotThrough} got through, ${inconclusive} unclear, ${skipped} skipped; ${report.requests.sent} requests (at most ${report.requests.max}, ${report.requests.ratePerSecond}/s)${report.complete ? '' : '; INCOMPLETE: the request budget ran out (--max-requests)'}`,
  );
  if (gotThrough > 0)
    lines.push('Something got through: fix the rows marked GOT THROUGH, then run the probe again.');
  return lines.join('\n');
}
