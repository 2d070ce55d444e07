import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileRoutePolicies } from './compile-route-policies.js';
import { parseConfig } from './load-config.js';

async function policies(mode: 'production' | 'development', routes: string) {
  const config = await parseConfig(
    `mode: ${mode}
issuer: https://shield.example.com
store: { kind: memory }
trust: { androidRevocation: { file: /dev/null } }
apps:
  shop:
    audiences: [shop-api, admin-api]
    ios: { teamId: ABCDE12345, bundleIds: [com.example.shop] }
    debugTokens:
      - { name: ci, sha256: "${'a'.repeat(64)}", expires: 2099-01-01 }
  other:
    android:
      packageName: com.example.other
      signingCertSha256: ["${'ab'.repeat(32)}"]
      playIntegrity: { decode: google, serviceAccountFile: /dev/null }
secrets:
  key: \${env:KEY}
routes:
${routes}`,
    { baseDir: '/tmp', env: { KEY: 'k' }, readFile: async () => '{}', fileMode: async () => 0o100600 },
  );
  return compileRoutePolicies(config);
}

const TOKEN_ROUTE = `  - id: send
    match: { methods: [POST], path: /send }
    upstream: http://127.0.0.1:3000
    require: { token: true }
    limits: [{ per: device, max: 5, window: 1h }]
    inject: { headers: { x-key: "\${secret:key}" } }`;

test('a token route’s defaults are written out: the mode’s level, every app, their audiences', async () => {
  const [production] = await policies('production', TOKEN_ROUTE);
  assert.equal(production?.token?.minLevel, 'basic');
  assert.equal(production?.token?.minLevelSource, 'default');
  assert.deepEqual(production?.token?.apps, ['shop', 'other']);
  assert.deepEqual(production?.token?.audiences, ['shop-api', 'admin-api', 'other']);
  assert.equal(production?.token?.audiencesSource, 'default');
  assert.equal(production?.token?.mode, 'enforce');
  assert.deepEqual(production?.token?.keylessEvidence, ['play-integrity'], 'debug is below basic');
  assert.deepEqual(production?.limits.rules[0], {
    per: 'device',
    max: 5,
    windowSeconds: 3600,
    name: null,
    group: null,
    mode: 'enforce',
    field: null,
    cost: null,
  });
  assert.equal(production?.credentials, 'strip');
  assert.deepEqual(production?.inject, [{ header: 'x-key', template: `\${secret:key}`, secrets: ['key'] }]);
  // The route injects a secret: its upstream is a third party and gets no identity by default.
  assert.deepEqual(production?.identityHeaders, []);
  assert.equal(production?.identityHeadersSource, 'default');
  assert.equal(production?.proof, null);
  assert.ok(Object.isFrozen(production) && Object.isFrozen(production?.token?.apps));

  const [development] = await policies('development', TOKEN_ROUTE);
  assert.equal(development?.token?.minLevel, 'debug');
  assert.deepEqual(development?.token?.keylessEvidence, ['debug', 'play-integrity']);
});

test('what a route writes is kept and marked as the route’s; a public route has no token policy', async () => {
  const [admin, pay, catalog] = await policies(
    'production',
    `  - id: admin
    match: { path: /admin }
    upstream: http://127.0.0.1:3000
    require: { token: true, level: debug, apps: [shop], audiences: [admin-api] }
    tokenMode: monitor
  - id: pay
    match: { methods: [POST], path: /pay }
    upstream: http://127.0.0.1:3000
    require: { token: true, proof: true }
    proof: { skewSeconds: 10 }
  - id: catalog
    match: { path: /catalog }
    upstream: http://127.0.0.1:3000
    public: true`,
  );
  assert.deepEqual(
    [admin?.token?.minLevel, admin?.token?.minLevelSource, admin?.token?.audiences, admin?.token?.mode],
    ['debug', 'route', ['admin-api'], 'monitor'],
  );
  assert.deepEqual(pay?.proof, { skewSeconds: 10, onStoreOutage: 'refuse', retryAfterSeconds: 1 });
  assert.equal(pay?.limits.afterProof, true);
  assert.equal(catalog?.token, null);
  assert.deepEqual(catalog?.identityHeaders, ['client-address'], 'a public route has no token to tell');
  assert.deepEqual(admin?.identityHeaders, [
    'app',
    'device',
    'level',
    'platform',
    'token-id',
    'client-address',
  ]);
});

test('identityHeaders written by a route are kept as they are and marked as the route’s', async () => {
  const [send] = await policies('production', `${TOKEN_ROUTE}\n    identityHeaders: [app, client-address]`);
  assert.deepEqual(send?.identityHeaders, ['app', 'client-address']);
  assert.equal(send?.identityHeadersSource, 'route');
});
