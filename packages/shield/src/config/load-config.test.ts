import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ConfigError, type ConfigIssue } from './config-error.js';
import { CONFIG_ISSUE_CODES, type ConfigIssueCode } from './config-issue-codes.js';
import { formatConfigError } from './format-config-error.js';
import { loadConfigFile, type ParseConfigOptions, parseConfig } from './load-config.js';

const BASE_DIR = '/etc/portcullis';
const P256_SPKI = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .publicKey.export({ type: 'spki', format: 'der' })
  .toString('base64');
const MARK = '<@>';

/** The text without its marker, and the 1-based line and column where the marker was. */
function marked(text: string): { text: string; line: number; column: number } {
  const at = text.indexOf(MARK);
  assert.ok(at >= 0, 'test case has no <@> marker');
  const before = text.slice(0, at);
  const line = before.split('\n').length;
  const column = at - before.lastIndexOf('\n');
  return { text: before + text.slice(at + MARK.length), line, column };
}

interface Sources {
  env?: Record<string, string>;
  files?: Record<string, string>;
  modes?: Record<string, number>;
  now?: Date;
}

function options(sources: Sources, onWarning?: (issue: ConfigIssue) => void): ParseConfigOptions {
  const files = sources.files ?? {};
  return {
    sourceName: 'portcullis.yaml',
    baseDir: BASE_DIR,
    env: sources.env ?? {},
    readFile: async (path) => {
      const content = files[path];
      if (content === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return content;
    },
    fileMode: async (path) => sources.modes?.[path] ?? 0o100600,
    ...(sources.now === undefined ? {} : { now: sources.now }),
    ...(onWarning === undefined ? {} : { onWarning }),
  };
}

async function refusal(text: string, sources: Sources = {}): Promise<ConfigError> {
  try {
    await parseConfig(text, options(sources));
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('the config was accepted');
}

async function warnings(text: string, sources: Sources = {}): Promise<ConfigIssue[]> {
  const seen: ConfigIssue[] = [];
  await parseConfig(
    text,
    options(sources, (issue) => seen.push(issue)),
  );
  return seen;
}

const APP = `apps:
  shop:
    ios:
      teamId: ABCDE12345
      bundleIds: [com.example.shop]
`;
const ROUTE = `routes:
  - match: { methods: [POST], path: /payments/session }
    upstream: http://127.0.0.1:3000
    require: { token: true }
`;
const VALID = `issuer: https://shield.example.com
${APP}${ROUTE}`;

interface Case {
  name: string;
  code: ConfigIssueCode;
  /** YAML with a <@> marker where the issue must be reported. */
  yaml: string;
  path?: string;
  fix?: RegExp;
  message?: RegExp;
  severity?: 'warning';
  sources?: Sources;
}

const BOMB = `issuer: https://shield.example.com
a: &a [x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, <@>*b, *b]
`;

const CASES: Case[] = [
  {
    name: 'a YAML syntax error',
    code: 'yaml_syntax',
    yaml: `issuer: https://shield.example.com\nlisten:\n  host: "127.0.0.1\n<@>`,
    fix: /quotes/,
  },
  {
    name: 'an unquoted reference inside a flow mapping',
    code: 'yaml_syntax',
    yaml: `issuer: https://shield.example.com\nlisten: { port: $<@>{env:PORT} }\n`,
    fix: /quote references/,
  },
  {
    name: 'a duplicate key',
    code: 'yaml_duplicate_key',
    yaml: `issuer: https://shield.example.com\nlisten:\n  port: 1\n  <@>port: 2\n`,
    message: /port appears twice/,
  },
  {
    name: 'two documents',
    code: 'yaml_multiple_documents',
    yaml: `issuer: https://shield.example.com\n<@>---\nissuer: https://other.example.com\n`,
  },
  { name: 'an alias bomb', code: 'yaml_alias_limit', yaml: BOMB, fix: /write the repeated values out/ },
  {
    name: 'a binary tag',
    code: 'yaml_tag_refused',
    yaml: `issuer: https://shield.example.com\nsecrets:\n  key: !!binary <@>aGVsbG8=\n`,
  },
  {
    name: 'a __proto__ key',
    code: 'yaml_key_refused',
    yaml: `issuer: https://shield.example.com\nlisten:\n  <@>__proto__: { port: 1 }\n`,
  },
  { name: 'an empty file', code: 'not_a_mapping', yaml: '<@>', message: /empty/ },
  { name: 'a list instead of a mapping', code: 'not_a_mapping', yaml: '<@>- issuer\n' },
  {
    name: 'an unknown key with a suggestion',
    code: 'unknown_key',
    yaml: `issuer: https://shield.example.com\napps:\n  shop:\n    ios:\n      teamId: ABCDE12345\n      <@>bundleId: com.example.shop\n      bundleIds: [com.example.shop]\n`,
    path: 'apps.shop.ios.bundleId',
    fix: /did you mean bundleIds\?/,
  },
  {
    name: 'an unknown top-level key',
    code: 'unknown_key',
    yaml: `issuer: https://shield.example.com\n<@>listne:\n  port: 8080\n`,
    path: 'listne',
    fix: /did you mean listen\?/,
  },
  {
    name: 'an unknown route field',
    code: 'unknown_key',
    yaml: `issuer: https://shield.example.com\nroutes:\n  - match: { path: /a }\n    upstream: http://127.0.0.1:3000\n    public: true\n    <@>auth: none\n`,
    fix: /allowed here: .*require/,
  },
  {
    name: 'a missing issuer',
    code: 'missing_required',
    yaml: `<@>listen:\n  port: 8080\n`,
    path: 'issuer',
    fix: /add issuer:/,
  },
  {
    name: 'a route without upstream (points at the route)',
    code: 'missing_required',
    yaml: `issuer: https://shield.example.com\nroutes:\n  - <@>match: { path: /a }\n    public: true\n`,
    path: 'routes[0].upstream',
  },
  {
    name: 'a store without kind',
    code: 'missing_required',
    yaml: `issuer: https://shield.example.com\n<@>store:\n  path: ./x.db\n`,
    path: 'store.kind',
  },
  {
    name: 'a port that is not a number',
    code: 'wrong_type',
    yaml: `issuer: https://shield.example.com\nlisten:\n  port: <@>eighty\n`,
    path: 'listen.port',
    fix: /whole number/,
  },
  {
    name: 'a boolean written as a string',
    code: 'wrong_type',
    yaml: `issuer: https://shield.example.com\nroutes:\n  - match: { path: /a }\n    upstream: http://127.0.0.1:3000\n    public: <@>"yes"\n`,
    message: /expected true or false, found a string/,
  },
  {
    name: 'a key with no value',
    code: 'wrong_type',
    yaml: `issuer: https://shield.example.com\nkeys:\n  <@>dir:\n`,
    message: /has no value/,
  },
  {
    name: 'a bad enum value',
    code: 'invalid_value',
    yaml: `mode: <@>prod\nissuer: https://shield.example.com\n`,
    fix: /production, development/,
  },
  {
    name: 'an unknown store kind',
    code: 'invalid_value',
    yaml: `issuer: https://shield.example.com\nstore:\n  kind: <@>sqlit\n`,
    path: 'store.kind',
    fix: /memory, sqlite, redis\+postgres/,
  },
  {
    name: 'a malformed Team ID',
    code: 'invalid_format',
    yaml: `issuer: https://shield.example.com\napps:\n  shop:\n    ios:\n      teamId: <@>abcde12345\n      bundleIds: [com.example.shop]\n`,
    fix: /Membership/,
  },
  {
    name: 'a malformed app id',
    code: 'invalid_key',
    yaml: `issuer: https://shield.example.com\napps:\n  <@>Shop:\n    ios: { teamId: ABCDE12345, bundleIds: [com.example.shop] }\n`,
  },
  { name: 'port 0', code: 'too_small', yaml: `issuer: https://shield.example.com\nlisten:\n  port: <@>0\n` },
  {
    name: 'an empty bundle id list',
    code: 'too_small',
    yaml: `issuer: https://shield.example.com\napps:\n  shop:\n    ios:\n      teamId: ABCDE12345\n      bundleIds: <@>[]\n`,
    message: /at least 1 item/,
  },
  {
    name: 'a clock tolerance above 60 s',
    code: 'too_big',
    yaml: `issuer: https://shield.example.com\ntokens:\n  clockToleranceSeconds: <@>61\n`,
  },
  {
    name: 'a method listed twice',
    code: 'duplicate_value',
    yaml: `issuer: https://shield.example.com\nroutes:\n  - match: { methods: [GET, <@>GET], path: /a }\n    upstream: http://127.0.0.1:3000\n    public: true\n`,
  },
  {
    name: 'a token TTL above the maximum',
    code: 'value_conflict',
    yaml: `issuer: https://shield.example.com\ntokens:\n  maxTtlSeconds: 600\napps:\n  shop:\n    tokenTtlSeconds: <@>900\n    ios: { teamId: ABCDE12345, bundleIds: [com.example.shop] }\n`,
    fix: /raise tokens.maxTtlSeconds/,
  },
  {
    name: 'an address budget counting array lengths',
    code: 'value_conflict',
    yaml: `issuer: https://shield.example.com\n${ROUTE}    limits:\n      - { per: ip, max: 5, window: 1h, cost: { paths: [$.to, <@>$.cc.length] } }\n`,
    path: 'routes[0].limits[0].cost.paths[1]',
    fix: /count: elements/,
  },
  {
    name: 'headers timeout above request timeout',
    code: 'value_conflict',
    yaml: `issuer: https://shield.example.com\nhttp:\n  headersTimeoutMs: <@>40000\n  requestTimeoutMs: 30000\n`,
  },
  {
    name: 'an unknown reference kind',
    code: 'reference_invalid',
    yaml: `issuer: https://shield.example.com\ninstanceId: shield-<@>\${HOSTNAME}\n`,
    fix: /\$\$\{/,
  },
  {
    name: 'an unset environment variable',
    code: 'env_unset',
    yaml: `issuer: https://shield.example.com\n${APP}secrets:\n  stripe: sk_<@>\${env:STRIPE_KEY}\n`,
    path: 'secrets.stripe',
    message: /STRIPE_KEY is not set/,
  },
  {
    name: 'a missing referenced file',
    code: 'file_reference_unreadable',
    yaml: `issuer: https://shield.example.com\nsecrets:\n  stripe: <@>\${file:secrets/stripe}\n`,
    message: /cannot be read \(ENOENT\)/,
  },
  {
    name: 'a world-readable secret file',
    code: 'file_world_readable',
    severity: 'warning',
    yaml: `issuer: https://shield.example.com\nsecrets:\n  stripe: <@>\${file:stripe.key}\n${ROUTE}    inject: { headers: { authorization: "Bearer \${secret:stripe}" } }\n`,
    sources: {
      files: { '/etc/portcullis/stripe.key': 'sk\n' },
      modes: { '/etc/portcullis/stripe.key': 0o100644 },
    },
    fix: /chmod 600/,
  },
  {
    name: `an undeclared \${secret:}`,
    code: 'secret_undeclared',
    yaml: `issuer: https://shield.example.com\nsecrets:\n  stripe: \${env:STRIPE}\n${ROUTE}    inject: { headers: { authorization: "Bearer <@>\${secret:strpe}" } }\n`,
    sources: { env: { STRIPE: 'sk' } },
    message: /no secret strpe/,
  },
  {
    name: `a \${secret:} outside inject.headers`,
    code: 'secret_reference_misplaced',
    yaml: `issuer: https://shield.example.com\ninstanceId: <@>\${secret:name}\n`,
  },
  {
    name: 'an empty secret',
    code: 'secret_empty',
    yaml: `issuer: https://shield.example.com\nsecrets:\n  stripe: <@>\${env:STRIPE}\n`,
    sources: { env: { STRIPE: '' } },
    message: /A8-05/,
  },
  {
    name: 'a secret with a line break',
    code: 'secret_invalid_characters',
    yaml: `issuer: https://shield.example.com\nsecrets:\n  stripe: <@>\${env:STRIPE}\n`,
    sources: { env: { STRIPE: 'sk\r\nX-Evil: 1' } },
  },
  {
    name: 'an inline secret in production',
    code: 'secret_inline',
    yaml: `issuer: https://shield.example.com\nsecrets:\n  stripe: <@>sk_live_123\n`,
  },
  {
    name: 'an inline secret in development (warning)',
    code: 'secret_inline',
    severity: 'warning',
    yaml: `mode: development\nissuer: http://127.0.0.1:8080\nsecrets:\n  stripe: <@>sk_test_123\n${ROUTE}    inject: { headers: { authorization: "Bearer \${secret:stripe}" } }\n`,
  },
  {
    name: 'an unused secret (warning)',
    code: 'secret_unused',
    severity: 'warning',
    yaml: `issuer: https://shield.example.com\nsecrets:\n  stripe: <@>\${env:STRIPE}\n`,
    sources: { env: { STRIPE: 'sk' } },
  },
  {
    name: 'an http issuer in production',
    code: 'issuer_insecure',
    yaml: `issuer: <@>http://shield.example.com\n`,
  },
  {
    name: 'development mode with NODE_ENV=production',
    code: 'development_mode_in_production',
    yaml: `mode: <@>development\nissuer: http://127.0.0.1:8080\n`,
    sources: { env: { NODE_ENV: 'production' } },
  },
  {
    name: 'test-kit roots in production',
    code: 'development_in_production',
    yaml: `issuer: https://shield.example.com\n<@>development:\n  appleTestRootsFile: ./testkit/apple.pem\n`,
    sources: { files: { '/etc/portcullis/testkit/apple.pem': 'pem' } },
  },
  {
    name: 'a listener certificate and key Node cannot use',
    code: 'tls_pair_invalid',
    yaml: `issuer: https://shield.example.com\nlisten:\n  tls:\n    certFile: ./tls/cert.pem\n    keyFile: <@>./tls/key.pem\n`,
    sources: {
      files: {
        '/etc/portcullis/tls/cert.pem': 'not a certificate',
        '/etc/portcullis/tls/key.pem': 'not a key',
      },
    },
  },
  {
    name: 'NODE_TLS_REJECT_UNAUTHORIZED=0',
    code: 'tls_verification_disabled',
    yaml: `<@>issuer: https://shield.example.com\n`,
    sources: { env: { NODE_TLS_REJECT_UNAUTHORIZED: '0' } },
  },
  {
    name: 'a missing Apple roots file',
    code: 'path_unreadable',
    yaml: `issuer: https://shield.example.com\ntrust:\n  appleRootsFile: <@>./roots/apple.pem\n`,
  },
  {
    name: 'the memory store in production (warning)',
    code: 'store_memory_in_production',
    severity: 'warning',
    yaml: `issuer: https://shield.example.com\nstore:\n  kind: <@>memory\n`,
  },
  {
    name: 'an admin listener on all interfaces (warning)',
    code: 'admin_not_loopback',
    severity: 'warning',
    yaml: `issuer: https://shield.example.com\nadmin:\n  host: <@>0.0.0.0\n  tokenSha256: ${'ab'.repeat(32)}\n`,
  },
  {
    name: 'Android key attestation without a revocation list in production',
    code: 'trust_revocation_missing',
    yaml: `issuer: https://shield.example.com\n<@>trust:\n  appleRootsFile: ./apple.pem\napps:\n  shop:\n    android:\n      packageName: com.example.shop\n      signingCertSha256: ["${'AB:'.repeat(31)}AB"]\n`,
    sources: { files: { '/etc/portcullis/apple.pem': 'pem' } },
  },
  {
    name: 'an evidence kind without its section',
    code: 'app_evidence_unsupported',
    yaml: `issuer: https://shield.example.com\napps:\n  shop:\n    evidence: [apple-app-attest, <@>play-integrity]\n    ios: { teamId: ABCDE12345, bundleIds: [com.example.shop] }\n`,
    fix: /android.playIntegrity/,
  },
  {
    name: 'client-signals alone',
    code: 'app_evidence_insufficient',
    yaml: `issuer: https://shield.example.com\napps:\n  shop:\n    evidence: <@>[client-signals]\n    ios: { teamId: ABCDE12345, bundleIds: [com.example.shop] }\n`,
  },
  {
    name: 'an app with no way to mint a token',
    code: 'app_evidence_insufficient',
    yaml: `issuer: https://shield.example.com\napps:\n  <@>shop:\n    audiences: [shop-api]\n`,
  },
  {
    name: 'App Attest development keys in production (warning)',
    code: 'ios_development_environment',
    severity: 'warning',
    yaml: `issuer: https://shield.example.com\napps:\n  shop:\n    ios:\n      teamId: ABCDE12345\n      bundleIds: [com.example.shop]\n      environments: <@>[development, production]\n`,
  },
  {
    name: 'a Play Integrity decryption key of the wrong size',
    code: 'play_integrity_key_invalid',
    yaml: `issuer: https://shield.example.com\napps:\n  shop:\n    android:\n      packageName: com.example.shop\n      signingCertSha256: ["${'ab'.repeat(32)}"]\n      playIntegrity:\n        decode: local\n        decryptionKey: <@>\${env:PLAY_DECRYPTION_KEY}\n        verificationKey: \${env:PLAY_VERIFICATION_KEY}\ntrust:\n  androidRevocation: { url: "https://android.googleapis.com/attestation/status" }\n`,
    sources: {
      env: {
        PLAY_DECRYPTION_KEY: Buffer.alloc(16, 1).toString('base64'),
        PLAY_VERIFICATION_KEY: P256_SPKI,
      },
    },
    message: /32 bytes/,
  },
  {
    name: 'a debug token scoped to an unknown audience',
    code: 'debug_token_scope',
    yaml: `issuer: https://shield.example.com\napps:\n  shop:\n    audiences: [shop-api]\n    debugTokens:\n      - name: ci\n        sha256: ${'ab'.repeat(32)}\n        expires: 2027-01-01\n        scope: { audiences: [<@>admin-api] }\n`,
  },
  {
    name: 'an expired debug token (warning)',
    code: 'debug_token_expired',
    severity: 'warning',
    yaml: `issuer: https://shield.example.com\napps:\n  shop:\n    debugTokens:\n      - name: ci\n        sha256: ${'ab'.repeat(32)}\n        expires: <@>2026-01-01\n`,
    sources: { now: new Date('2026-06-01T00:00:00Z') },
  },
  {
    name: 'A9-03: a route that is neither public nor protected',
    code: 'route_unprotected',
    yaml: `issuer: https://shield.example.com\nroutes:\n  - <@>match: { path: /a }\n    upstream: http://127.0.0.1:3000\n`,
    fix: /require: \{ token: true \}/,
  },
  {
    name: 'a route with require.token false',
    code: 'route_unprotected',
    yaml: `issuer: https://shield.example.com\nroutes:\n  - match: { path: /a }\n    upstream: http://127.0.0.1:3000\n    require: { token: <@>false }\n`,
  },
  {
    name: 'a public route that requires a token',
    code: 'route_public_with_token',
    yaml: `issuer: https://shield.example.com\nroutes:\n  - match: { path: /a }\n    upstream: http://127.0.0.1:3000\n    public: true\n    require: { token: <@>true }\n`,
  },
  {
    name: 'require.apps naming an undeclared app',
    code: 'route_app_undeclared',
    yaml: `issuer: https://shield.example.com\n${APP}routes:\n  - match: { path: /a }\n    upstream: http://127.0.0.1:3000\n    require: { token: true, apps: [shop, <@>shpo] }\n`,
  },
  {
    name: 'a route audience no admitted app has',
    code: 'route_audience_undeclared',
    yaml: `issuer: https://shield.example.com\n${APP}routes:\n  - match: { path: /a }\n    upstream: http://127.0.0.1:3000\n    require: { token: true, audiences: [shop, <@>admin] }\n`,
    fix: /use one of: shop/,
  },
  {
    name: 'a production route that admits debug tokens',
    code: 'route_debug_level',
    severity: 'warning',
    yaml: `issuer: https://shield.example.com\n${APP}routes:\n  - match: { path: /a }\n    upstream: http://127.0.0.1:3000\n    require: { token: true, level: <@>debug }\n`,
  },
  {
    name: 'a production route that only monitors its token',
    code: 'route_token_monitor',
    severity: 'warning',
    yaml: `issuer: https://shield.example.com\n${APP}routes:\n  - match: { path: /a }\n    upstream: http://127.0.0.1:3000\n    require: { token: true }\n    tokenMode: <@>monitor\n`,
  },
  {
    name: 'a per-device limit on a route that admits debug tokens',
    code: 'route_limit_device_keyless',
    severity: 'warning',
    yaml: `mode: development\nissuer: https://shield.example.com\napps:\n  shop:\n    debugTokens: [{ name: ci, sha256: "${'a'.repeat(64)}", expires: 2099-01-01 }]\nroutes:\n  - match: { path: /a }\n    upstream: http://127.0.0.1:3000\n    require: { token: true }\n    limits: [{ per: <@>device, max: 1, window: 1h }]\n`,
    message: /device_key_required/,
  },
  {
    name: 'a route path with ..',
    code: 'route_path_invalid',
    yaml: `issuer: https://shield.example.com\nroutes:\n  - match: { path: <@>/a/../b }\n    upstream: http://127.0.0.1:3000\n    public: true\n`,
  },
  {
    name: 'a route path with a percent-encoding',
    code: 'route_path_invalid',
    yaml: `issuer: https://shield.example.com\nroutes:\n  - match: { path: <@>/a%2Fb }\n    upstream: http://127.0.0.1:3000\n    public: true\n`,
  },
  {
    name: 'a route under /v1/',
    code: 'route_reserved_path',
    yaml: `issuer: https://shield.example.com\nroutes:\n  - match: { path: <@>/v1/** }\n    upstream: http://127.0.0.1:3000\n    public: true\n`,
  },
  {
    name: 'two routes matching the same request',
    code: 'route_overlap',
    yaml: `issuer: https://shield.example.com\nroutes:\n  - match: { methods: [GET, POST], path: /stripe/** }\n    upstream: http://127.0.0.1:3000\n    public: true\n  - match: { methods: [POST], path: <@>/stripe/charges }\n    upstream: http://127.0.0.1:3001\n    public: true\n`,
    message: /POST requests can match both this route and routes\[0\]/,
  },
  {
    name: 'two routes with one id',
    code: 'route_id_duplicate',
    yaml: `issuer: https://shield.example.com\nroutes:\n  - id: api\n    match: { path: /a }\n    upstream: http://127.0.0.1:3000\n    public: true\n  - id: <@>api\n    match: { path: /b }\n    upstream: http://127.0.0.1:3000\n    public: true\n`,
  },
  {
    name: 'a TRACE route',
    code: 'route_method_refused',
    yaml: `issuer: https://shield.example.com\nroutes:\n  - match: { methods: [GET, <@>TRACE], path: /a }\n    upstream: http://127.0.0.1:3000\n    public: true\n`,
  },
  {
    name: 'a stripPrefix that is not a prefix',
    code: 'route_strip_prefix',
    yaml: `issuer: https://shield.example.com\nroutes:\n  - match: { path: /stripe/** }\n    stripPrefix: <@>/stri\n    upstream: http://127.0.0.1:3000\n    public: true\n`,
  },
  {
    name: 'an injected Host header',
    code: 'route_header_refused',
    yaml: `issuer: https://shield.example.com\nroutes:\n  - match: { path: /a }\n    upstream: http://127.0.0.1:3000\n    public: true\n    inject:\n      headers:\n        host: <@>evil.example\n`,
  },
  {
    name: 'Accept-Encoding injected on a route that injects a secret',
    code: 'route_header_refused',
    yaml: `issuer: https://shield.example.com\nsecrets:\n  stripe: \${env:STRIPE}\n${ROUTE}    inject:\n      headers:\n        authorization: "Bearer \${secret:stripe}"\n        accept-encoding: <@>gzip\n`,
    sources: { env: { STRIPE: 'sk' } },
  },
  {
    name: 'token identity headers on a public route',
    code: 'value_conflict',
    yaml: `issuer: https://shield.example.com\nroutes:\n  - match: { path: /a }\n    upstream: http://127.0.0.1:3000\n    public: true\n    identityHeaders: [client-address, <@>device]\n`,
  },
  {
    name: 'identity headers sent to a provider in production (warning)',
    code: 'route_identity_to_provider',
    severity: 'warning',
    yaml: `issuer: https://shield.example.com\nsecrets:\n  stripe: \${env:STRIPE}\n${ROUTE}    inject: { headers: { authorization: "Bearer \${secret:stripe}" } }\n    identityHeaders: <@>[device, client-address]\n`,
    sources: { env: { STRIPE: 'sk' } },
  },
  {
    name: 'an upstream with credentials',
    code: 'upstream_invalid',
    yaml: `issuer: https://shield.example.com\nroutes:\n  - match: { path: /a }\n    upstream: <@>http://user:pw@127.0.0.1:3000\n    public: true\n`,
  },
  {
    name: 'an upstream with a query',
    code: 'upstream_invalid',
    yaml: `issuer: https://shield.example.com\nroutes:\n  - match: { path: /a }\n    upstream: <@>http://127.0.0.1:3000/?env=staging\n    public: true\n`,
  },
];

describe('parseConfig refuses bad files at the right file:line:column with a fix', () => {
  for (const c of CASES) {
    test(c.name, async () => {
      const { text, line, column } = marked(c.yaml);
      const issues =
        c.severity === 'warning' ? await warnings(text, c.sources) : (await refusal(text, c.sources)).issues;
      const issue = issues.find((candidate) => candidate.code === c.code);
      assert.ok(issue, `no ${c.code} among ${JSON.stringify(issues, null, 1)}`);
      assert.equal(issue.severity, c.severity ?? 'error');
      assert.equal(issue.file, 'portcullis.yaml');
      assert.deepEqual({ line: issue.line, column: issue.column }, { line, column }, JSON.stringify(issue));
      assert.notEqual(issue.fix, '');
      if (c.path !== undefined) assert.equal(issue.path, c.path);
      if (c.fix !== undefined) assert.match(issue.fix, c.fix);
      if (c.message !== undefined) assert.match(issue.message, c.message);
    });
  }

  test('every issue code but file_unreadable has a case here (it needs loadConfigFile, tested below)', () => {
    const covered = new Set<string>(CASES.map((c) => c.code));
    const missing = CONFIG_ISSUE_CODES.map((entry) => entry.code).filter(
      (code) => !covered.has(code) && code !== 'file_unreadable' && code !== 'file_too_large',
    );
    assert.deepEqual(missing, []);
  });

  test('a file over 1 MiB is refused before parsing', async () => {
    const err = await refusal(`issuer: https://shield.example.com\n# ${'x'.repeat(1024 * 1024)}\n`);
    assert.deepEqual(
      err.issues.map((issue) => [issue.code, issue.line, issue.column]),
      [['file_too_large', 1, 1]],
    );
  });

  test('reports every problem at once, in file order', async () => {
    const err = await refusal(
      `mode: prod\nissuer: https://shield.example.com\nlisten:\n  port: 0\n  hots: 127.0.0.1\n`,
    );
    assert.deepEqual(
      err.issues.map((issue) => [issue.code, issue.line]),
      [
        ['invalid_value', 1],
        ['too_small', 4],
        ['unknown_key', 5],
      ],
    );
  });

  test('a failed reference is reported once, not again as a missing value', async () => {
    const err = await refusal(`issuer: \${env:ISSUER}\n`);
    assert.deepEqual(
      err.issues.map((issue) => issue.code),
      ['env_unset'],
    );
  });
});

describe('parseConfig on good files', () => {
  test('applies the safe defaults', async () => {
    const config = await parseConfig(VALID, options({}));
    assert.equal(config.mode, 'production');
    assert.deepEqual(config.listen, { host: '127.0.0.1', port: 8080 });
    assert.deepEqual(config.http, {
      maxBodyBytes: 1048576,
      maxUrlBytes: 8192,
      maxHeaders: 100,
      headersTimeoutMs: 15000,
      requestTimeoutMs: 30000,
      keepAliveTimeoutMs: 5000,
      trustedProxies: [],
      forwardedHeader: 'x-forwarded-for',
      ipv6LimitPrefix: 64,
    });
    assert.deepEqual(config.store, { kind: 'sqlite', path: '/etc/portcullis/data/portcullis.db' });
    assert.deepEqual(config.keys, { dir: '/etc/portcullis/data/keys', alg: 'ES256', publishAheadSeconds: 0 });
    assert.deepEqual(config.tokens, { clockToleranceSeconds: 30, maxTtlSeconds: 3600 });
    assert.deepEqual(config.challenges, { ttlSeconds: 300 });
    assert.deepEqual(config.trust, {
      androidRevocation: { refreshSeconds: 3600, maxAgeSeconds: 172800, onStale: 'refuse' },
    });
    assert.deepEqual(config.logging, { level: 'info' });
    assert.equal(config.admin, undefined);
    const shop = config.apps['shop'];
    assert.ok(shop);
    assert.deepEqual(shop.audiences, ['shop']);
    assert.equal(shop.tokenTtlSeconds, 300);
    assert.equal(shop.registrationMaxAge, 30 * 86400);
    assert.deepEqual(shop.evidence, ['apple-app-attest']);
    assert.deepEqual(shop.ios?.environments, ['production']);
    assert.deepEqual(shop.debugTokens, []);
    assert.deepEqual(config.routes[0], {
      id: 'post-payments-session',
      match: { methods: ['POST'], path: '/payments/session' },
      upstream: 'http://127.0.0.1:3000',
      public: false,
      require: { token: true, proof: false, binding: false },
      limits: [],
      forwardCredentials: false,
      tokenMode: 'enforce',
      limitMode: 'enforce',
      onStoreFailure: 'closed',
      timeouts: { connectMs: 2000, headersMs: 10000, bodyMs: 30000 },
    });
  });

  test('derives evidence from the sections and policy defaults for Android', async () => {
    const config = await parseConfig(
      `issuer: https://shield.example.com
trust: { androidRevocation: { url: "https://android.googleapis.com/attestation/status" } }
apps:
  shop:
    android:
      packageName: com.example.shop
      signingCertSha256: ["${'AB:'.repeat(31)}AB"]
      keyAttestation: { policy: lenient, requireLockedBootloader: true }
      playIntegrity: { decode: google, serviceAccountFile: sa.json }
    debugTokens: [{ name: ci, sha256: ${'AB'.repeat(32)}, expires: 2027-01-01 }]
`,
      options({ files: { '/etc/portcullis/sa.json': '{}' } }),
    );
    const android = config.apps['shop']?.android;
    assert.deepEqual(config.apps['shop']?.evidence, ['android-key-attestation', 'play-integrity', 'debug']);
    assert.deepEqual(android?.signingCertSha256, ['ab'.repeat(32)]);
    assert.deepEqual(android?.keyAttestation, {
      policy: 'lenient',
      minSecurityLevel: 'tee',
      requireVerifiedBoot: false,
      requireLockedBootloader: true,
    });
    assert.deepEqual(android?.playIntegrity, {
      decode: 'google',
      serviceAccountFile: '/etc/portcullis/sa.json',
      maxAgeSeconds: 300,
      minDeviceRecognition: 'MEETS_DEVICE_INTEGRITY',
      appRecognition: 'PLAY_RECOGNIZED',
      requireLicensed: false,
    });
    assert.equal(config.apps['shop']?.debugTokens[0]?.sha256, 'ab'.repeat(32));
  });

  test('returns a deep-frozen config', async () => {
    const config = await parseConfig(VALID, options({}));
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.routes));
    assert.ok(Object.isFrozen(config.routes[0]?.match.methods));
    assert.ok(Object.isFrozen(config.apps['shop']?.ios?.bundleIds));
    assert.throws(() => {
      (config.listen as { port: number }).port = 1;
    }, TypeError);
  });

  test(`resolves \${env:} and \${file:} references, trims the file’s trailing newline, and unescapes $\${`, async () => {
    const config = await parseConfig(
      `issuer: https://shield.example.com
instanceId: shield-\${env:INSTANCE}
listen:
  port: \${env:PORT}
keys:
  dir: /var/lib/$\${keys}
secrets:
  stripe: \${file:secrets/stripe.key}
${ROUTE}    inject:
      headers:
        authorization: "Bearer \${secret:stripe}"
`,
      options({
        env: { INSTANCE: '7', PORT: '9000' },
        files: { '/etc/portcullis/secrets/stripe.key': 'sk_live_1\r\n' },
      }),
    );
    assert.equal(config.instanceId, 'shield-7');
    assert.equal(config.listen.port, 9000);
    assert.equal(config.keys.dir, `/var/lib/\${keys}`);
    assert.equal(config.secrets['stripe'], 'sk_live_1');
    assert.equal(config.routes[0]?.inject?.headers['authorization'], `Bearer \${secret:stripe}`);
  });

  test(`a literal "\${" never reaches an injected header, where the gateway would read it as a placeholder`, async () => {
    const { text, line, column } = marked(
      `issuer: https://shield.example.com
secrets:
  stripe: \${env:STRIPE}
${ROUTE}    inject:
      headers:
        authorization: "Bearer \${secret:stripe}"
        x-literal: <@>"$\${secret:stripe}"
        x-from-env: \${env:HEADER}
`,
    );
    const err = await refusal(text, { env: { STRIPE: 'sk', HEADER: `v\${secret:stripe}` } });
    assert.deepEqual(
      err.issues.map((issue) => [issue.code, issue.path, issue.line, issue.column]),
      [
        ['reference_invalid', 'routes[0].inject.headers.x-literal', line, column],
        ['reference_invalid', 'routes[0].inject.headers.x-from-env', line + 1, 21],
      ],
    );
  });

  test('passes warnings of a good file to onWarning', async () => {
    const seen = await warnings(`issuer: https://shield.example.com\nstore: { kind: memory }\n`);
    assert.deepEqual(
      seen.map((issue) => [issue.code, issue.severity, issue.line]),
      [['store_memory_in_production', 'warning', 2]],
    );
  });

  test('accepts an http issuer on loopback in production and any http issuer in development', async () => {
    await parseConfig('issuer: http://127.0.0.1:8080\n', options({}));
    await parseConfig('issuer: http://[::1]:8080\n', options({}));
    await parseConfig('mode: development\nissuer: http://192.168.1.20:8080\n', options({}));
  });
});

describe('secret values never reach an error', () => {
  test('no issue, message or formatted text holds a resolved value', async () => {
    const SECRET = 'sk_live_TOPSECRET_4242';
    const env = {
      A: SECRET,
      B: `${SECRET}\n`,
      C: `${SECRET}:notaurl`,
      D: `https://${SECRET}@example.com/?q=${SECRET}`,
      E: `${SECRET}===`,
      F: `redis://${SECRET}`,
    };
    const err = await refusal(
      `issuer: \${env:D}
instanceId: \${env:A}!
listen:
  port: \${env:A}
store:
  kind: redis+postgres
  redisUrl: \${env:C}
  postgresUrl: \${env:F}
apps:
  shop:
    audiences: ["\${env:C}"]
    android:
      packageName: com.example.shop
      signingCertSha256: ["\${env:A}"]
      playIntegrity:
        decode: local
        decryptionKey: \${env:E}
        verificationKey: \${env:A}
secrets:
  a: \${env:B}
routes:
  - match: { path: "/\${env:A}/%" }
    upstream: \${env:D}
    public: true
    inject: { headers: { x-a: "\${env:B}" } }
`,
      { env },
    );
    assert.ok(err.issues.length >= 8, `only ${err.issues.length} issues`);
    const everything = JSON.stringify(err.issues) + err.message + formatConfigError(err) + String(err.stack);
    assert.ok(!everything.includes('TOPSECRET'), everything);
  });
});

describe('loadConfigFile', () => {
  test(`reads a file, resolves relative paths and \${file:} from its folder, and warns on a world-readable secret file`, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-config-'));
    try {
      await writeFile(join(dir, 'stripe.key'), 'sk_test_1\n');
      await chmod(join(dir, 'stripe.key'), 0o644);
      await writeFile(
        join(dir, 'portcullis.yaml'),
        `issuer: https://shield.example.com\nsecrets:\n  stripe: \${file:stripe.key}\n${ROUTE}    inject: { headers: { authorization: "Bearer \${secret:stripe}" } }\n`,
      );
      const seen: ConfigIssue[] = [];
      const config = await loadConfigFile(join(dir, 'portcullis.yaml'), {
        env: {},
        onWarning: (w) => seen.push(w),
      });
      assert.equal(config.secrets['stripe'], 'sk_test_1');
      assert.deepEqual(config.store, { kind: 'sqlite', path: join(dir, 'data/portcullis.db') });
      if (process.platform !== 'win32') {
        assert.deepEqual(
          seen.map((w) => [w.code, w.line, w.column]),
          [['file_world_readable', 3, 11]],
        );
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('an unreadable file is file_unreadable', async () => {
    await assert.rejects(loadConfigFile('/nonexistent/portcullis.yaml', { env: {} }), (err: unknown) => {
      assert.ok(err instanceof ConfigError);
      assert.deepEqual(
        err.issues.map((issue) => [issue.code, issue.file, issue.line, issue.column]),
        [['file_unreadable', '/nonexistent/portcullis.yaml', 1, 1]],
      );
      assert.match(err.issues[0]?.message ?? '', /ENOENT/);
      return true;
    });
  });

  test('a file over 1 MiB on disk is refused without being read whole', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'portcullis-config-'));
    try {
      await writeFile(join(dir, 'big.yaml'), `issuer: https://x.example\n#${'x'.repeat(3 * 1024 * 1024)}\n`);
      await assert.rejects(loadConfigFile(join(dir, 'big.yaml'), { env: {} }), (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.equal(err.issues[0]?.code, 'file_too_large');
        return true;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
