import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { stringify } from 'yaml';
import { parseConfig } from './load-config.js';
import { configSchema } from './schema.js';

const RESERVED = new Set(['v1', 'livez', 'readyz']);

const hex64 = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((bytes) => Buffer.from(bytes).toString('hex'));
const certDigest = hex64.chain((hex) =>
  fc.constantFrom(hex, hex.toUpperCase(), (hex.match(/../g) ?? []).join(':').toUpperCase()),
);
const dotted = fc.stringMatching(/^[a-z]{1,6}\.[a-z]{1,6}$/);
const patchLevel = fc
  .tuple(fc.integer({ min: 2015, max: 2030 }), fc.integer({ min: 1, max: 12 }))
  .map(([y, m]) => y * 100 + m);

const ios = fc.record({
  teamId: fc.stringMatching(/^[A-Z0-9]{10}$/),
  bundleIds: fc.uniqueArray(dotted, { minLength: 1, maxLength: 3 }),
  environments: fc.subarray(['development', 'production'], { minLength: 1 }),
});

const android = fc.record(
  {
    packageName: dotted,
    signingCertSha256: fc.uniqueArray(certDigest, {
      minLength: 1,
      maxLength: 2,
      selector: (digest) => digest.replaceAll(':', '').toLowerCase(),
    }),
    keyAttestation: fc.record(
      {
        policy: fc.constantFrom('strict', 'lenient'),
        minSecurityLevel: fc.constantFrom('software', 'tee', 'strongbox'),
        requireVerifiedBoot: fc.boolean(),
        minOsPatchLevel: patchLevel,
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ['packageName', 'signingCertSha256'] },
);

const debugToken = fc.record({
  name: fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/),
  sha256: hex64,
  expires: fc
    .date({
      min: new Date('2020-01-01T00:00:00Z'),
      max: new Date('2099-12-31T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((date) => date.toISOString().slice(0, 10)),
});

const app = fc
  .record(
    {
      audiences: fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), { minLength: 1, maxLength: 3 }),
      tokenTtlSeconds: fc.integer({ min: 30, max: 3600 }),
      ios,
      android,
      debugTokens: fc.uniqueArray(debugToken, { maxLength: 2, selector: (token) => token.name }),
    },
    { requiredKeys: [] },
  )
  .filter(
    (candidate) =>
      candidate.ios !== undefined ||
      candidate.android !== undefined ||
      (candidate.debugTokens?.length ?? 0) > 0,
  );

/** A whole config: random apps, secrets and disjoint routes on top of the defaults. */
const config = fc
  .record({
    apps: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), app, { maxKeys: 3 }),
    secrets: fc.dictionary(
      fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/),
      fc.stringMatching(/^[A-Za-z0-9_-]{1,20}$/),
      {
        maxKeys: 3,
      },
    ),
    prefixes: fc
      .uniqueArray(fc.stringMatching(/^[a-z]{1,6}$/), { maxLength: 5 })
      .map((names) => names.filter((n) => !RESERVED.has(n))),
    store: fc.constantFrom({ kind: 'memory' }, { kind: 'sqlite', path: '/var/lib/p.db' }, undefined),
  })
  .chain(({ apps, secrets, prefixes, store }) => {
    const appIds = Object.keys(apps);
    const secretNames = Object.keys(secrets);
    const route = (prefix: string) =>
      fc
        .record({
          methods: fc.subarray(['GET', 'POST', 'PUT', 'PATCH', 'DELETE'], { minLength: 1 }),
          tail: fc.constantFrom('', '/x', '/*', '/**'),
          upstream: fc.constantFrom('http://127.0.0.1:3000', 'https://api.example.com/base'),
          isPublic: fc.boolean(),
          level: fc.option(fc.constantFrom('debug', 'basic', 'device', 'hardware'), { nil: undefined }),
          apps: fc.subarray(appIds),
          secret: fc.option(fc.constantFrom(...(secretNames.length > 0 ? secretNames : ['none'])), {
            nil: undefined,
          }),
          limit: fc.option(
            fc.record({
              per: fc.constantFrom('device', 'ip', 'global'),
              max: fc.integer({ min: 1, max: 1000 }),
              window: fc.constantFrom('30s', '1m', '1h', 60),
            }),
            { nil: undefined },
          ),
          strip: fc.boolean(),
        })
        .map((r) => ({
          match: { methods: r.methods, path: `/${prefix}${r.tail}` },
          upstream: r.upstream,
          ...(r.strip && r.tail !== '' ? { stripPrefix: `/${prefix}` } : {}),
          ...(r.isPublic
            ? { public: true }
            : {
                require: {
                  token: true,
                  ...(r.level ? { level: r.level } : {}),
                  ...(r.apps.length > 0 ? { apps: r.apps } : {}),
                },
              }),
          ...(r.secret !== undefined && secretNames.length > 0
            ? { inject: { headers: { 'x-provider-key': `k=\${secret:${r.secret}}` } } }
            : {}),
          // A public route has no token: it can only count per ip, route or global.
          ...(r.limit
            ? { limits: [r.isPublic && r.limit.per === 'device' ? { ...r.limit, per: 'ip' } : r.limit] }
            : {}),
        }));
    return fc.tuple(...prefixes.map(route)).map((routes) => ({
      env: Object.fromEntries(
        secretNames.map((name) => [`SECRET_${name.toUpperCase()}`, secrets[name] ?? '']),
      ),
      input: {
        mode: 'development',
        issuer: 'http://127.0.0.1:8080',
        ...(store === undefined ? {} : { store }),
        apps,
        secrets: Object.fromEntries(
          secretNames.map((name) => [name, `\${env:SECRET_${name.toUpperCase()}}`]),
        ),
        routes,
      },
    }));
  });

describe('config round trips', () => {
  test('any config built from the defaults plus random valid apps and routes loads, and its result re-validates unchanged', async () => {
    await fc.assert(
      fc.asyncProperty(config, async ({ env, input }) => {
        const options = { baseDir: '/srv', env };
        const loaded = await parseConfig(stringify(input), options);
        // The loaded config is a fixed point of the schema...
        assert.deepEqual(configSchema.parse(structuredClone(loaded)), loaded);
        // ...and written back out as YAML, it loads to the same config.
        assert.deepEqual(await parseConfig(stringify(loaded), options), loaded);
      }),
      { numRuns: 60, seed: 20260601 },
    );
  });
});
