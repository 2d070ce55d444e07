import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createMemoryReplayStore } from './create-memory-replay-store.js';
import { createVerifier, type Verifier } from './create-verifier.js';
import { type ApiGatewayV2Event, type ApiGatewayV2Result, withPortcullis } from './lambda.js';
import { runAdapterScenarios, SCENARIO_MAX_BODY_BYTES, type Send } from './test-support/adapter-scenarios.js';
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

/**
 * AWS's documented example of an HTTP API payload format 2.0 event ("Working with AWS Lambda
 * proxy integrations for HTTP APIs"), as published; each test overrides what it needs.
 */
function documentedEvent(): ApiGatewayV2Event {
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: '/my/path',
    rawQueryString: 'parameter1=value1&parameter1=value2&parameter2=value',
    cookies: ['cookie1', 'cookie2'],
    headers: { header1: 'value1', header2: 'value1,value2' },
    queryStringParameters: { parameter1: 'value1,value2', parameter2: 'value' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api-id',
      authentication: {
        clientCert: {
          clientCertPem: 'CERT_CONTENT',
          subjectDN: 'www.example.com',
          issuerDN: 'Example issuer',
          serialNumber: 'a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1:a1',
          validity: { notBefore: 'May 28 12:30:02 2019 GMT', notAfter: 'Aug  5 09:36:04 2021 GMT' },
        },
      },
      authorizer: { jwt: { claims: { claim1: 'value1', claim2: 'value2' }, scopes: ['scope1', 'scope2'] } },
      domainName: 'id.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'id',
      http: {
        method: 'POST',
        path: '/my/path',
        protocol: 'HTTP/1.1',
        sourceIp: '192.0.2.1',
        userAgent: 'agent',
      },
      requestId: 'id',
      routeKey: '$default',
      stage: '$default',
      time: '12/Mar/2020:19:03:58 +0000',
      timeEpoch: 1583348638390,
    },
    body: 'Hello from Lambda',
    pathParameters: { parameter1: 'value1' },
    isBase64Encoded: false,
    stageVariables: { stageVariable1: 'value1', stageVariable2: 'value2' },
  };
}

type Handler = (event: ApiGatewayV2Event, context: unknown) => Promise<ApiGatewayV2Result>;

/** One Lambda per route, as API Gateway would route them, with the scenario routes. */
function routes(): Record<string, Handler> {
  const reply = (body: unknown): ApiGatewayV2Result => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return {
    'GET /public': async () => reply({ open: true }),
    'GET /me': withPortcullis(
      async (_event, _context, app) => reply({ sub: app.claims.sub, lvl: app.claims.lvl }),
      {
        verifier,
      },
    ),
    'POST /strong': withPortcullis(async (_event, _context, app) => reply({ sub: app.claims.sub }), {
      verifier,
      require: { level: 'hardware' },
    }),
    'POST /pay': withPortcullis(
      async (event, _context, app) =>
        reply({
          sub: app.claims.sub,
          body: event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : event.body,
        }),
      { verifier, require: { proof: true, maxBodyBytes: SCENARIO_MAX_BODY_BYTES } },
    ),
  };
}

/** A `Send` that builds the event API Gateway would: lower-cased headers, the body as sent (base64 when asked). */
function eventSend(handlers: Record<string, Handler>, base64Bodies: boolean): Send {
  return async (path, init) => {
    const [rawPath = '', rawQueryString = ''] = path.split('?');
    const event = documentedEvent();
    event.routeKey = `${init.method} ${rawPath}`;
    event.rawPath = rawPath;
    event.rawQueryString = rawQueryString;
    event.requestContext.http = { ...event.requestContext.http, method: init.method, path: rawPath };
    event.headers = Object.fromEntries(
      Object.entries(init.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
    );
    if (init.body === undefined) {
      delete event.body;
    } else {
      event.body = base64Bodies ? Buffer.from(init.body).toString('base64') : init.body;
    }
    event.isBase64Encoded = base64Bodies && init.body !== undefined;
    const handler = handlers[event.routeKey];
    if (handler === undefined) throw new Error(`no route ${event.routeKey}`);
    const result = await handler(event, {});
    return {
      status: result.statusCode,
      headers: { get: (name) => result.headers?.[name.toLowerCase()] ?? null },
      text: async () => result.body ?? '',
    };
  };
}

test('AWS Lambda (HTTP API payload 2.0): verifies tokens and proofs minted by a real shield', async () => {
  await runAdapterScenarios(eventSend(routes(), false), shield);
});

test('AWS Lambda: base64-encoded bodies (binary media types) are hashed as their decoded bytes', async () => {
  await runAdapterScenarios(eventSend(routes(), true), shield);
});

test("AWS Lambda: AWS's documented example event is refused for its missing token, with a problem+json result", async () => {
  const handler = withPortcullis(async () => ({ statusCode: 200, body: 'reached' }), { verifier });
  const result = (await handler(documentedEvent(), {})) as ApiGatewayV2Result;
  assert.equal(result.statusCode, 401);
  assert.equal(result.headers?.['content-type'], 'application/problem+json');
  assert.equal(result.headers?.['www-authenticate'], 'Portcullis realm="app", error="token_missing"');
  assert.equal(result.isBase64Encoded, false);
  assert.equal(JSON.parse(result.body ?? '{}').code, 'token_missing');
});

test('AWS Lambda: a repeated token header, joined with a comma by API Gateway, is refused', async () => {
  const handler = withPortcullis(async () => ({ statusCode: 200, body: 'reached' }), { verifier });
  const token = await shield.debugToken();
  const event = documentedEvent();
  event.headers = { 'portcullis-token': `${token},${token}` };
  const result = (await handler(event, {})) as ApiGatewayV2Result;
  assert.equal(result.statusCode, 400);
  assert.equal(JSON.parse(result.body ?? '{}').code, 'duplicate_header');
});

test('AWS Lambda: the proof target is rawPath and rawQueryString as API Gateway passes them', async () => {
  const android = await shield.androidDevice();
  const handler = withPortcullis(async () => ({ statusCode: 200, body: 'reached' }), {
    verifier,
    require: { proof: true },
  });
  const event = documentedEvent();
  const target = `${event.rawPath}?${event.rawQueryString}`;
  event.headers = {
    'portcullis-token': android.token,
    'portcullis-proof': android.proof({
      method: 'POST',
      target,
      body: new TextEncoder().encode(event.body ?? ''),
    }),
  };
  assert.equal(((await handler(event, {})) as ApiGatewayV2Result).body, 'reached');
  const moved = documentedEvent();
  moved.rawQueryString = 'parameter1=value1';
  moved.headers = {
    'portcullis-token': android.token,
    'portcullis-proof': android.proof({
      method: 'POST',
      target,
      body: new TextEncoder().encode(event.body ?? ''),
    }),
  };
  assert.equal(
    ((await handler(moved, {})) as ApiGatewayV2Result).statusCode,
    401,
    'a proof for another query',
  );
});

test('AWS Lambda: anything but a payload 2.0 event is a programming error', async () => {
  const handler = withPortcullis(async () => ({ statusCode: 200 }), { verifier });
  const v1 = { ...documentedEvent(), version: '1.0' } as unknown as ApiGatewayV2Event;
  await assert.rejects(handler(v1, {}), /not an API Gateway HTTP API payload 2.0 event/);
  assert.throws(
    () => withPortcullis(async () => ({}), { verifier, require: { binding: 1 as never } }),
    /binding/,
  );
});
