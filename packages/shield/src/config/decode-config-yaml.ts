import {
  type Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseDocument,
  visit,
} from 'yaml';
import type { ConfigIssueCode } from './config-issue-codes.js';

/** Largest config file accepted, in bytes. */
export const MAX_CONFIG_BYTES = 1024 * 1024;
/** Most alias nodes (`*name`) in one file: enough for reuse, too few for a billion-laughs bomb. */
export const MAX_YAML_ALIASES = 16;
/** Most values after expanding aliases. */
const MAX_VALUES = 20_000;
const MAX_DEPTH = 64;

const CORE_TAGS = new Set(
  ['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((name) => `tag:yaml.org,2002:${name}`),
);

export type PathSegment = string | number;

/** Where a value sits in the source (character offsets). */
export interface Site {
  /** Start of the key that names the value, for mapping entries. */
  keyOffset?: number;
  start: number;
  end: number;
}

/** An issue before it is given a line and column. */
export interface PendingIssue {
  code: ConfigIssueCode;
  severity: 'error' | 'warning';
  path: readonly PathSegment[];
  message: string;
  fix: string;
  /** Exact character offset, when known. */
  offset?: number;
  /** Text to look for inside the value's source, to point at the exact column. */
  needle?: string;
}

/** The plain value of a config file, with the position of every value in it. */
export interface DecodedYaml {
  /** Undefined when the YAML itself was refused. */
  value: unknown;
  sites: Map<string, Site>;
  lineCounter: LineCounter;
  issues: PendingIssue[];
}

/** Key of a path in `DecodedYaml.sites`. */
export function pathKey(path: readonly PropertyKey[]): string {
  return JSON.stringify(path.map((segment) => (typeof segment === 'number' ? segment : String(segment))));
}

const YAML_ERRORS: Partial<Record<string, { code: ConfigIssueCode; message: string; fix: string }>> = {
  DUPLICATE_KEY: {
    code: 'yaml_duplicate_key',
    message: 'this key appears twice in the same mapping',
    fix: 'keep one of the two entries',
  },
  MULTIPLE_DOCS: {
    code: 'yaml_multiple_documents',
    message: 'the file holds more than one YAML document',
    fix: 'remove the "---" separator and keep one document',
  },
  NON_STRING_KEY: {
    code: 'yaml_key_refused',
    message: 'mapping keys must be plain strings',
    fix: 'write the key as a plain word',
  },
  TAB_AS_INDENT: {
    code: 'yaml_syntax',
    message: 'tabs are not allowed as indentation',
    fix: 'indent with spaces',
  },
};

function issueAt(offset: number, code: ConfigIssueCode, message: string, fix: string): PendingIssue {
  return { code, severity: 'error', path: [], message, fix, offset };
}

class Decoder {
  readonly sites = new Map<string, Site>();
  readonly issues: PendingIssue[] = [];
  private values = 0;

  constructor(private readonly doc: Document.Parsed) {}

  /** Converts a node; `site` false keeps the site already recorded for `path` (an alias). */
  convert(
    node: Node | null,
    path: PathSegment[],
    keyOffset: number | undefined,
    depth: number,
    site = true,
  ): unknown {
    this.values += 1;
    if (this.values > MAX_VALUES || depth > MAX_DEPTH) {
      if (this.issues.every((issue) => issue.code !== 'yaml_alias_limit')) {
        this.issues.push(
          issueAt(
            node?.range?.[0] ?? 0,
            'yaml_alias_limit',
            depth > MAX_DEPTH ? 'values are nested too deeply' : 'aliases expand to too many values',
            'write the values out instead of nesting aliases',
          ),
        );
      }
      return undefined;
    }
    if (node === null) return null;
    const [start, end] = node.range ?? [0, 0];
    if (site)
      this.sites.set(pathKey(path), keyOffset === undefined ? { start, end } : { keyOffset, start, end });
    if (node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
      this.issues.push(
        issueAt(
          start,
          'yaml_tag_refused',
          'YAML tags other than the core ones are not allowed',
          'remove the tag and write a plain value',
        ),
      );
      return undefined;
    }
    if (isAlias(node)) {
      const target = node.resolve(this.doc);
      if (target === undefined) {
        this.issues.push(
          issueAt(
            start,
            'yaml_syntax',
            'this alias names no anchor defined before it',
            'define the anchor (&name) first',
          ),
        );
        return undefined;
      }
      return this.convert(target, path, keyOffset, depth + 1, false);
    }
    if (isScalar(node)) {
      const value = node.value;
      if (
        value === null ||
        typeof value === 'string' ||
        typeof value === 'number' ||
        typeof value === 'boolean'
      ) {
        return value;
      }
      this.issues.push(
        issueAt(
          start,
          'yaml_tag_refused',
          'only strings, numbers, booleans and null are allowed',
          'write a plain value',
        ),
      );
      return undefined;
    }
    if (isSeq(node)) {
      return node.items.map((item, index) =>
        this.convert(item as Node | null, [...path, index], undefined, depth + 1),
      );
    }
    if (isMap(node)) {
      const result: Record<string, unknown> = {};
      for (const pair of node.items) {
        const keyNode = pair.key as Node | null;
        const keyStart = keyNode?.range?.[0] ?? start;
        if (!isScalar(keyNode) || typeof keyNode.value !== 'string') {
          this.issues.push(
            issueAt(
              keyStart,
              'yaml_key_refused',
              'mapping keys must be plain strings',
              'write the key as a plain word',
            ),
          );
          continue;
        }
        const key = keyNode.value;
        if (key === '__proto__') {
          this.issues.push(
            issueAt(keyStart, 'yaml_key_refused', 'the key __proto__ is reserved', 'remove this key'),
          );
          continue;
        }
        const valueNode = pair.value as Node | null;
        const childPath = [...path, key];
        if (valueNode === null) {
          const keyEnd = keyNode.range?.[1] ?? keyStart;
          this.sites.set(pathKey(childPath), { keyOffset: keyStart, start: keyEnd, end: keyEnd });
        }
        result[key] = this.convert(valueNode, childPath, keyStart, depth + 1);
      }
      return result;
    }
    this.issues.push(
      issueAt(start, 'yaml_syntax', 'unsupported YAML node', 'write plain mappings, lists and values'),
    );
    return undefined;
  }
}

/**
 * Parses the YAML text of a config file into a plain value and the source position of every
 * value in it. Pure: it never reads the environment or files (references stay as written).
 * Refuses, with located issues: files over 1 MiB, syntax errors, duplicate keys, several
 * documents, non-core tags, non-string or `__proto__` keys, and more than MAX_YAML_ALIASES
 * aliases.
 */
export function decodeConfigYaml(text: string): DecodedYaml {
  const lineCounter = new LineCounter();
  const fail = (issues: PendingIssue[]): DecodedYaml => ({
    value: undefined,
    sites: new Map(),
    lineCounter,
    issues,
  });
  if (Buffer.byteLength(text, 'utf8') > MAX_CONFIG_BYTES) {
    return fail([
      issueAt(
        0,
        'file_too_large',
        'the file is larger than 1 MiB',
        'config files are small: check that the right file is named',
      ),
    ]);
  }
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, {
      lineCounter,
      prettyErrors: false,
      uniqueKeys: true,
      stringKeys: true,
      strict: true,
      merge: false,
      version: '1.2',
      schema: 'core',
    });
  } catch {
    return fail([
      issueAt(0, 'yaml_syntax', 'the file cannot be parsed as YAML', 'check the file is a YAML text file'),
    ]);
  }
  const problems = [
    ...doc.errors,
    ...doc.warnings.filter((warning) => warning.code !== 'TAG_RESOLVE_FAILED'),
  ];
  if (problems.length > 0) {
    // After the first syntax error the parser reports every later token as unexpected: only
    // the first one means something. Duplicate keys and the like are independent: keep all.
    const firstSyntax = problems.find((problem) => YAML_ERRORS[problem.code] === undefined);
    const kept = problems.filter(
      (problem) => problem === firstSyntax || YAML_ERRORS[problem.code] !== undefined,
    );
    return fail(
      kept.map((problem) => {
        const known = YAML_ERRORS[problem.code];
        if (problem.code === 'DUPLICATE_KEY') {
          const key = /^[^\s:,{}[\]]+/.exec(text.slice(problem.pos[0], problem.pos[0] + 200))?.[0] ?? '';
          return issueAt(
            problem.pos[0],
            'yaml_duplicate_key',
            `the key ${key} appears twice in the same mapping`,
            'keep one of the two entries',
          );
        }
        if (known !== undefined) return issueAt(problem.pos[0], known.code, known.message, known.fix);
        const lineStart = text.lastIndexOf('\n', problem.pos[0] - 1) + 1;
        const lineEnd = text.indexOf('\n', problem.pos[0]);
        const line = text.slice(lineStart, lineEnd === -1 ? undefined : lineEnd);
        const fix = line.includes(`\${`)
          ? `inside { } or [ ], quote references: "\${env:NAME}" (a bare { starts a YAML mapping)`
          : 'fix the YAML at this position (indentation, quotes, brackets)';
        return issueAt(problem.pos[0], 'yaml_syntax', `YAML syntax error: ${problem.message}`, fix);
      }),
    );
  }
  let aliases = 0;
  let aliasIssue: PendingIssue | undefined;
  visit(doc, {
    Alias(_key, node) {
      aliases += 1;
      if (aliases > MAX_YAML_ALIASES && aliasIssue === undefined) {
        aliasIssue = issueAt(
          node.range?.[0] ?? 0,
          'yaml_alias_limit',
          `the file uses more than ${MAX_YAML_ALIASES} aliases`,
          'write the repeated values out instead of using aliases',
        );
        return visit.BREAK;
      }
      return undefined;
    },
  });
  if (aliasIssue !== undefined) return fail([aliasIssue]);
  const contents = doc.contents as Node | null;
  if (!isMap(contents)) {
    const empty = contents === null || (isScalar(contents) && contents.value === null);
    return fail([
      issueAt(
        contents?.range?.[0] ?? 0,
        'not_a_mapping',
        empty ? 'the file is empty' : 'the file must be a mapping of settings (key: value lines)',
        'start from the file `portcullis init` writes',
      ),
    ]);
  }
  const decoder = new Decoder(doc);
  const value = decoder.convert(contents, [], undefined, 0);
  return decoder.issues.length > 0
    ? { value: undefined, sites: decoder.sites, lineCounter, issues: decoder.issues }
    : { value, sites: decoder.sites, lineCounter, issues: [] };
}
