/** A metric family read back from the Prometheus text format, escapes undone. */
export interface ParsedFamily {
  help: string;
  type: string;
  samples: Array<{ labels: Record<string, string>; value: number }>;
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
 * are contiguous, sample names match their family (counter and gauge only), counters are not
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
    if (sample[1] !== current || pendingHelp !== undefined) {
      throw new Error(`${where}: sample outside its family`);
    }
    const family = families.get(sample[1]!)!;
    const labels: Record<string, string> = {};
    for (const match of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) {
      if (Object.hasOwn(labels, match[1]!)) throw new Error(`${where}: label repeated`);
      labels[match[1]!] = unescapeText(match[2]!);
    }
    const value = number(sample[3]!);
    if (family.type === 'counter' && value < 0) throw new Error(`${where}: negative counter`);
    family.samples.push({ labels, value });
  });
  if (pendingHelp !== undefined) throw new Error('HELP at the end without a TYPE');
  return families;
}
