import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { renderInitConfig } from '../../config/index.js';
import { buildApk } from '../../scan/testing/build-app-layouts.js';
import { fakeSecrets } from '../../scan/testing/build-archives.js';
import type { CliIo } from '../io.js';
import { run } from '../main.js';

let dir: string;
let secrets: ReturnType<typeof fakeSecrets>;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-scan-cli-'));
  secrets = fakeSecrets();
  await writeFile(join(dir, 'shop.apk'), (await buildApk(secrets)).apk);
  await writeFile(join(dir, 'clean.apk'), (await buildApk(null)).apk);
});
after(() => rm(dir, { recursive: true, force: true }));

async function cli(args: string[], extra: Partial<CliIo> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await run(args, {
    out: (text) => out.push(text),
    err: (text) => err.push(text),
    env: { PATH: process.env['PATH'] ?? '' },
    cwd: dir,
    ...extra,
  });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('portcullis scan', () => {
  test('table: severity, rule, entry, redacted value; exit 1 at the default --fail-on high', async () => {
    const result = await cli(['scan', 'shop.apk']);
    assert.equal(result.code, 1);
    assert.match(
      result.out,
      /critical\s+stripe-secret-key\s+shop\.apk!\/assets\/index\.android\.bundle \(string \d+\)\s+sk_live_/,
    );
    assert.match(result.out, /What to do:/);
    assert.match(result.out, /14 findings \(2 critical, 8 high, 2 medium, 2 info\)/);
    for (const value of Object.values(secrets))
      assert.ok(!result.out.includes(value), 'no secret is printed whole');
  });

  test('--fail-on: a clean build passes; none never fails; a bad severity is a usage error', async () => {
    assert.equal((await cli(['scan', 'clean.apk'])).code, 0);
    assert.equal((await cli(['scan', 'clean.apk', '--fail-on', 'info'])).code, 0, 'not even information');
    assert.equal((await cli(['scan', 'shop.apk', '--fail-on', 'critical'])).code, 1);
    assert.equal((await cli(['scan', 'shop.apk', '--fail-on', 'none'])).code, 0);
    const bad = await cli(['scan', 'shop.apk', '--fail-on', 'severe']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /--fail-on severe: not a severity/);
    await writeFile(join(dir, 'corrupt.apk'), (await readFile(join(dir, 'clean.apk'))).subarray(0, 3000));
    const corrupt = await cli(['scan', 'corrupt.apk', '--fail-on', 'none']);
    assert.equal(corrupt.code, 1, 'an unreadable input fails even with --fail-on none');
    assert.match(corrupt.err, /corrupt\.apk: not a readable ZIP archive/);
    const missing = await cli(['scan', 'nowhere.apk']);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /nowhere\.apk: no such file or folder/);
  });

  test('--json and --sarif (2.1.0) carry fingerprints and redacted values only', async () => {
    const json = JSON.parse((await cli(['scan', 'shop.apk', '--json'])).out);
    assert.equal(json.schema, 'portcullis-scan/1');
    assert.equal(json.findings.length, 14);
    assert.ok(
      json.findings.every((finding: { fingerprint: string }) => /^[0-9a-f]{16}$/.test(finding.fingerprint)),
    );
    const sarifRun = await cli(['scan', 'shop.apk', '--sarif', '--output', 'report.sarif']);
    assert.equal(sarifRun.code, 1);
    const sarif = JSON.parse(await readFile(join(dir, 'report.sarif'), 'utf8'));
    assert.equal(sarif.version, '2.1.0');
    const [runLog] = sarif.runs;
    assert.equal(runLog.results.length, 14);
    const stripe = runLog.results.find((result: { ruleId: string }) => result.ruleId === 'stripe-secret-key');
    assert.equal(stripe.level, 'error');
    assert.equal(stripe.locations[0].physicalLocation.artifactLocation.uri, 'shop.apk');
    assert.equal(stripe.properties.entry, 'assets/index.android.bundle');
    assert.equal(runLog.tool.driver.rules[stripe.ruleIndex].id, 'stripe-secret-key');
    for (const value of Object.values(secrets)) assert.ok(!JSON.stringify(sarif).includes(value));
    assert.equal((await cli(['scan', 'shop.apk', '--json', '--sarif'])).code, 2);
  });

  test('an ignore file accepts findings by fingerprint, rule or path; a bad line names file:line', async () => {
    const json = JSON.parse((await cli(['scan', 'shop.apk', '--json'])).out);
    const high = json.findings.filter((finding: { severity: string }) =>
      ['high', 'critical'].includes(finding.severity),
    );
    const byRule = new Set(['slack-token', 'github-token', 'twilio-api-key', 'jwt', 'aws-access-key-id']);
    const lines = ['# accepted for this test build', 'path:assets/**', 'path:lib/*/libapp.so'];
    for (const finding of high) if (byRule.has(finding.ruleId)) lines.push(`rule:${finding.ruleId}`);
    lines.push(
      `${high.find((finding: { ruleId: string }) => finding.ruleId === 'mailgun-api-key').fingerprint}  # rotated`,
    );
    await writeFile(join(dir, '.portcullis-scan-ignore'), `${lines.join('\n')}\n`);
    const accepted = await cli(['scan', 'shop.apk']);
    assert.equal(accepted.code, 0, accepted.out);
    assert.match(accepted.out, /ignored/);
    await writeFile(join(dir, 'bad-ignore'), 'rule:stripe-secret-key\nnot a valid line\n');
    const bad = await cli(['scan', 'shop.apk', '--ignore-file', 'bad-ignore']);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /bad-ignore:2: "not a valid line" is not a fingerprint/);
    await rm(join(dir, '.portcullis-scan-ignore'));
  });

  test('--suggest-config prints secrets and routes that `portcullis check` accepts', async () => {
    const suggested = await cli(['scan', 'shop.apk', '--suggest-config']);
    assert.equal(suggested.code, 1);
    const fragment = parse(suggested.out) as {
      secrets: Record<string, string>;
      routes: { id: string; upstream: string }[];
    };
    assert.deepEqual(Object.keys(fragment.secrets).sort(), [
      'github',
      'mailgun_basic',
      'sendgrid',
      'slack',
      'stripe',
      'twilio_basic',
    ]);
    const stripe = fragment.routes.find((route) => route.id === 'stripe')!;
    assert.equal(stripe.upstream, 'https://api.stripe.com');
    assert.match(suggested.out, /authorization: "Bearer \$\{secret:stripe\}"/);
    assert.match(suggested.out, /aws-access-key-id in shop\.apk!\/assets\/\.env/);
    const base = parse(renderInitConfig({ issuer: 'https://shield.example.com', port: 8080 })) as Record<
      string,
      unknown
    >;
    const config = {
      ...base,
      secrets: fragment.secrets,
      routes: [...(base['routes'] as unknown[]), ...fragment.routes],
    };
    await writeFile(join(dir, 'portcullis.yaml'), stringify(config));
    const env = Object.fromEntries(
      [
        'STRIPE_SECRET_KEY',
        'SENDGRID_API_KEY',
        'MAILGUN_BASIC_AUTH',
        'TWILIO_BASIC_AUTH',
        'GITHUB_TOKEN',
        'SLACK_BOT_TOKEN',
      ].map((name) => [name, `value-of-${name}`]),
    );
    const check = await cli(['check', '--config', 'portcullis.yaml'], { env: { PATH: '', ...env } });
    assert.equal(check.code, 0, check.err);
    assert.match(check.out, /ok \(0 apps, 7 routes/);
  });

  test('progress bar only on a terminal', async () => {
    const drawn: string[] = [];
    await cli(['scan', 'shop.apk'], { stderrTerminal: { write: (text) => drawn.push(text), columns: 80 } });
    assert.ok(
      drawn.some((text) => /scanning \[#+-*\] 100%/.test(text)),
      drawn.join('|'),
    );
    const quiet = await cli(['scan', 'shop.apk']);
    assert.ok(!quiet.err.includes('scanning ['));
  });

  test('the shield does not load the scanner unless the scan command runs', async () => {
    const main = fileURLToPath(new URL('../main.ts', import.meta.url));
    const hooks = join(dir, 'hooks.mjs');
    await writeFile(
      hooks,
      `export async function resolve(specifier, context, next) {\n  const result = await next(specifier, context);\n  if (result.url.includes('/src/scan/')) process.stderr.write('loaded ' + result.url + '\\n');\n  return result;\n}\n`,
    );
    const script = `import { register } from 'node:module'; register(${JSON.stringify(`file://${hooks}`)}); const { run } = await import(${JSON.stringify(`file://${main}`)}); const io = { out() {}, err() {}, env: {}, cwd: process.cwd() }; await run(process.argv.slice(1), io);`;
    const exec = promisify(execFile);
    const help = await exec(process.execPath, [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
      '--',
      '--help',
    ]);
    assert.equal(help.stderr, '');
    const scan = await exec(process.execPath, [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
      '--',
      'scan',
      join(dir, 'clean.apk'),
      '--fail-on',
      'none',
    ]);
    assert.match(scan.stderr, /loaded .*\/src\/scan\/index\.ts/);
  });
});
