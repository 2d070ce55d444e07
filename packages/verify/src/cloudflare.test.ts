import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { withPortcullis } from './cloudflare.js';
import { createVerifier } from './create-verifier.js';
import { runAdapterScenarios, SCENARIO_MAX_BODY_BYTES, type Send } from './test-support/adapter-scenarios.js';
import {
  APPLE_APP_ID,
  AUDIENCE,
  ISSUER,
  type ShieldFixture,
  startShieldFixture,
} from './test-support/shield-fixture.js';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** Bundles like wrangler does for a Worker: ESM, browser/worker conditions, no Node built-ins allowed. */
async function bundle(entry: { path?: string; contents?: string }, minify: boolean): Promise<string> {
  const result = await build({
    ...(entry.path === undefined
      ? {
          stdin: {
            contents: entry.contents ?? '',
            resolveDir: here('.'),
            loader: 'ts',
            sourcefile: 'entry.ts',
          },
        }
      : { entryPoints: [entry.path] }),
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    conditions: ['workerd', 'worker', 'browser'],
    target: 'es2022',
    minify,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

let shield: ShieldFixture;
let worker: Miniflare;
before(async () => {
  shield = await startShieldFixture();
  worker = new Miniflare({
    modules: true,
    script: await bundle({ path: here('./test-support/worker-entry.ts') }, false),
    compatibilityDate: '2025-01-01',
    bindings: {
      JWKS_URL: shield.jwksUrl,
      ISSUER,
      AUDIENCE,
      APPLE_APP_ID,
      MAX_BODY_BYTES: String(SCENARIO_MAX_BODY_BYTES),
    },
  });
  await worker.ready;
});
after(async () => {
  await worker.dispose();
  await shield.close();
});

const send: Send = async (path, init) => {
  const response = await worker.dispatchFetch(`http://worker.test${path}`, {
    method: init.method,
    headers: init.headers ?? {},
    ...(init.body === undefined ? {} : { body: init.body }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, text: async () => text };
};

test('Cloudflare Workers, in real workerd: a Worker verifies tokens and proofs minted by a real shield', async () => {
  await runAdapterScenarios(send, shield);
  const status = JSON.parse(await (await send('/jwks-status', { method: 'GET' })).text());
  assert.equal(status.fetches, 1, 'the isolate fetched the JWKS once and kept it across requests');
  assert.equal(status.lastError, null);
});

test('Cloudflare Workers: the core bundles for Workers without Node built-ins; its size is reported', async (t) => {
  // The smallest real Worker: the core (tokens, route policy, proofs: one module graph) and the
  // Workers adapter, minified as wrangler would.
  const entry = `
    import { createMemoryReplayStore, createVerifier } from './index.js';
    import { withPortcullis } from './cloudflare.js';
    export default { fetch: withPortcullis((r, env, ctx, app) => Response.json(app.claims), {
      verifier: (env) => createVerifier({ jwksUrl: env.JWKS_URL, issuer: env.ISSUER, audiences: ['api'],
        proofs: { replay: createMemoryReplayStore() } }),
    }) };`;
  // platform: 'browser' makes esbuild fail on any node: import, so a Node built-in cannot creep in.
  const code = await bundle({ contents: entry }, true);
  assert.doesNotMatch(code, /\bnode:/);
  const gzip = gzipSync(code).length;
  t.diagnostic(`Workers bundle (core + Workers adapter): ${code.length} bytes minified, ${gzip} bytes gzip`);
  // Far under Workers' script size limits (3 MB free, 10 MB paid, compressed); a change that pulls
  // in a large library shows here.
  assert.ok(code.length < 150_000, `${code.length} bytes`);
});

test('Cloudflare Workers: requirements are checked when the handler is wrapped', () => {
  const verifier = createVerifier({
    jwksUrl: 'https://shield.example/.well-known/jwks.json',
    issuer: ISSUER,
    audiences: [AUDIENCE],
  });
  assert.throws(
    () => withPortcullis(() => new Response(), { verifier, require: { apps: 'shop' as never } }),
    /apps must be/,
  );
  assert.throws(
    () => withPortcullis(() => new Response(), { verifier, require: { proof: true } }),
    /proof: true needs/,
  );
  assert.throws(() => withPortcullis(() => new Response(), { verifier: 'x' as never }), /verifier must be/);
});
