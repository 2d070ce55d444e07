import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createMemoryReplayStore } from './create-memory-replay-store.js';
import { createVerifier, type Verifier } from './create-verifier.js';
import { type PortcullisVariables, portcullis } from './hono.js';
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

test('Hono 4 on Node: a real app on loopback verifies tokens and proofs minted by a real shield', async () => {
  const app = new Hono<{ Variables: PortcullisVariables }>();
  app.get('/public', (c) => c.json({ open: true }));
  app.get('/me', portcullis(verifier), (c) => {
    const { claims } = c.get('portcullis');
    return c.json({ sub: claims.sub, lvl: claims.lvl });
  });
  app.post('/strong', portcullis(verifier, { level: 'hardware' }), (c) =>
    c.json({ sub: c.get('portcullis').claims.sub }),
  );
  app.post('/pay', portcullis(verifier, { proof: true, maxBodyBytes: SCENARIO_MAX_BODY_BYTES }), async (c) =>
    // The middleware read a clone: the handler still has the whole body.
    c.json({ sub: c.get('portcullis').claims.sub, body: await c.req.text() }),
  );
  const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    await runAdapterScenarios(httpSend(`http://127.0.0.1:${port}`), shield);
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test('Hono: requirements are checked when the middleware is built', () => {
  assert.throws(() => portcullis(verifier, { proof: 'yes' as never }), /proof must be true or false/);
  assert.throws(() => portcullis(verifier, { maxBodyBytes: -1 }), /maxBodyBytes must be an integer/);
});
