/** One sample of a metric family: its labels (may be none) and value. */
export interface MetricSample {
  /** Histograms only: which series of the family the sample belongs to. */
  suffix?: '_bucket' | '_sum' | '_count';
  labels?: Readonly<Record<string, string>>;
  value: number;
}

/** A metric family as the Prometheus text format groups it: one HELP, one TYPE, its samples. */
export interface MetricFamily {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  samples: readonly MetricSample[];
}

/** The Content-Type of the text exposition format this module writes. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

// Exposition format 0.0.4: in HELP, backslash and line feed are escaped; in label values,
// the double quote as well.
function escapeHelp(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n');
}

function escapeLabelValue(text: string): string {
  return text.replaceAll('\\', '\\\\').replaceAll('\n', '\\n').replaceAll('"', '\\"');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

function formatLabels(labels: Readonly<Record<string, string>> | undefined): string {
  const entries = Object.entries(labels ?? {});
  if (entries.length === 0) return '';
  for (const [name] of entries) {
    if (!LABEL_NAME.test(name) || name.startsWith('__')) {
      throw new TypeError(
        'formatPrometheusText: label names are [a-zA-Z_][a-zA-Z0-9_]* without a leading __',
      );
    }
  }
  return `{${entries.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

/**
 * Writes metric families in the Prometheus text exposition format 0.0.4: for each family a
 * `# HELP` and a `# TYPE` line, then one line per sample (a histogram's as `_bucket`, `_sum`,
 * `_count` series), label values and help text escaped,
 * `NaN`/`+Inf`/`-Inf` spelled as the format wants, a final line feed. Throws a TypeError for a
 * name the format cannot carry or a family given twice (a caller bug, not a request's fault).
 *
 * @example
 * ```ts
 * formatPrometheusText([{ name: 'portcullis_up', help: 'Always 1.', type: 'gauge', samples: [{ value: 1 }] }]);
 * // '# HELP portcullis_up Always 1.\n# TYPE portcullis_up gauge\nportcullis_up 1\n'
 * ```
 */
export function formatPrometheusText(families: readonly MetricFamily[]): string {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const family of families) {
    if (!METRIC_NAME.test(family.name)) {
      throw new TypeError('formatPrometheusText: metric names are [a-zA-Z_:][a-zA-Z0-9_:]*');
    }
    if (seen.has(family.name)) throw new TypeError('formatPrometheusText: a metric family is given twice');
    seen.add(family.name);
    lines.push(`# HELP ${family.name} ${escapeHelp(family.help)}`, `# TYPE ${family.name} ${family.type}`);
    for (const sample of family.samples) {
      if ((sample.suffix !== undefined) !== (family.type === 'histogram')) {
        throw new TypeError('formatPrometheusText: histogram samples, and only they, carry a suffix');
      }
      lines.push(
        `${family.name}${sample.suffix ?? ''}${formatLabels(sample.labels)} ${formatValue(sample.value)}`,
      );
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
