import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { gotThrough, probeCli, probeFolder } from './test-support/probe-cli.js';

// `portcullis probe --config FILE` without --target: a dry run. The probe starts the shield of the
// config on loopback with echo upstreams, mints its own tokens and device keys, and plays the
// playbook. A clean config must come out clean; each planted misconfiguration must be found.

const SIGNER = 'ab'.repeat(32);
const HEAD = (dir: string) => `
mode: production
issuer: https://shield.example.com
store: { kind: sqlite, path: ./data/db.sqlite }
keys: { dir: ./data/keys }
trust: { androidRevocation: { file: ${dir}/android-status.json } }
apps:
  shop:
    audiences: [shop-api]
    android: { packageName: com.example.shop, signingCertSha256: ["${SIGNER}"] }
    debugTokens: [{ name: ci, sha256: "${'0'.repeat(64)}", expires: 2099-01-01 }]
  partner:
    audiences: [partner-api]
    debugTokens: [{ name: partner-ci, sha256: "${'1'.repeat(64)}", expires: 2099-01-01 }]
`;

/** What a careful owner writes: levels everywhere, a proof on payments, apps and a binding named. */
const CLEAN_ROUTES = `
routes:
  - id: payments
    match: { methods: [POST], path: /payments/session }
    upstream: https://payments.example/v1
    require: { token: true, level: hardware, proof: true, apps: [shop] }
    limits: [{ per: device, max: 3, window: 1h }]
  - id: orders
    match: { methods: [GET, POST], path: /orders/* }
    upstream: http://127.0.0.1:3000/api
    require: { token: true, level: device, apps: [shop] }
  - id: profile
    match: { methods: [GET], path: /me }
    upstream: http://127.0.0.1:3000
    require: { token: true, level: device, binding: true }
  - id: catalog
    match: { methods: [GET], path: /catalog }
    upstream: http://127.0.0.1:3000
    public: true
`;

/**
 * The same shield with two planted mistakes: a payment route that admits debug tokens while it
 * spends the provider's secret, and an SMS provider key injected through \${env:} instead of
 * secrets: (the shield cannot tell it is a secret, so its echo is relayed).
 */
const PLANTED_ROUTES = `
secrets:
  pay_key: \${env:PAY_KEY}
routes:
  - id: payments
    match: { methods: [POST], path: /payments/session }
    upstream: https://payments.example/v1
    require: { token: true, level: debug, apps: [shop] }
    inject: { headers: { authorization: "Bearer \${secret:pay_key}" } }
  - id: sms
    match: { methods: [POST], path: /sms/send }
    upstream: https://sms.example
    require: { token: true, level: device }
    inject: { headers: { x-api-key: "\${env:SMS_KEY}" } }
  - id: catalog
    match: { methods: [GET], path: /catalog }
    upstream: http://127.0.0.1:3000
    public: true
`;

const ENV = { PAY_KEY: 'pay_live_4f9a1c2e7b3d5a6f', SMS_KEY: 'sms_live_8e2d4c6a0b1f3e5d' };
const FAST = ['--rate', '1000', '--json'];

let folder: Awaited<ReturnType<typeof probeFolder>>;
before(async () => {
  folder = await probeFolder();
});
after(() => folder.remove());

