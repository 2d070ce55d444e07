/**
 * `portcullis check` on hostile YAML: every file is refused (exit 1) with file:line:column, what
 * is wrong and a fix, never loaded half-way nor crashing. Runs the CLI in process.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { run } from '../../src/cli/main.js';

let dir: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-hostile-'));
  await writeFile(join(dir, 'status.json'), '{"entries":{}}');
});
after(() => rm(dir, { recursive: true, force: true }));

/** A valid production config; `extra` lines are appended at the top level. */
function config(extra = '', apps = ''): string {
  return `mode: production
issuer: https://shield.example.com
store: { kind: sqlite, path: ${dir}/db.sqlite }
keys: { dir: ${dir}/keys }
trust: { androidRevocation: { file: ${dir}/status.json } }
apps:
  shop:
    audiences: [shop-api]
    ios: { teamId: ABCDE12345, bundleIds: [com.example.shop], environments: [production] }
    android:
      packageName: com.example.shop
      signingCertSha256: ["${'ab'.repeat(32)}"]
${apps}routes:
  - id: catalog
    match: { methods: [GET], path: /catalog }
    upstream: http://127.0.0.1:3000
    public: true
${extra}`;
}

async function check(name: string, text: string): Promise<{ code: number; out: string; err: string }> {
  const file = join(dir, `${name}.yaml`);
  await writeFile(file, text);
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(['check', '--config', file], {
    out: (line) => out.push(line),
    err: (line) => err.push(line),
    env: { PATH: '' },
    cwd: dir,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

test('the base file checks (so every refusal below is the hostile part’s doing)', async () => {
  const result = await check('base', config());
  assert.equal(result.code, 0, result.err);
});

describe('hostile YAML is refused with file:line:column and a fix', () => {
  // [name, extra top-level YAML (from line 18), line of the issue, what the message says]
  const cases: Array<[string, string, number, RegExp]> = [
    [
      'a JS function tag',
      'listen: !!js/function "function () { return 1 }"',
      18,
      /tags other than the core ones/,
    ],
    ['a custom tag', 'listen: !shell { port: 8080 }', 18, /tags other than the core ones/],
    ['a binary tag', 'listen: { host: !!binary aGVsbG8= }', 18, /tags other than the core ones/],
    ['a set tag', 'listen: !!set { a, b }', 18, /tags other than the core ones/],
    ['a timestamp tag', 'listen: { host: !!timestamp 2001-12-14 }', 18, /tags other than the core ones/],
    ['a merge key', 'listen:\n  <<: { port: 8080 }', 19, /unknown key <</],
    [
      'an alias bomb',
      'a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b]',
      20,
      /more than 16 aliases/,
    ],
    ['an alias of the wrong shape', 'listen: &l { port: 8080 }\nhttp: *l', 18, /http\.port: unknown key/],
    ['a 20-digit integer', 'listen: { port: 99999999999999999999 }', 18, /listen\.port: must be at most/],
    ['positive infinity (.inf)', 'listen: { port: .inf }', 18, /listen\.port: expected an integer/],
    [
      'negative infinity (-.inf)',
      'http: { maxUrlBytes: -.inf }',
      18,
      /http\.maxUrlBytes: expected an integer/,
    ],
    ['not a number (.nan)', 'listen: { port: .nan }', 18, /listen\.port: expected an integer/],
    ['a fraction', 'http: { maxHeaders: 10.5 }', 18, /http\.maxHeaders: expected an integer/],
    ['a negative number', 'http: { maxHeaders: -1 }', 18, /http\.maxHeaders: must be at least/],
    ['a duplicate key in a nested map', 'listen:\n  port: 8080\n  port: 9090', 20, /key port appears twice/],
    ['a duplicate key in a flow map', 'listen: { port: 1, port: 2 }', 18, /key port appears twice/],
    ['a duplicate key spelled with quotes', 'listen: { port: 1, "port": 2 }', 18, /appears twice/],
    ['a duplicate key spelled with an escape', 'listen: { port: 1, "p\\u006frt": 2 }', 18, /appears twice/],
    ['a __proto__ key', 'listen: { __proto__: { port: 1 } }', 18, /__proto__ is reserved/],
    ['a non-string key', '? [a, b]\n: 1', 18, /keys must be plain strings/],
    ['a second document', '---\nmode: development', 18, /more than one YAML document/],
    ['values nested 100 deep', `x: ${'['.repeat(100)}${']'.repeat(100)}`, 18, /nested too deeply/],
    ['a NUL in a host', 'listen: { host: "127.0.0.1\\0" }', 18, /listen\.host: must be an IP address/],
  ];
  for (const [name, extra, line, message] of cases) {
    test(name, async () => {
      const result = await check(name.replaceAll(/[^a-z0-9]+/gi, '-'), config(extra));
      assert.equal(result.code, 1, result.out);
      assert.match(result.err, new RegExp(`${name.replaceAll(/[^a-z0-9]+/gi, '-')}\\.yaml:${line}:\\d+ `));
      assert.match(result.err, message);
      assert.match(result.err, /fix: /);
    });
  }

  test('CR LF in an injected header value, and references to prototype names, are refused', async () => {
    const crlf = await check(
      'crlf',
      config().replace(
        '    public: true\n',
        '    public: false\n    require: { token: true }\n    inject: { headers: { x-a: "a\\r\\nSet-Cookie: x=1" } }\n',
      ),
    );
    assert.equal(crlf.code, 1);
    assert.match(crlf.err, /crlf\.yaml:19:\d+ .*control character/);
    for (const [name, require, inject] of [
      ['app-ctor', '{ token: true, apps: [constructor] }', ''],
      ['secret-ctor', '{ token: true }', `\n    inject: { headers: { x-a: "\${secret:constructor}" } }`],
      ['secret-proto', '{ token: true }', `\n    inject: { headers: { x-a: "\${secret:__proto__}" } }`],
    ] as const) {
      const result = await check(
        name,
        config('secrets: { k: "abc" }\n').replace(
          '    public: true\n',
          `    public: false\n    require: ${require}${inject}\n`,
        ),
      );
      assert.equal(result.code, 1, `${name}: ${result.out}`);
      assert.match(result.err, new RegExp(`${name}\\.yaml:\\d+:\\d+ `));
    }
  });

  test('a file over 1 MiB is refused before it is parsed', async () => {
    const result = await check('huge', config(`# ${'x'.repeat(1024 * 1024)}`));
    assert.equal(result.code, 1);
    assert.match(result.err, /huge\.yaml:1:1 .*larger than 1 MiB/);
  });
});

describe('apps that accept the same device evidence (cross-app confusion)', () => {
  const twins: Array<[string, string]> = [
    [
      'the same App Attest App ID and environment',
      '  twin:\n    audiences: [twin-api]\n    ios: { teamId: ABCDE12345, bundleIds: [com.example.shop], environments: [production] }\n',
    ],
    [
      'the same Android package and signing certificate',
      `  twin:\n    audiences: [twin-api]\n    android:\n      packageName: com.example.shop\n      signingCertSha256: ["${'AB'.repeat(32)}"]\n`,
    ],
    [
      'the same debug credential',
      `  twin:\n    audiences: [twin-api]\n    debugTokens: [ { name: ci, sha256: "${'1'.repeat(64)}", expires: 2099-01-01 } ]\n  solo:\n    audiences: [solo-api]\n    debugTokens: [ { name: ci, sha256: "${'1'.repeat(64)}", expires: 2099-01-01 } ]\n`,
    ],
  ];
  for (const [name, apps] of twins) {
    test(`two apps with ${name} are refused: a client could pick whichever app it likes`, async () => {
      const result = await check(`twins-${name.replaceAll(/[^a-z]+/gi, '-')}`, config('', apps));
      assert.equal(result.code, 1, result.out);
      assert.match(result.err, /twin/);
    });
  }
});
