import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fuzzParameters } from '../../test/support/fuzz-budget.js';
import { ConfigError } from './config-error.js';
import { CONFIG_ISSUE_CODES } from './config-issue-codes.js';
import { parseConfig } from './load-config.js';

// Fuzzing the config reader (A8-05, F-18): YAML from a file the owner edits, and from whatever an
// editor, a merge or a template engine made of it. Every input is either a config or a
// ConfigError whose issues point inside the file, with a known code; no message quotes the value
// of a referenced secret; nothing is read from disk.

const SECRET = 'fuzz-secret-value-7f3a9c1e5b';
const VALID = `mode: production
issuer: https://shield.example.com
store: { kind: memory }
keys: { dir: /keys }
apps:
  shop:
    audiences: [shop-api]
    debugTokens:
      - { name: ci, sha256: "${'a'.repeat(64)}", expires: 2099-01-01 }
secrets:
  key: \${env:FUZZ_SECRET}
routes:
  - id: pay
    match: { methods: [POST], path: /pay/session }
    upstream: https://api.example.com/v1
    require: { token: true, level: device }
    inject: { headers: { authorization: "Bearer \${secret:key}" } }
  - id: catalog
    match: { methods: [GET], path: /catalog }
    upstream: http://127.0.0.1:3000
    public: true
`;
const CODES = new Set<string>(CONFIG_ISSUE_CODES.map((entry) => entry.code));
const OPTIONS = {
  sourceName: 'fuzz.yaml',
  baseDir: '/nonexistent-portcullis-fuzz',
  env: { FUZZ_SECRET: SECRET },
  readFile: () => Promise.reject(Object.assign(new Error('no disk'), { code: 'ENOENT' })),
  fileMode: () => Promise.resolve(undefined),
};

const fragments = fc.constantFrom(
  ':',
  '- ',
  '{',
  '}',
  '[',
  ']',
  '&a ',
  '*a',
  '!!binary ',
  '!!js/function ',
  '? ',
  '|',
  '>',
  '#',
  '"',
  "'",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: config references, not templates
  '${env:FUZZ_SECRET}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: config references, not templates
  '${file:/etc/shadow}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: config references, not templates
  '${secret:key}',
  '$${',
  '\t',
  '\n',
  '\n  ',
  '~',
  'null',
  '<<: *a',
  '0x10',
  '1e999',
  '\u0000',
  '\ufeff',
  'é',
  '%YAML 1.1\n',
  '---\n',
  '...\n',
);
const texts = fc.oneof(
  fc.tuple(fc.nat(), fc.nat(40), fc.array(fragments, { maxLength: 3 })).map(([at, cut, inserted]) => {
    const i = at % VALID.length;
    return VALID.slice(0, i) + inserted.join('') + VALID.slice(Math.min(VALID.length, i + cut));
  }),
  fc
    .array(fc.oneof(fragments, fc.string({ maxLength: 6 })), { maxLength: 30 })
    .map((parts) => parts.join('')),
  fc.string({ unit: 'grapheme', maxLength: 200 }),
);

test('A8-05, F-18: the config reader returns a config or a ConfigError pointing inside the file, never echoing a secret', async () => {
  assert.equal((await parseConfig(VALID, OPTIONS)).secrets['key'], SECRET, 'the unmutated file loads');
  await fc.assert(
    fc.asyncProperty(texts, async (text) => {
      try {
        await parseConfig(text, OPTIONS);
      } catch (error) {
        assert.ok(error instanceof ConfigError, `threw ${String(error)}`);
        assert.ok(error.issues.length > 0);
        const lines = text.split(/\r\n|\r|\n/).length;
        for (const issue of error.issues) {
          assert.ok(CODES.has(issue.code), issue.code);
          assert.ok(issue.line >= 1 && issue.line <= lines + 1, `line ${issue.line} of ${lines}`);
          assert.ok(issue.column >= 1);
          assert.ok(
            !`${issue.message} ${issue.fix} ${issue.path}`.includes(SECRET),
            'an issue quotes the secret',
          );
        }
        assert.ok(!error.message.includes(SECRET));
      }
    }),
    fuzzParameters(150, 1),
  );
});
