import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import express from 'express';
import { createMemoryReplayStore } from './create-memory-replay-store.js';
import { createVerifier, type Verifier } from './create-verifier.js';
import { appTokenOf, requireAppToken } from './express.js';
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

async function listen(app: express.Express): Promise<{ url: string; close(): Promise<void> }> {
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

test('Express 5: a real app on loopback verifies tokens and proofs minted by a real shield', async () => {
  const app = express();
  app.get('/public', (_req, res) => res.json({ open: true }));
  app.get('/me', requireAppToken(verifier), (_req, res) => {
    const { claims } = appTokenOf(res);
    res.json({ sub: claims.sub, lvl: claims.lvl });
  });
  app.post('/strong', requireAppToken(verifier, { level: 'hardware' }), (_req, res) => {
    res.json({ sub: appTokenOf(res).claims.sub });
  });
  app.post(
    '/pay',
    requireAppToken(verifier, { proof: true, maxBodyBytes: SCENARIO_MAX_BODY_BYTES }),
    express.json(),
    (req, res) => {
      // The middleware read the body to hash it and left it as a Buffer; express.json() skipped it.
      assert.ok(Buffer.isBuffer(req.body));
      res.json({ sub: appTokenOf(res).claims.sub, body: req.body.toString('utf8') });
    },
  );
  const server = await listen(app);
  try {
    await runAdapterScenarios(httpSend(server.url), shield);
  } finally {
    await server.close();
  }
});

test('Express: a proof route behind express.json() is a programming error that names the fix', async () => {
  const app = express();
  const errors: string[] = [];
  app.post('/pay', express.json(), requireAppToken(verifier, { proof: true }), (_req, res) => res.json({}));
  app.use((error: Error, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    errors.push(error.message);
    res.status(500).json({ failed: true });
  });
  const server = await listen(app);
  try {
    const android = await shield.androidDevice();
    const body = '{"amount":1}';
    const response = await httpSend(server.url)('/pay', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'portcullis-token': android.token,
        'portcullis-proof': android.proof({
          method: 'POST',
          target: '/pay',
          body: new TextEncoder().encode(body),
        }),
      },
      body,
    });
    assert.equal(response.status, 500);
    assert.match(errors[0] ?? '', /Mount requireAppToken\(\) before express\.json\(\)/);
  } finally {
    await server.close();
  }
});

test('Express: express.raw() in front of a proof route hands its Buffer over', async () => {
  const app = express();
  app.post(
    '/pay',
    express.raw({ type: () => true }),
    requireAppToken(verifier, { proof: true }),
    (req, res) => {
      res.json({ body: (req.body as Buffer).toString('utf8') });
    },
  );
  const server = await listen(app);
  try {
    const android = await shield.androidDevice();
    const body = '{"amount":2}';
    const response = await httpSend(server.url)('/pay', {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'portcullis-token': android.token,
        'portcullis-proof': android.proof({
          method: 'POST',
          target: '/pay',
          body: new TextEncoder().encode(body),
        }),
      },
      body,
    });
    assert.equal(response.status, 200, await response.text());
  } finally {
    await server.close();
  }
});

test('Express: requirements are checked when the middleware is built', () => {
  assert.throws(
    () => requireAppToken(verifier, { levle: 'hardware' } as never),
    /unknown route requirement "levle"/,
  );
  assert.throws(() => requireAppToken(verifier, { level: 'platinum' as never }), /level must be one of/);
  assert.throws(
    () => requireAppToken(verifier, { audiences: ['other-api'] }),
    /not one of the verifier's audiences/,
  );
  const withoutProofs = createVerifier({ jwksUrl: shield.jwksUrl, issuer: ISSUER, audiences: [AUDIENCE] });
  assert.throws(() => requireAppToken(withoutProofs, { proof: true }), /proof: true needs/);
  assert.throws(() => requireAppToken({} as Verifier), /pass the verifier/);
});
