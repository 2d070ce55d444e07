import type { z } from 'zod';
import type { ConfigIssueCode } from './config-issue-codes.js';
import type { PathSegment, PendingIssue } from './decode-config-yaml.js';
import { formatByMessage } from './fields.js';
import { knownKeysAt, suggestKey } from './suggest-key.js';

type ZodIssue = z.core.$ZodIssue;

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  record: 'a mapping (key: value)',
  array: 'a list',
};

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

/** What kind of value was written, without ever saying what the value is. */
function describeValue(value: unknown): string {
  if (value === null) return 'nothing';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'number') return Number.isInteger(value) ? 'an integer' : 'a number';
  if (typeof value === 'boolean') return 'a boolean';
  return `a ${typeof value}`;
}

const MISSING = Symbol('missing');

function valueAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = raw;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null || !Object.hasOwn(current, segment)) return MISSING;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

function pathOf(issue: { path: readonly PropertyKey[] }): PathSegment[] {
  return issue.path.map((segment) => (typeof segment === 'number' ? segment : String(segment)));
}

function make(
  path: PathSegment[],
  code: ConfigIssueCode,
  message: string,
  fix: string,
  needle?: unknown,
): PendingIssue {
  const issue: PendingIssue = { code, severity: 'error', path, message, fix };
  return typeof needle === 'string' ? { ...issue, needle } : issue;
}

/** A missing value, a null, or a value of the wrong type, for `expected` type names. */
function typeIssue(path: PathSegment[], raw: unknown, expected: readonly string[]): PendingIssue {
  const value = valueAt(raw, path);
  const wanted = [...new Set(expected.map(typeName))].join(' or ');
  const key = path.at(-1);
  if (value === MISSING || value === undefined) {
    return make(
      path,
      'missing_required',
      'this required setting is missing',
      `add ${String(key)}: followed by ${wanted}`,
    );
  }
  if (value === null)
    return make(path, 'wrong_type', 'has no value', `write ${wanted} after the colon, or remove the key`);
  const quote = expected.includes('string') && (typeof value === 'number' || typeof value === 'boolean');
  const fix = quote ? 'quote the value ("...") so YAML reads it as text' : `write ${wanted} here`;
  return make(path, 'wrong_type', `expected ${wanted}, found ${describeValue(value)}`, fix);
}

function unknownKeyIssues(path: PathSegment[], keys: readonly string[]): PendingIssue[] {
  const known = knownKeysAt(path);
  return keys.map((key) => {
    const suggestion = suggestKey(key, known);
    const fix =
      suggestion !== undefined
        ? `did you mean ${suggestion}? Rename it, or remove it`
        : `remove it; allowed here: ${known.join(', ')}`;
    return make([...path, key], 'unknown_key', `unknown key ${key}`, fix);
  });
}

function limitIssue(
  issue: Extract<ZodIssue, { code: 'too_small' | 'too_big' }>,
  path: PathSegment[],
): PendingIssue {
  const small = issue.code === 'too_small';
  const bound = Number(
    small ? (issue as { minimum: number | bigint }).minimum : (issue as { maximum: number | bigint }).maximum,
  );
  const code = small ? 'too_small' : 'too_big';
  const relation = small ? 'at least' : 'at most';
  if (issue.origin === 'array') {
    return make(
      path,
      code,
      `must list ${relation} ${bound} ${bound === 1 ? 'item' : 'items'}`,
      small ? 'add an entry' : 'remove entries',
    );
  }
  if (issue.origin === 'string') {
    return small && bound === 1
      ? make(path, code, 'must not be empty', 'write a value')
      : make(
          path,
          code,
          `must be ${relation} ${bound} characters long`,
          small ? 'lengthen it' : 'shorten it',
        );
  }
  return make(path, code, `must be ${relation} ${bound}`, `use a value ${small ? '≥' : '≤'} ${bound}`);
}

function convert(issue: ZodIssue, raw: unknown): PendingIssue[] {
  const path = pathOf(issue);
  switch (issue.code) {
    case 'custom': {
      const params = issue.params ?? {};
      const code = params['configCode'] as ConfigIssueCode | undefined;
      return [
        make(
          path,
          code ?? 'invalid_value',
          issue.message,
          String(params['fix'] ?? 'correct the value'),
          params['needle'],
        ),
      ];
    }
    case 'unrecognized_keys':
      return unknownKeyIssues(path, issue.keys);
    case 'invalid_type':
      return [typeIssue(path, raw, [issue.expected])];
    case 'invalid_union': {
      const details = issue as { note?: unknown; discriminator?: unknown; options?: unknown };
      if (details.note === 'No matching discriminator' && details.discriminator !== undefined) {
        const discriminator = String(details.discriminator);
        const options = (Array.isArray(details.options) ? details.options : []).map(String);
        const at = path.at(-1) === discriminator ? path : [...path, discriminator];
        const value = valueAt(raw, at);
        if (value === MISSING || value === undefined) {
          return [
            make(
              at,
              'missing_required',
              'this required setting is missing',
              `add ${discriminator}: one of ${options.join(', ')}`,
            ),
          ];
        }
        return [
          make(
            at,
            'invalid_value',
            `must be one of: ${options.join(', ')}`,
            `use one of: ${options.join(', ')}`,
          ),
        ];
      }
      const expected = issue.errors.flatMap((branch) =>
        branch.filter((inner) => inner.code === 'invalid_type').map((inner) => String(inner.expected)),
      );
      return [
        typeIssue(path, raw, expected.includes('number') || expected.includes('int') ? ['int'] : expected),
      ];
    }
    case 'invalid_value': {
      const values = issue.values.map(String);
      return [
        make(
          path,
          'invalid_value',
          `must be one of: ${values.join(', ')}`,
          `use one of: ${values.join(', ')}`,
        ),
      ];
    }
    case 'invalid_format': {
      const format = formatByMessage(issue.message);
      return format === undefined
        ? [make(path, 'invalid_format', `is not a valid ${issue.format}`, 'correct the value')]
        : [make(path, format.code ?? 'invalid_format', format.message, format.fix)];
    }
    case 'invalid_key': {
      const inner = issue.issues[0];
      const format = inner === undefined ? undefined : formatByMessage(inner.message);
      return [
        make(
          path,
          'invalid_key',
          `the key ${String(path.at(-1))} is not valid: ${format?.message ?? 'wrong form'}`,
          format?.fix ?? 'rename the key',
        ),
      ];
    }
    case 'too_small':
    case 'too_big':
      return [limitIssue(issue, path)];
    default:
      return [make(path, 'invalid_value', 'is not a valid value', 'correct the value')];
  }
}

/**
 * Turns zod's issues into config issues with stable codes, a message that never echoes the
 * value, a fix, and a did-you-mean for unknown keys. `raw` is the validated input, used only to
 * tell a missing key from a wrong value.
 */
export function fromZodIssues(issues: readonly ZodIssue[], raw: unknown): PendingIssue[] {
  return issues.flatMap((issue) => convert(issue, raw));
}