describe('portcullis probe (dry run)', () => {
  test('a clean shield comes out clean: every case held or skipped with a reason, exit 0', async () => {
    const file = await folder.write('clean.yaml', HEAD(folder.dir) + CLEAN_ROUTES);
    const run = await probeCli(['--config', file, ...FAST], ENV, folder.dir);
    const report = run.report!;
    assert.ok(report, run.err);
    assert.deepEqual(gotThrough(report), []);
    assert.deepEqual(
      report.cases.filter((c) => c.outcome === 'inconclusive').map((c) => `${c.id}@${c.route}: ${c.detail}`),
      [],
    );
    assert.equal(run.code, 0);
    assert.equal(report.mode, 'dry-run');
    assert.equal(report.complete, true);
    assert.ok(report.requests.sent <= report.requests.max);
    // The playbook of the issue, each played for real against this config.
    const played = new Set(report.cases.filter((c) => c.outcome === 'held').map((c) => c.id));
    for (const id of [
      'token-missing',
      'token-forged-signature',
      'token-expired',
      'token-alg-none',
      'token-alg-confusion',
      'proof-replayed',
      'proof-moved',
      'token-other-app',
      'token-other-audience',
      'token-debug',
      'token-binding-mismatch',
      'path-spellings',
      'hop-by-hop',
      'identity-spoofing',
      'smuggling-cl-te',
      'oversized-head',
      'body-too-large',
    ]) {
      assert.ok(played.has(id), `${id} was played and held`);
    }
    // Every threat a case names is defined by the threat model.
    const model = readFileSync(new URL('../../../../docs/threat-model.md', import.meta.url), 'utf8');
    for (const threat of new Set(report.cases.flatMap((c) => c.threats))) {
      assert.match(model, new RegExp(`^\\| ${threat}( †)? \\|`, 'm'), threat);
    }
    // The report never carries a secret, token or proof.
    assert.ok(!run.out.includes(ENV.PAY_KEY) && !/eyJ[\w-]{20,}\./.test(run.out));
  });

  test('finds the planted mistakes: a debug-accepting payment route and a credential injected outside secrets:', async () => {
    const file = await folder.write('planted.yaml', HEAD(folder.dir) + PLANTED_ROUTES);
    const run = await probeCli(['--config', file, ...FAST], ENV, folder.dir);
    const report = run.report!;
    assert.ok(report, run.err);
    assert.equal(run.code, 1);
    const found = gotThrough(report);
    assert.ok(found.includes('token-debug@payments'), found.join(', '));
    const echo = report.cases.find((c) => c.id === 'secret-echo' && c.route === 'sms');
    assert.equal(echo?.outcome, 'got-through');
    assert.match(echo!.detail, /inline value of x-api-key/);
    assert.match(echo!.fix!, /secrets:/);
    const debug = report.cases.find((c) => c.id === 'token-debug' && c.route === 'payments')!;
    assert.match(debug.fix!, /require\.level/);
    // The key outside secrets: also makes the shield pass the user's credentials to the provider.
    const forwarding = report.cases.find((c) => c.id === 'credential-forwarding' && c.route === 'sms');
    assert.equal(forwarding?.outcome, 'got-through');
    assert.match(forwarding!.fix!, /outside secrets:/);
    // Nothing else is blamed on the planted config (the payments secret's echo is the shield's to
    // stop, and a shield that scans response bodies does).
    assert.deepEqual(
      found.filter(
        (entry) =>
          ![
            'token-debug@payments',
            'secret-echo@sms',
            'credential-forwarding@sms',
            'secret-echo@payments',
          ].includes(entry),
      ),
      [],
    );
    // The table names the same finding, with its fix, and says what to do.
    const table = await probeCli(['--config', file, '--rate', '1000'], ENV, folder.dir);
    assert.equal(table.code, 1);
    assert.match(table.out, /GOT THROUGH +A6-07 +payments/);
    assert.match(table.out, /fix: A debug credential reaches route payments/);
    assert.ok(
      !table.out.includes(ENV.SMS_KEY) && !table.out.includes(ENV.PAY_KEY),
      'no secret in the report',
    );
  });

  test('sends at most --max-requests requests; a run cut short says so and exits 1', async () => {
    const file = await folder.write('budget.yaml', HEAD(folder.dir) + CLEAN_ROUTES);
    const run = await probeCli(['--config', file, '--max-requests', '12', ...FAST], ENV, folder.dir);
    const report = run.report!;
    assert.equal(run.code, 1);
    assert.equal(report.complete, false);
    assert.ok(report.requests.sent <= 12, String(report.requests.sent));
    const skipped = report.cases.filter(
      (c) => c.outcome === 'skipped' && /budget of 12 requests/.test(c.detail),
    );
    assert.ok(skipped.length > 0);
  });
});
