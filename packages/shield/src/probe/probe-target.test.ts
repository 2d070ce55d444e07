import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { parseConfig } from '../config/index.js';
import { createShield, type Shield } from '../server/create-shield.js';
import { createLogger } from '../server/logger.js';
import { type EchoUpstream, startEchoUpstream } from './start-echo-upstream.js';
import { gotThrough, probeCli, probeFolder } from './test-support/probe-cli.js';

// `portcullis probe --config FILE --target URL`: the probe attacks a running shield with only what
// a client has (the JWKS, a debug credential, a route the owner marks as echoing) and judges it by
// the config, which describes what the deployment must do.

const CREDENTIAL = `dbg_${randomBytes(24).toString('base64url')}`;
const ENV = { PAY_KEY: 'pay_live_7c1e9a3b5d2f4e6a', PORTCULLIS_PROBE_DEBUG_TOKEN: CREDENTIAL };

function configText(dir: string, echo: string, plain: string, orders: string): string {
  return `
mode: production
issuer: https://shield.example.com
store: { kind: memory }
keys: { dir: ${join(dir, 'keys')} }
trust: { androidRevocation: { file: ${join(dir, 'android-status.json')} } }
apps:
  shop:
    audiences: [shop-api]
    android: { packageName: com.example.shop, signingCertSha256: ["${'cd'.repeat(32)}"] }
    debugTokens: [{ name: ci, sha256: "${createHash('sha256').update(CREDENTIAL).digest('hex')}", expires: 2099-01-01 }]
secrets:
  pay_key: \${env:PAY_KEY}
routes:
  - id: echo
    match: { methods: [GET, POST], path: /echo }
    upstream: ${echo}
    require: { token: true, level: debug, apps: [shop] }
  - id: payments
    match: { methods: [POST], path: /payments/session }
    upstream: ${plain}
    require: { token: true, level: hardware, proof: true, apps: [shop] }
    inject: { headers: { authorization: "Bearer \${secret:pay_key}" } }
${orders}
  - id: catalog
    match: { methods: [GET], path: /catalog }
    upstream: ${plain}
    public: true
`;
}

const PROTECTED_ORDERS = (plain: string) => `  - id: orders
    match: { methods: [GET], path: /orders/* }
    upstream: ${plain}
    require: { token: true, level: device, apps: [shop] }`;
/** The deployment that drifted from its config: orders left open. */
const OPEN_ORDERS = (plain: string) => `  - id: orders
    match: { methods: [GET], path: /orders/* }
    upstream: ${plain}
    public: true`;

let folder: Awaited<ReturnType<typeof probeFolder>>;
let echo: EchoUpstream;
let plain: Server;
let plainUrl: string;

async function startTarget(
  orders: string,
): Promise<{ shield: Shield; url: string; connections: () => number }> {
  const config = await parseConfig(configText(folder.dir, echo.url, plainUrl, orders), {
    sourceName: 'deployed.yaml',
    baseDir: folder.dir,
    env: ENV,
  });
  const shield = await createShield(config, { logger: createLogger({ level: 'silent' }) });
  let count = 0;
  shield.server.on('connection', () => count++);
  const url = await shield.listen(0, '127.0.0.1');
  return { shield, url, connections: () => count };
}

before(async () => {
  folder = await probeFolder();
  echo = await startEchoUpstream();
  plain = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
  plainUrl = `http://127.0.0.1:${(plain.address() as AddressInfo).port}`;
});
after(async () => {
  await echo.close();
  plain.closeAllConnections();
  await new Promise((resolve) => plain.close(resolve));
  await folder.remove();
});

