import type { GatewayRecipe, Severity } from '../types.js';

/** What a rule's judge decided about one candidate. */
export interface Verdict {
  severity?: Severity;
  title?: string;
  fix?: string;
}

/** What a judge may look at besides the candidate value. */
export interface JudgeContext {
  /** The whole regex match, named groups included. */
  match: RegExpExecArray;
  /** Scan time (JWT lifetimes are judged against it). */
  now: Date;
}

/**
 * A pattern for one kind of secret. The scanner first looks for the rule's keywords as plain
 * bytes (fast), then runs `pattern` only on a window around each keyword it found.
 */
export interface SecretRule {
  id: string;
  title: string;
  severity: Severity;
  /** Literal byte sequences a match contains, or sits near (`before`/`after` bytes). */
  keywords: readonly string[];
  /**
   * More keywords, searched in text documents only: names (`aws_secret`, `twilio`) that give
   * context in source and config files but are not worth a pass over megabytes of machine code.
   */
  textKeywords?: readonly string[];
  /** Global regex; the value is the group `secret`, else the whole match. */
  pattern: RegExp;
  /** How far before a keyword and after it a match may reach. */
  before: number;
  after: number;
  /** Only in text documents, where names stand next to values (not in bare binary strings). */
  textOnly?: boolean;
  /** When two rules find the same value in one file, the higher priority keeps it (default 2). */
  priority?: number;
  /** Decides on a candidate: `null` drops it; may raise or lower the severity, retitle it. */
  judge?: (secret: string, context: JudgeContext) => Verdict | null;
  /** One or two sentences: what to do about such a key. */
  fix: string;
  recipe?: GatewayRecipe;
}
