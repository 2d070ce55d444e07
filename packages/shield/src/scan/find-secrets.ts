import type { SecretRule } from './rules/secret-rule.js';
import type { Severity } from './types.js';

/** A candidate that passed its rule: the value stays inside the scanner. */
export interface SecretMatch {
  rule: SecretRule;
  /** Byte offset of the value in the scanned bytes. */
  offset: number;
  value: string;
  severity: Severity;
  title: string;
  fix: string;
}

interface CompiledRule {
  rule: SecretRule;
  pattern: RegExp;
}

interface Keyword {
  needle: Buffer;
  rules: number[];
}

/** Rules prepared for {@link findSecrets}: each distinct keyword once, for text and for binary. */
export interface SecretMatcher {
  rules: readonly CompiledRule[];
  /** Text: one regex alternating every keyword, and the rules of each keyword. */
  text: RegExp;
  textRules: ReadonlyMap<string, readonly number[]>;
  binary: readonly Keyword[];
}

/** Prepares `rules` once per scan: distinct keywords, each mapped to the rules that need it. */
export function compileRules(rules: readonly SecretRule[]): SecretMatcher {
  const compiled = rules.map((rule) => ({
    rule,
    pattern: new RegExp(rule.pattern.source, `${rule.pattern.flags.replace(/[gd]/g, '')}gd`),
  }));
  const build = (textual: boolean): Keyword[] => {
    const byNeedle = new Map<string, number[]>();
    compiled.forEach(({ rule }, index) => {
      if (!textual && rule.textOnly === true) return;
      for (const keyword of textual ? [...rule.keywords, ...(rule.textKeywords ?? [])] : rule.keywords) {
        const list = byNeedle.get(keyword) ?? [];
        list.push(index);
        byNeedle.set(keyword, list);
      }
    });
    return [...byNeedle].map(([needle, list]) => ({ needle: Buffer.from(needle, 'latin1'), rules: list }));
  };
  const text = build(true);
  const alternation = text
    .map((keyword) => keyword.needle.toString('latin1'))
    .sort((a, b) => b.length - a.length)
    .map((needle) => needle.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|');
  return {
    rules: compiled,
    text: new RegExp(alternation, 'g'),
    textRules: new Map(text.map((keyword) => [keyword.needle.toString('latin1'), keyword.rules])),
    binary: build(false),
  };
}

/**
 * Finds secrets in `bytes`. Each keyword is searched as plain bytes (Buffer#indexOf is a
 * memchr-speed search), and a rule's regex runs only on the windows around its keywords' hits,
 * merged where they overlap. Bytes are read as Latin-1, one character per byte, so offsets are
 * byte offsets; every rule looks for ASCII. `textual` also runs the rules that need a name next
 * to the value. A match that touches a window's edge inside the data is dropped (it may be cut).
 */
export function findSecrets(
  bytes: Buffer,
  textual: boolean,
  matcher: SecretMatcher,
  now: Date,
): SecretMatch[] {
  const hits: (number[] | undefined)[] = new Array(matcher.rules.length);
  const hit = (rules: readonly number[], at: number) => {
    for (const index of rules) {
      const list = hits[index];
      if (list === undefined) hits[index] = [at];
      else list.push(at);
    }
  };
  // Text: one pass of a regex over the Latin-1 string beats a byte search per keyword (many
  // keywords, many hits). Binary: few hits, so a memchr-speed byte search per keyword wins and
  // nothing is decoded but the windows around hits.
  let text: string | undefined;
  if (textual) {
    text = bytes.toString('latin1');
    const keywords = matcher.text;
    keywords.lastIndex = 0;
    for (let match = keywords.exec(text); match !== null; match = keywords.exec(text))
      hit(matcher.textRules.get(match[0])!, match.index);
  } else {
    for (const keyword of matcher.binary) {
      for (let at = bytes.indexOf(keyword.needle); at !== -1; at = bytes.indexOf(keyword.needle, at + 1))
        hit(keyword.rules, at);
    }
  }
  const found: SecretMatch[] = [];
  for (let index = 0; index < hits.length; index++) {
    const list = hits[index];
    if (list === undefined) continue;
    const { rule, pattern } = matcher.rules[index]!;
    list.sort((a, b) => a - b);
    const seen = new Set<number>();
    let i = 0;
    while (i < list.length) {
      const start = Math.max(0, list[i]! - rule.before - 1);
      let end = Math.min(bytes.length, list[i]! + rule.after + 32);
      while (i + 1 < list.length && list[i + 1]! - rule.before - 1 <= end) {
        i++;
        end = Math.min(bytes.length, list[i]! + rule.after + 32);
      }
      i++;
      const window = text === undefined ? bytes.toString('latin1', start, end) : text.slice(start, end);
      scanWindow(window, start, end, bytes.length, rule, pattern, now, seen, found);
    }
  }
  return found;
}

function scanWindow(
  text: string,
  start: number,
  end: number,
  length: number,
  rule: SecretRule,
  pattern: RegExp,
  now: Date,
  seen: Set<number>,
  found: SecretMatch[],
): void {
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match !== null; match = pattern.exec(text)) {
    if (match[0].length === 0) {
      pattern.lastIndex++;
      continue;
    }
    const matchEnd = match.index + match[0].length;
    if ((match.index === 0 && start > 0) || (matchEnd === text.length && end < length)) continue;
    const group =
      match.groups?.['secret'] !== undefined
        ? 'secret'
        : match.groups?.['quoted'] !== undefined
          ? 'quoted'
          : null;
    const value = group === null ? match[0] : match.groups![group]!;
    const relative = group === null ? match.index : match.indices!.groups![group]![0];
    const offset = start + relative;
    if (seen.has(offset)) continue;
    seen.add(offset);
    const verdict = rule.judge === undefined ? {} : rule.judge(value, { match, now });
    if (verdict === null) continue;
    found.push({
      rule,
      offset,
      value,
      severity: verdict.severity ?? rule.severity,
      title: verdict.title ?? rule.title,
      fix: verdict.fix ?? rule.fix,
    });
  }
}