describe('portcullis probe --target', () => {
  test('a running shield that does what its config says comes out clean (exit 0)', async () => {
    const target = await startTarget(PROTECTED_ORDERS(plainUrl));
    try {
      const file = await folder.write(
        'config.yaml',
        configText(folder.dir, echo.url, plainUrl, PROTECTED_ORDERS(plainUrl)),
      );
      const run = await probeCli(
        ['--config', file, '--target', target.url, '--echo-route', '/echo', '--rate', '1000', '--json'],
        ENV,
        folder.dir,
      );
      const report = run.report!;
      assert.ok(report, run.err);
      assert.equal(report.mode, 'target');
      assert.deepEqual(gotThrough(report), []);
      assert.deepEqual(
        report.cases
          .filter((c) => c.outcome === 'inconclusive')
          .map((c) => `${c.id}@${c.route}: ${c.detail}`),
        [],
      );
      assert.equal(run.code, 0);
      // With the debug credential and the echo route, the client-side playbook is played for real.
      const held = new Set(
        report.cases.filter((c) => c.outcome === 'held').map((c) => `${c.id}@${c.route ?? '-'}`),
      );
      for (const played of [
        'route-control@echo',
        'token-missing@orders',
        'token-debug@payments',
        'token-debug@orders',
        'token-in-query@echo',
        'token-alg-none@echo',
        'identity-spoofing@echo',
        'hop-by-hop@echo',
        'override-headers@echo',
        'path-spellings@payments',
        'smuggling-cl-te@-',
      ]) {
        assert.ok(held.has(played), `${played} held`);
      }
      // What needs the signing key is skipped with the reason, not passed off as held.
      const expired = report.cases.find((c) => c.id === 'token-expired')!;
      assert.equal(expired.outcome, 'skipped');
      assert.match(expired.detail, /dry run/);
      assert.ok(!run.out.includes(CREDENTIAL), 'the debug credential is never printed');
    } finally {
      await target.shield.close();
    }
  });

  test('a deployment that drifted from its config (a route left without a token) is caught (exit 1)', async () => {
    const target = await startTarget(OPEN_ORDERS(plainUrl));
    try {
      const file = await folder.write(
        'config.yaml',
        configText(folder.dir, echo.url, plainUrl, PROTECTED_ORDERS(plainUrl)),
      );
      const run = await probeCli(
        ['--config', file, '--target', target.url, '--rate', '1000', '--json'],
        ENV,
        folder.dir,
      );
      assert.equal(run.code, 1);
      const missing = run.report!.cases.find((c) => c.id === 'token-missing' && c.route === 'orders')!;
      assert.equal(missing.outcome, 'got-through');
      assert.equal(missing.status, 200);
      assert.match(missing.fix!, /require\.token: true/);
    } finally {
      await target.shield.close();
    }
  });

  test('the shield receives no more connections than --max-requests', async () => {
    const target = await startTarget(PROTECTED_ORDERS(plainUrl));
    try {
      const file = await folder.write(
        'config.yaml',
        configText(folder.dir, echo.url, plainUrl, PROTECTED_ORDERS(plainUrl)),
      );
      const run = await probeCli(
        ['--config', file, '--target', target.url, '--max-requests', '9', '--rate', '1000', '--json'],
        ENV,
        folder.dir,
      );
      assert.equal(run.code, 1);
      assert.equal(run.report!.complete, false);
      assert.ok(target.connections() <= 9, `${target.connections()} connections`);
      assert.ok(target.connections() > 0);
    } finally {
      await target.shield.close();
    }
  });

  test('usage errors exit 2: a target the config does not describe, bad bounds, an unknown echo route or app', async () => {
    const file = await folder.write(
      'config.yaml',
      configText(folder.dir, echo.url, plainUrl, PROTECTED_ORDERS(plainUrl)),
    );
    const cases: [string[], RegExp][] = [
      [['--target', 'https://someone-else.example'], /not the shield the config describes/],
      [['--target', 'https://shield.example.com/api'], /has a path/],
      [['--target', 'ftp://127.0.0.1'], /not an http\(s\) origin/],
      [['--echo-route', '/echo'], /goes with --target/],
      [
        ['--target', 'http://127.0.0.1:9', '--echo-route', '/nowhere'],
        /no route of the config takes this path/,
      ],
      [['--target', 'http://127.0.0.1:9', '--app', 'nope'], /not an app of the config/],
      [['--rate', '0'], /--rate must be an integer from 1 to 1000/],
      [['--max-requests', 'many'], /--max-requests must be an integer/],
    ];
    for (const [args, message] of cases) {
      const run = await probeCli(['--config', file, ...args], ENV, folder.dir);
      assert.equal(run.code, 2, args.join(' '));
      assert.match(run.err, message);
    }
  });
});
