import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ConfigIssue } from './config-error.js';
import { renderInitConfig } from './init-template.js';
import { parseConfig } from './load-config.js';

const ISSUER = 'https://shield.example.com';
const PLATFORMS = {
  ios: { teamId: 'ABCDE12345', bundleId: 'com.example.shop' },
  android: { packageName: 'com.example.shop', signingCertSha256: `${'AB:'.repeat(31)}AB` },
};

async function load(text: string, env: Record<string, string> = {}) {
  const warnings: ConfigIssue[] = [];
  const config = await parseConfig(text, {
    sourceName: 'portcullis.yaml',
    baseDir: '/srv/portcullis',
    env,
    readFile: async () => '-----BEGIN CERTIFICATE-----',
    fileMode: async () => 0o100600,
    onWarning: (warning) => warnings.push(warning),
  });
  return { config, warnings };
}

/** The text with every optional setting switched on: "# key: value" lines lose their "# ". */
function uncommented(text: string): string {
  return text
    .split('\n')
    .filter((line) => !line.includes('yaml-language-server'))
    .map((line) => line.replace(/^(\s*)# /, '$1'))
    .join('\n');
}

describe('renderInitConfig', () => {
  test('with no app: loads as written, with no environment and no warning', async () => {
    const { config, warnings } = await load(renderInitConfig({ issuer: ISSUER }));
    assert.deepEqual(warnings, []);
    assert.equal(config.mode, 'production');
    assert.equal(config.issuer, ISSUER);
    assert.deepEqual(config.apps, {});
    assert.deepEqual(config.secrets, {});
    assert.deepEqual(config.store, { kind: 'sqlite', path: '/srv/portcullis/data/portcullis.db' });
    assert.equal(config.routes.length, 1);
    assert.equal(config.routes[0]?.public, false);
    assert.equal(config.routes[0]?.require?.token, true);
  });

  test('with an iOS and Android app: loads as written', async () => {
    const { config, warnings } = await load(
      renderInitConfig({ issuer: ISSUER, port: 9443, appId: 'shop', ...PLATFORMS }),
    );
    assert.deepEqual(warnings, []);
    assert.equal(config.listen.port, 9443);
    assert.deepEqual(config.apps['shop']?.evidence, ['apple-app-attest', 'android-key-attestation']);
    assert.deepEqual(config.apps['shop']?.android?.signingCertSha256, ['ab'.repeat(32)]);
  });

  test('every optional setting it shows is valid once uncommented', async () => {
    const text = uncommented(renderInitConfig({ issuer: ISSUER, appId: 'shop', ...PLATFORMS }));
    assert.ok(
      text.includes('admin:') && text.includes('playIntegrity:') && text.includes('upstream_api_key'),
    );
    const { config } = await load(text, {
      HOSTNAME: 'shield-1',
      PORTCULLIS_ADMIN_TOKEN_SHA256: 'ab'.repeat(32),
      PORTCULLIS_CI_DEBUG_TOKEN_SHA256: 'cd'.repeat(32),
      UPSTREAM_API_KEY: 'sk_test_1',
    });
    assert.equal(config.instanceId, 'shield-1');
    assert.equal(config.admin?.port, 9090);
    assert.deepEqual(config.routes[0]?.require, {
      token: true,
      level: 'device',
      apps: ['shop'],
      audiences: ['shop'],
      proof: true,
      binding: false,
    });
    assert.equal(config.routes[0]?.inject?.headers['authorization'], `Bearer \${secret:upstream_api_key}`);
    assert.deepEqual(config.routes[0]?.limits, [
      { per: 'device', max: 60, window: 60 },
      { per: 'global', max: 5000, window: 60 },
    ]);
  });

  test('the e-mail example budgets to, cc and bcc together, counting addresses, per device, per IP and per app', async () => {
    const { config } = await load(
      uncommented(renderInitConfig({ issuer: ISSUER, appId: 'shop', ...PLATFORMS })),
      {
        HOSTNAME: 'shield-1',
        PORTCULLIS_ADMIN_TOKEN_SHA256: 'ab'.repeat(32),
        PORTCULLIS_CI_DEBUG_TOKEN_SHA256: 'cd'.repeat(32),
        UPSTREAM_API_KEY: 'sk_test_1',
      },
    );
    const email = config.routes.find((route) => route.id === 'email-send');
    assert.ok(email, 'the e-mail route is in the template');
    const budgets = email.limits.filter((limit) => limit.cost !== undefined);
    assert.deepEqual(
      budgets.map((limit) => limit.per),
      ['device', 'ip', 'app'],
    );
    for (const limit of budgets) {
      assert.deepEqual(limit.cost, {
        paths: ['$.to', '$.cc', '$.bcc'],
        count: 'addresses',
        whenUnreadable: 'refuse',
      });
    }
  });

  test(`explains with "## " lines, keeps secrets as \${env:} references, and writes an editor modeline on request`, () => {
    const text = renderInitConfig({ issuer: ISSUER, schemaPath: './portcullis.schema.json', ...PLATFORMS });
    assert.ok(text.startsWith('# yaml-language-server: $schema=./portcullis.schema.json\n'));
    assert.ok(text.split('\n').filter((line) => line.trimStart().startsWith('## ')).length > 30);
    assert.match(text, /tokenSha256: \$\{env:PORTCULLIS_ADMIN_TOKEN_SHA256\}/);
    assert.match(text, /upstream_api_key: \$\{env:UPSTREAM_API_KEY\}/);
  });

  test('development mode accepts an http issuer on the local network', async () => {
    const { config } = await load(
      renderInitConfig({ issuer: 'http://192.168.1.20:8080', mode: 'development' }),
    );
    assert.equal(config.mode, 'development');
  });

  test('refuses bad options with a TypeError naming the option', () => {
    assert.throws(() => renderInitConfig({ issuer: 'not a url' }), /issuer/);
    assert.throws(() => renderInitConfig({ issuer: 'http://shield.example.com' }), /https in production/);
    assert.throws(() => renderInitConfig({ issuer: ISSUER, port: 0 }), /port/);
    assert.throws(() => renderInitConfig({ issuer: ISSUER, appId: 'My App' }), /appId/);
    assert.throws(
      () => renderInitConfig({ issuer: ISSUER, ios: { teamId: 'x', bundleId: 'com.a.b' } }),
      /ios.teamId/,
    );
    assert.throws(
      () =>
        renderInitConfig({ issuer: ISSUER, android: { packageName: 'com.a.b', signingCertSha256: 'zz' } }),
      /android.signingCertSha256/,
    );
    assert.throws(() => renderInitConfig({ issuer: ISSUER, upstream: 'http://u:p@127.0.0.1' }), /upstream/);
  });
});
