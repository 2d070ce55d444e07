import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The threat model, relative to the repository root. */
export const THREAT_MODEL = 'docs/threat-model.md';

/** One `| ID | attack | what the shield does | tested in |` row of the threat model. */
export interface ThreatRow {
  id: string;
  /** Line of the row in the document (1-based). */
  line: number;
  /** Test files the row names; empty for `none` and for out-of-scope rows. */
  tests: string[];
  /** The reason, for a row whose `tested in` says `out of scope: <why>`. */
  outOfScope: string | null;
}

/** How a threat is covered: named by a test, out of scope with a reason, or not covered. */
export type ThreatCoverage =
  | { id: string; line: number; status: 'tested'; namedBy: string[] }
  | { id: string; line: number; status: 'out-of-scope'; reason: string }
  | { id: string; line: number; status: 'untested'; reason: string };

const ROW = /^\| ([A-F][0-9]{0,2}-[0-9]{2})( †)? \| (.+?) \| (.+?) \| (.+?) \|$/;
const OUT_OF_SCOPE = /^out of scope: (.+)$/;

/**
 * Reads the threat rows of the threat model's text. A row whose shape is not the documented one
 * throws, naming its line: the format is read by scripts and tests.
 */
export function readThreatRows(text: string): ThreatRow[] {
  const rows: ThreatRow[] = [];
  text.split('\n').forEach((line, index) => {
    if (!/^\| [A-F][0-9]{0,2}-/.test(line)) return;
    const match = ROW.exec(line);
    if (match === null)
      throw new Error(`${THREAT_MODEL}:${index + 1}: not | ID | attack | what the shield does | tested in |`);
    const cell = match[5]!;
    const scope = OUT_OF_SCOPE.exec(cell);
    const tests =
      cell === 'none' || scope !== null
        ? []
        : cell.split(', ').map((entry) => entry.replace(/^`(.+)`$/, '$1'));
    rows.push({
      id: match[1]!,
      line: index + 1,
      tests,
      outOfScope: scope === null ? null : scope[1]!.trim(),
    });
  });
  return rows;
}

/**
 * The coverage of every threat: `tested` when at least one of the test files its row names exists
 * and names the ID (in a test title, a describe or a comment), `out-of-scope` when the row says
 * why the shield cannot decide it, else `untested` with what is missing.
 */
export function threatCoverage(repoRoot: string): ThreatCoverage[] {
  const rows = readThreatRows(readFileSync(join(repoRoot, THREAT_MODEL), 'utf8'));
  return rows.map((row): ThreatCoverage => {
    if (row.outOfScope !== null) {
      return { id: row.id, line: row.line, status: 'out-of-scope', reason: row.outOfScope };
    }
    if (row.tests.length === 0)
      return { id: row.id, line: row.line, status: 'untested', reason: 'tested in: none' };
    const mention = new RegExp(`(?<![A-Za-z0-9-])${row.id}(?![0-9])`);
    const missing = row.tests.filter((file) => !existsSync(join(repoRoot, file)));
    const namedBy = row.tests.filter(
      (file) => existsSync(join(repoRoot, file)) && mention.test(readFileSync(join(repoRoot, file), 'utf8')),
    );
    if (namedBy.length > 0) return { id: row.id, line: row.line, status: 'tested', namedBy };
    return {
      id: row.id,
      line: row.line,
      status: 'untested',
      reason:
        missing.length > 0
          ? `missing test file ${missing.join(', ')}`
          : `no listed test names ${row.id} (${row.tests.join(', ')})`,
    };
  });
}
