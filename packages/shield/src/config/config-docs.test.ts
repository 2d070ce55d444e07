import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './config-error.js';
import { CONFIG_ISSUE_CODES } from './config-issue-codes.js';
import { generatedConfigJsonSchema, type JsonSchema } from './config-json-schema.js';
import { formatConfigError } from './format-config-error.js';
import { parseConfig } from './load-config.js';

const DOCS = fileURLToPath(new URL('../../../../docs/config.md', import.meta.url));

/** Every setting as docs/config.md names it: `apps.<name>.ios.teamId`, `routes[].match.path`. */
function settingPaths(node: JsonSchema, path = ''): string[] {
  const paths: string[] = [];
  const branches = [
    node,
    ...((node['anyOf'] as JsonSchema[]) ?? []),
    ...((node['oneOf'] as JsonSchema[]) ?? []),
  ];
  for (const branch of branches) {
    const properties = (branch['properties'] ?? {}) as Record<string, JsonSchema>;
    for (const [key, child] of Object.entries(properties)) {
      const childPath = path === '' ? key : `${path}.${key}`;
      paths.push(childPath, ...settingPaths(child, childPath));
    }
    const additional = branch['additionalProperties'];
    if (typeof additional === 'object' && additional !== null)
      paths.push(...settingPaths(additional as JsonSchema, `${path}.<name>`));
    const items = branch['items'];
    if (typeof items === 'object' && items !== null)
      paths.push(...settingPaths(items as JsonSchema, `${path}[]`));
  }
  return [...new Set(paths)];
}

function fenced(text: string, after: string, language: string): string {
  const start = text.indexOf(`\`\`\`${language}\n`, text.indexOf(after));
  assert.ok(start >= 0, `no ${language} block after ${after}`);
  const body = start + language.length + 4;
  return text.slice(body, text.indexOf('```', body));
}

describe('docs/config.md', () => {
  test('documents every setting of the schema', async () => {
    const docs = await readFile(DOCS, 'utf8');
    const missing = settingPaths(generatedConfigJsonSchema()).filter((path) => !docs.includes(`\`${path}\``));
    assert.deepEqual(missing, []);
  });

  test('lists every issue code with the meaning and fix of CONFIG_ISSUE_CODES, in order', async () => {
    const docs = await readFile(DOCS, 'utf8');
    const section = docs.slice(docs.indexOf('## Issue codes'));
    const rows = section
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) =>
        line
          .slice(1, -1)
          .split(' | ')
          .map((cell) => cell.trim()),
      );
    assert.deepEqual(
      rows,
      CONFIG_ISSUE_CODES.map((entry) => [`\`${entry.code}\``, entry.meaning, entry.fix]),
    );
  });

  test('shows what portcullis check really prints', async () => {
    const docs = await readFile(DOCS, 'utf8');
    const section = '## What `portcullis check` prints';
    const input = fenced(docs, section, 'yaml');
    const output = fenced(docs, section, 'text');
    const err = await parseConfig(input, {
      sourceName: 'portcullis.yaml',
      baseDir: '/etc/portcullis',
      env: {},
      readFile: async () => 'key',
      fileMode: async () => 0o100644,
    }).then(
      () => assert.fail('the documented file loads'),
      (error: unknown) => error,
    );
    assert.ok(err instanceof ConfigError);
    assert.equal(`${formatConfigError(err)}\n`, output);
  });
});
