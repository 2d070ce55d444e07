import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Fastify from 'fastify';
import { createMemoryReplayStore } from './create-memory-replay-store.js';
import { createVerifier, type Verifier } from './create-verifier.js';
import { portcullis } from './fastify.js';
import { runAdapterScenarios, SCENARIO_MAX_BODY_BYTES } from './test-support/adapter-scenarios.js';
import { httpSend } from './test-support/http-send.js';
import {
  APPLE_APP_ID,
  AUDIENCE,
  ISSUER,
  type ShieldFixture,
  startShieldFixture,
} from './test-support/shield-fixture.js';

let shield: ShieldFixture;
let verifier: Verifier;
before(async () => {
  shield = await startShieldFixture();
  verifier = createVerifier({
    jwksUrl: shield.jwksUrl,
    issuer: ISSUER,
    audiences: [AUDIENCE],
    // As the fixture shield: development mode, so routes that name no level take its debug token.
    allowDev: true,
    mode: 'development',
    proofs: { replay: createMemoryReplayStore(), appleAppIds: { shop: [APPLE_APP_ID] } },
  });
});
after(() => shield.close());

test('Fastify 5: a real app on loopback verifies tokens and proofs minted by a real shield', async () => {
  const app = Fastify();
  app.get('/public', async () => ({ open: true }));
  await app.register(async (api) => {
    await api.register(portcullis, { verifier });
    api.get('/me', async (request) => ({
      sub: request.portcullis?.claims.sub,
      lvl: request.portcullis?.claims.lvl,
    }));
    api.post('/strong', { config: { portcullis: { level: 'hardware' } } }, async (request) => ({
      sub: request.portcullis?.claims.sub,
    }));
    api.post(
      '/pay',
      { config: { portcullis: { proof: true, maxBodyBytes: SCENARIO_MAX_BODY_BYTES } } },
      // Fastify parsed the JSON body as usual after the plugin captured the raw bytes.
      async (request) => ({ sub: request.portcullis?.claims.sub, body: JSON.stringify(request.body) }),
    );
  });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    await runAdapterScenarios(httpSend(url), shield);
  } finally {
    await app.close();
  }
});

test('Fastify: a route can opt out with config.portcullis: false; the plugin scope stays where it was registered', async () => {
  const app = Fastify();
  await app.register(async (api) => {
    await api.register(portcullis, { verifier, require: { level: 'hardware' } });
    api.get('/health', { config: { portcullis: false } }, async () => ({ ok: true }));
    api.get('/me', async () => ({ ok: true }));
  });
  app.get('/outside', async () => ({ ok: true }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const send = httpSend(url);
    assert.equal((await send('/health', { method: 'GET' })).status, 200);
    assert.equal(
      (await send('/outside', { method: 'GET' })).status,
      200,
      'routes outside the scope are not touched',
    );
    assert.equal((await send('/me', { method: 'GET' })).status, 401);
    const debug = await shield.debugToken();
    const low = await send('/me', { method: 'GET', headers: { 'portcullis-token': debug } });
    assert.equal(low.status, 403, 'the plugin-level requirement applies to every route of the scope');
  } finally {
    await app.close();
  }
});

test('Fastify: bad requirements stop the start-up, naming the route', async () => {
  const app = Fastify();
  await assert.rejects(async () => {
    await app.register(portcullis, { verifier, require: { level: 'gold' as never } });
  }, /level must be one of/);
  const other = Fastify();
  await other.register(portcullis, { verifier });
  assert.throws(
    () => other.get('/x', { config: { portcullis: { apps: [] } } }, async () => ({})),
    /route \/x: apps must be a non-empty array/,
  );
});
