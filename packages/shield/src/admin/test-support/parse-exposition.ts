/** A metric family read back from the Prometheus text format, escapes undone. */
export interface ParsedFamily {
  help: string;
  type: string;
  samples: Array<{ suffix?: string; labels: Record<string, string>; value: number }>;
}

const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'] as const;

/** Histogram rules: `le` on buckets only, buckets cumulative and ending in +Inf equal to _count. */
function checkHistogram(name: string, family: ParsedFamily): void {
  const series = new Map<string, { buckets: Array<[number, number]>; count?: number }>();
  for (const sample of family.samples) {
    const { le, ...rest } = sample.labels;
    const key = JSON.stringify(Object.entries(rest).sort());
    const entry = series.get(key) ?? { buckets: [] };
    series.set(key, entry);
    if (sample.suffix === '_bucket') {
      if (le === undefined) throw new Error(`${name}: a bucket without le`);
      entry.buckets.push([number(le), sample.value]);
    } else {
      if (le !== undefined) throw new Error(`${name}: le outside a bucket`);
      if (sample.suffix === '_count') entry.count = sample.value;
    }
  }
  for (const [key, entry] of series) {
    let previous: [number, number] = [Number.NEGATIVE_INFINITY, 0];
    for (const bucket of entry.buckets) {
      if (!(bucket[0] > previous[0]) || bucket[1] < previous[1]) {
        throw new Error(`${name} ${key}: buckets are not in increasing le order with cumulative counts`);
      }
      previous = bucket;
    }
    if (previous[0] !== Number.POSITIVE_INFINITY || previous[1] !== entry.count) {
      throw new Error(`${name} ${key}: the last bucket must be le="+Inf" and equal _count`);
    }
  }
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const HELP = new RegExp(`^# HELP (${NAME}) ((?:[^\\\\\\n]|\\\\[\\\\n])*)$`);
const TYPE = new RegExp(`^# TYPE (${NAME}) (counter|gauge|histogram|summary|untyped)$`);
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\\\\n]|\\\\[\\\\"n])*"';
const VALUE = '(?:NaN|[+-]Inf|[+-]?(?:[0-9]+(?:\\.[0-9]*)?|\\.[0-9]+)(?:[eE][+-]?[0-9]+)?)';
const SAMPLE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL})(?:,${LABEL})*,?)?\\})? (${VALUE})(?: -?[0-9]+)?$`);

function unescapeText(text: string): string {
  return text.replace(/\\([\\"n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

function number(text: string): number {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/**
 * A strict reader of the text exposition format 0.0.4, for tests: every line must be a HELP, a
 * TYPE or a sample line; each family has one HELP and one TYPE before its samples, its samples
 * are contiguous, sample names match their family (a histogram's carry `_bucket`, `_sum` or
 * `_count`, its buckets are cumulative and end in +Inf equal to `_count`), counters are not
 * negative, and the text ends with a line feed. Throws an Error naming the line otherwise.
 */
export function parseExposition(text: string): Map<string, ParsedFamily> {
  if (!text.endsWith('\n')) throw new Error('the exposition must end with a line feed');
  const families = new Map<string, ParsedFamily>();
  const lines = text.slice(0, -1).split('\n');
  let current: string | undefined;
  let pendingHelp: { name: string; help: string } | undefined;
  lines.forEach((line, index) => {
    const where = `line ${index + 1}: ${JSON.stringify(line)}`;
    const help = HELP.exec(line);
    if (help !== null) {
      if (families.has(help[1]!) || pendingHelp !== undefined) throw new Error(`${where}: HELP repeated`);
      pendingHelp = { name: help[1]!, help: unescapeText(help[2]!) };
      return;
    }
    const type = TYPE.exec(line);
    if (type !== null) {
      const described = pendingHelp;
      if (described === undefined || described.name !== type[1]) {
        throw new Error(`${where}: TYPE without its HELP just before`);
      }
      if (families.has(type[1]!)) throw new Error(`${where}: TYPE repeated`);
      families.set(type[1]!, { help: described.help, type: type[2]!, samples: [] });
      current = type[1]!;
      pendingHelp = undefined;
      return;
    }
    const sample = SAMPLE.exec(line);
    if (sample === null) throw new Error(`${where}: not a HELP, TYPE or sample line`);
    const family = current === undefined ? undefined : families.get(current);
    const suffix =
      family?.type === 'histogram'
        ? HISTOGRAM_SUFFIXES.find((end) => sample[1] === `${current}${end}`)
        : undefined;
    if (
      family === undefined ||
      pendingHelp !== undefined ||
      (family.type === 'histogram' ? suffix === undefined : sample[1] !== current)
    ) {
      throw new Error(`${where}: sample outside its family`);
    }
    const labels: Record<string, string> = {};
    for (const match of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      if (Object.hasOwn(labels, match[1]!)) throw new Error(`${where}: label repeated`);
      labels[match[1]!] = unescapeText(match[2]!);
    }
    const value = number(sample[3]!);
    if ((family.type === 'counter' || family.type === 'histogram') && value < 0) {
      throw new Error(`${where}: negative counter`);
    }
    family.samples.push(suffix === undefined ? { labels, value } : { suffix, labels, value });
  });
  if (pendingHelp !== undefined) throw new Error('HELP at the end without a TYPE');
  for (const [name, family] of families) if (family.type === 'histogram') checkHistogram(name, family);
  return families;
}
