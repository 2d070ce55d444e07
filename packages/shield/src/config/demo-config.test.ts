import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { DEMO_SIGNING_CERT_SHA256, demoConfigText } from './demo-config.js';
import { loadConfigFile, parseConfig } from './load-config.js';

const EXAMPLE_FILE = fileURLToPath(new URL('../../../../examples/shop/portcullis.yaml', import.meta.url));
const TOKEN_SHA256 = 'c0ffee'.repeat(10).concat('c0ff');
const SECRETS = { SHOP_EMAIL_API_KEY: 'email-key-1', SHOP_PAYMENTS_API_KEY: 'payments-key-1' };
const OPTIONS = {
  shieldPort: 8181,
  upstreamPort: 3131,
  dataDir: '/var/tmp/portcullis-demo',
  debugTokenSha256: TOKEN_SHA256,
  debugTokenExpires: '2027-06-30',
};

describe('demoConfigText', () => {
  test('loads without error or warning into the shop seed scenario', async () => {
    const warnings: unknown[] = [];
    const config = await parseConfig(demoConfigText(OPTIONS), {
      baseDir: '/',
      env: SECRETS,
      onWarning: (warning) => warnings.push(warning),
    });
    assert.deepEqual(warnings, []);
    assert.equal(config.mode, 'development');
    assert.equal(config.issuer, 'http://127.0.0.1:8181');
    assert.deepEqual(config.listen, { host: '127.0.0.1', port: 8181 });
    assert.deepEqual(config.store, { kind: 'sqlite', path: '/var/tmp/portcullis-demo/portcullis.db' });
    assert.equal(config.keys.dir, '/var/tmp/portcullis-demo/keys');
    const shop = config.apps['shop'];
    assert.deepEqual(shop?.audiences, ['shop-api']);
    assert.deepEqual(shop?.ios, {
      teamId: 'ABCDE12345',
      bundleIds: ['com.example.shop'],
      environments: ['development', 'production'],
    });
    assert.equal(shop?.android?.packageName, 'com.example.shop');
    assert.deepEqual(shop?.android?.signingCertSha256, [DEMO_SIGNING_CERT_SHA256]);
    assert.deepEqual(shop?.debugTokens, [{ name: 'demo', sha256: TOKEN_SHA256, expires: '2027-06-30' }]);
    assert.deepEqual(shop?.evidence, ['apple-app-attest', 'android-key-attestation', 'debug']);
    assert.deepEqual(config.secrets, { email_api_key: 'email-key-1', payments_api_key: 'payments-key-1' });
    assert.deepEqual(
      config.routes.map((route) => [
        route.id,
        route.match.methods,
        route.match.path,
        route.upstream,
        route.public,
        route.require,
        route.inject,
      ]),
      [
        [
          'payments-session',
          ['POST'],
          '/payments/session',
          'http://127.0.0.1:3131',
          false,
          { token: true, apps: ['shop'], proof: true, binding: false },
          { headers: { 'x-provider-key': `\${secret:payments_api_key}` } },
        ],
        [
          'email-send',
          ['POST'],
          '/email/send',
          'http://127.0.0.1:3131',
          false,
          { token: true, proof: false, binding: false },
          { headers: { 'x-provider-key': `\${secret:email_api_key}` } },
        ],
        ['catalog', ['GET'], '/catalog', 'http://127.0.0.1:3131', true, undefined, undefined],
      ],
    );
  });

  test('a data folder with odd characters stays a literal path', async () => {
    const dataDir = `/tmp/a "dir" with \${env:X} and \\ back`;
    const config = await parseConfig(demoConfigText({ ...OPTIONS, dataDir }), { baseDir: '/', env: SECRETS });
    assert.equal(config.keys.dir, `${dataDir}/keys`);
  });

  test('refuses bad options with a TypeError naming the option', () => {
    assert.throws(() => demoConfigText({ ...OPTIONS, shieldPort: 0 }), /shieldPort/);
    assert.throws(() => demoConfigText({ ...OPTIONS, upstreamPort: 70000 }), /upstreamPort/);
    assert.throws(() => demoConfigText({ ...OPTIONS, debugTokenSha256: 'abc' }), /debugTokenSha256/);
    assert.throws(() => demoConfigText({ ...OPTIONS, debugTokenExpires: 'next year' }), /debugTokenExpires/);
    assert.throws(() => demoConfigText({ ...OPTIONS, dataDir: '' }), /dataDir/);
  });

  test('examples/shop/portcullis.yaml is the same scenario', async () => {
    const env = {
      ...SECRETS,
      SHOP_SHIELD_PORT: '8181',
      SHOP_UPSTREAM_PORT: '3131',
      SHOP_DATA_DIR: OPTIONS.dataDir,
      SHOP_DEBUG_TOKEN_SHA256: TOKEN_SHA256,
      SHOP_DEBUG_TOKEN_EXPIRES: OPTIONS.debugTokenExpires,
    };
    const fromFile = await loadConfigFile(EXAMPLE_FILE, { env });
    const fromText = await parseConfig(demoConfigText(OPTIONS), { baseDir: '/', env: SECRETS });
    assert.deepEqual(fromFile, fromText);
  });
});
