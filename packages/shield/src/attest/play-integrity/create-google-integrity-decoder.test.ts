import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { decodeProtectedHeader, type JWTPayload, jwtVerify } from 'jose';
import { createManualClock } from '../../clock.js';
import {
  createGoogleIntegrityDecoder,
  type GoogleIntegrityDecoderOptions,
} from './create-google-integrity-decoder.js';
import {
  buildPlayIntegrityToken,
  createPlayIntegrityTestKeys,
  createPlayIntegrityTestPayload,
} from './test-token.js';

const PACKAGE = 'com.example.shop';
const START = Date.UTC(2026, 10, 28, 12, 0, 0);
const SCOPE = 'https://www.googleapis.com/auth/playintegrity';
const account = generateKeyPairSync('rsa', { modulusLength: 2048 });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });
const PRIVATE_KEY = account.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
const EMAIL = 'shield@example-project.iam.gserviceaccount.com';
const PAYLOAD = createPlayIntegrityTestPayload({
  packageName: PACKAGE,
  challenge: 'pF4nD1rBq9cW2xYzT0kLmN8sVuH3eJ6aG5oR7iQ1wE4',
  timestampMillis: START,
  certificateSha256Digest: 'quHBrNCkwSlKCFDJS4_Go0bdeZleL-wRloJtT6eu8vU',
});
let TOKEN = '';
/** The bound the outage tests set; elapsed-time checks allow slack for a busy machine. */
const HANG_BOUND_MS = 300;
const SLACK_MS = 2_500;

type TokenMode = 'ok' | 'hang' | '503';
type DecodeMode =
  | 'ok'
  | 'redirect'
  | 'hang'
  | 'hang-body'
  | '503'
  | 'garbage'
  | 'wrong-shape'
  | 'invalid'
  | '401'
  | '403';

/** A loopback stand-in for Google's OAuth token endpoint and Play Integrity API. */
const google = {
  url: '',
  clock: createManualClock(START),
  tokenMode: 'ok' as TokenMode,
  decodeMode: 'ok' as DecodeMode,
  tokenCalls: 0,
  decodeCalls: 0,
  strayRequests: 0,
  issued: new Set<string>(),
  assertions: [] as { header: Record<string, unknown>; claims: JWTPayload }[],
  decodeRequests: [] as {
    authorization: string | undefined;
    contentType: string | undefined;
    body: string;
  }[],
};

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
  res.end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function handle(req: IncomingMessage, res: ServerResponse) {
  const body = await readBody(req);
  if (req.method === 'POST' && req.url === '/token') {
    if (google.tokenMode === 'hang') return;
    if (google.tokenMode === '503') return json(res, 503, { error: 'temporarily_unavailable' });
    const form = new URLSearchParams(body);
    const assertion = form.get('assertion') ?? '';
    try {
      const { payload } = await jwtVerify(assertion, account.publicKey, {
        algorithms: ['RS256'],
        issuer: EMAIL,
        audience: `${google.url}/token`,
        currentDate: new Date(google.clock.now()),
      });
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer')
        throw new Error('grant_type');
      google.assertions.push({ header: decodeProtectedHeader(assertion), claims: payload });
    } catch {
      return json(res, 400, { error: 'invalid_grant', error_description: 'Invalid JWT Signature.' });
    }
    google.tokenCalls += 1;
    const accessToken = `ya29.test-access-token-${google.tokenCalls}`;
    google.issued.add(accessToken);
    return json(res, 200, { access_token: accessToken, expires_in: 3599, token_type: 'Bearer' });
  }
  if (req.method === 'POST' && req.url === `/v1/${PACKAGE}:decodeIntegrityToken`) {
    google.decodeCalls += 1;
    const authorization = req.headers.authorization;
    google.decodeRequests.push({ authorization, contentType: req.headers['content-type'], body });
    if (!google.issued.has(authorization?.replace(/^Bearer /, '') ?? '')) {
      return json(res, 401, {
        error: {
          code: 401,
          message: 'Request had invalid authentication credentials.',
          status: 'UNAUTHENTICATED',
        },
      });
    }
    switch (google.decodeMode) {
      case 'ok':
        return json(res, 200, { tokenPayloadExternal: PAYLOAD });
      case 'redirect':
        res.writeHead(307, { location: `${google.url}/elsewhere` });
        return res.end();
      case 'hang':
        return;
      case 'hang-body':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"tokenPayloadExternal":');
        return;
      case '503':
        return json(res, 503, {
          error: { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' },
        });
      case 'garbage':
        res.writeHead(200, { 'content-type': 'text/html' });
        return res.end('<html>upstream connect error</html>');
      case 'wrong-shape':
        return json(res, 200, { tokenPayload: PAYLOAD });
      case 'invalid':
        return json(res, 400, {
          error: { code: 400, message: 'Integrity token cannot be decoded.', status: 'INVALID_ARGUMENT' },
        });
      case '401':
        return json(res, 401, {
          error: {
            code: 401,
            message: 'Request had invalid authentication credentials.',
            status: 'UNAUTHENTICATED',
          },
        });
      case '403':
        return json(res, 403, {
          error: { code: 403, message: 'The caller does not have permission', status: 'PERMISSION_DENIED' },
        });
    }
  }
  google.strayRequests += 1;
  json(res, 404, { error: { code: 404, status: 'NOT_FOUND' } });
}

const server = createServer((req, res) => {
  handle(req, res).catch(() => res.destroy());
});

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  google.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  TOKEN = await buildPlayIntegrityToken(PAYLOAD, createPlayIntegrityTestKeys());
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  Object.assign(google, {
    tokenMode: 'ok',
    decodeMode: 'ok',
    tokenCalls: 0,
    decodeCalls: 0,
    clock: createManualClock(START),
  });
  google.issued.clear();
  google.assertions.length = 0;
  google.decodeRequests.length = 0;
});

function decoder(options: Partial<GoogleIntegrityDecoderOptions> = {}) {
  return createGoogleIntegrityDecoder({
    serviceAccount: {
      client_email: EMAIL,
      private_key: PRIVATE_KEY,
      private_key_id: 'key-1',
      token_uri: `${google.url}/token`,
    },
    endpoint: google.url,
    clock: google.clock,
    // Generous for the success paths: the machine is shared. Outage tests pass HANG_BOUND_MS.
    timeoutMs: 5_000,
    ...options,
  });
}

async function expectFailure(promise: Promise<unknown>, code: string, kind: string) {
  const result = (await promise) as { ok: boolean; code?: string; kind?: string; message?: string };
  assert.equal(result.ok, false, 'expected a failure');
  assert.equal(result.code, code, result.message);
  assert.equal(result.kind, kind);
  assert.ok(!result.message?.includes(TOKEN), 'the integrity token is never in a message');
  assert.ok(!result.message?.includes('ya29.'), 'the access token is never in a message');
  return result;
}

describe('createGoogleIntegrityDecoder against a loopback Google', () => {
  test('mints an RS256 JWT-bearer access token and returns tokenPayloadExternal', async () => {
    const result = await decoder().decode(PACKAGE, TOKEN);
    assert.deepEqual(result, { ok: true, payload: PAYLOAD });
    assert.equal(google.assertions.length, 1);
    const [assertion] = google.assertions;
    assert.deepEqual(assertion?.header, { alg: 'RS256', typ: 'JWT', kid: 'key-1' });
    assert.deepEqual(assertion?.claims, {
      scope: SCOPE,
      iss: EMAIL,
      aud: `${google.url}/token`,
      iat: START / 1000,
      exp: START / 1000 + 3600,
    });
    const [request] = google.decodeRequests;
    assert.equal(request?.authorization, 'Bearer ya29.test-access-token-1');
    assert.match(request?.contentType ?? '', /^application\/json/);
    assert.deepEqual(JSON.parse(request?.body ?? ''), { integrity_token: TOKEN });
  });

  test('reuses the access token across calls', async () => {
    const client = decoder();
    for (let i = 0; i < 3; i++) assert.equal((await client.decode(PACKAGE, TOKEN)).ok, true);
    assert.deepEqual([google.tokenCalls, google.decodeCalls], [1, 3]);
  });

  test('concurrent calls share one token request (single flight)', async () => {
    const client = decoder();
    const results = await Promise.all(Array.from({ length: 10 }, () => client.decode(PACKAGE, TOKEN)));
    assert.ok(results.every((r) => r.ok));
    assert.deepEqual([google.tokenCalls, google.decodeCalls], [1, 10]);
  });

  test('refreshes the access token shortly before it expires', async () => {
    const client = decoder();
    await client.decode(PACKAGE, TOKEN);
    google.clock.advance((3599 - 60) * 1000 - 1);
    await client.decode(PACKAGE, TOKEN);
    assert.equal(google.tokenCalls, 1);
    google.clock.advance(1);
    await client.decode(PACKAGE, TOKEN);
    assert.equal(google.tokenCalls, 2);
    assert.equal(google.decodeRequests.at(-1)?.authorization, 'Bearer ya29.test-access-token-2');
  });

  test('refuses a malformed token or a bad package name without calling Google', async () => {
    const client = decoder();
    await expectFailure(client.decode(PACKAGE, 'not.a.token'), 'play_token_malformed', 'invalid');
    await expectFailure(client.decode(PACKAGE, `${TOKEN}=`), 'play_token_malformed', 'invalid');
    await expectFailure(
      client.decode('com.example/../../admin', TOKEN),
      'play_decode_unavailable',
      'unavailable',
    );
    assert.deepEqual([google.tokenCalls, google.decodeCalls], [0, 0]);
  });
});

describe('D-30 Google down: bounded, typed, never thrown', () => {
  test('503 from decodeIntegrityToken', async () => {
    google.decodeMode = '503';
    await expectFailure(decoder().decode(PACKAGE, TOKEN), 'play_decode_unavailable', 'unavailable');
  });

  test('a redirect is not followed, so the bearer token goes nowhere else', async () => {
    google.decodeMode = 'redirect';
    await expectFailure(decoder().decode(PACKAGE, TOKEN), 'play_decode_unavailable', 'unavailable');
    assert.equal(google.strayRequests, 0);
  });

  test('invalid JSON and the wrong JSON shape', async () => {
    google.decodeMode = 'garbage';
    await expectFailure(decoder().decode(PACKAGE, TOKEN), 'play_decode_unavailable', 'unavailable');
    google.decodeMode = 'wrong-shape';
    await expectFailure(decoder().decode(PACKAGE, TOKEN), 'play_decode_unavailable', 'unavailable');
  });

  for (const mode of ['hang', 'hang-body'] as const) {
    test(`decodeIntegrityToken ${mode === 'hang' ? 'never answers' : 'stops mid-body'}: bounded by timeoutMs`, async () => {
      google.decodeMode = mode;
      const started = performance.now();
      const result = await expectFailure(
        decoder({ timeoutMs: HANG_BOUND_MS }).decode(PACKAGE, TOKEN),
        'play_decode_unavailable',
        'unavailable',
      );
      const elapsed = performance.now() - started;
      assert.ok(elapsed >= HANG_BOUND_MS - 5 && elapsed < HANG_BOUND_MS + SLACK_MS, `took ${elapsed} ms`);
      assert.match(result.message ?? '', /timed out after 300 ms/);
    });
  }

  test('a hanging token endpoint is bounded too, and the failure is not cached', async () => {
    google.tokenMode = 'hang';
    const client = decoder({ timeoutMs: HANG_BOUND_MS });
    const started = performance.now();
    await expectFailure(client.decode(PACKAGE, TOKEN), 'play_decode_unavailable', 'unavailable');
    assert.ok(performance.now() - started < HANG_BOUND_MS + SLACK_MS);
    google.tokenMode = 'ok';
    // The abandoned mint ends under its own bound a moment later; then a new mint must run.
    let recovered = false;
    for (let attempt = 0; attempt < 20 && !recovered; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      recovered = (await client.decode(PACKAGE, TOKEN)).ok;
    }
    assert.ok(recovered, 'a failed mint is not cached');
  });

  test('503 from the token endpoint', async () => {
    google.tokenMode = '503';
    await expectFailure(decoder().decode(PACKAGE, TOKEN), 'play_decode_unavailable', 'unavailable');
  });

  test('many requests during an outage all end within the bound (no unbounded queue)', async () => {
    google.decodeMode = 'hang';
    const client = decoder({ timeoutMs: HANG_BOUND_MS });
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 20 }, () => client.decode(PACKAGE, TOKEN)));
    assert.ok(results.every((r) => !r.ok && r.kind === 'unavailable'));
    assert.ok(performance.now() - started < HANG_BOUND_MS + SLACK_MS);
    assert.ok(google.tokenCalls <= 1, 'the waiting requests shared one token mint');
  });

  test('the default bound is 2 s', async () => {
    google.decodeMode = 'hang';
    const started = performance.now();
    const client = createGoogleIntegrityDecoder({
      serviceAccount: { client_email: EMAIL, private_key: PRIVATE_KEY, token_uri: `${google.url}/token` },
      endpoint: google.url,
      clock: google.clock,
    });
    await expectFailure(client.decode(PACKAGE, TOKEN), 'play_decode_unavailable', 'unavailable');
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 1_995 && elapsed < 2_000 + SLACK_MS, `took ${elapsed} ms`);
  });
});

describe('Google refusing the token or the credentials', () => {
  test('400 INVALID_ARGUMENT means the token is invalid', async () => {
    google.decodeMode = 'invalid';
    await expectFailure(decoder().decode(PACKAGE, TOKEN), 'play_token_rejected', 'invalid');
  });

  test('403 PERMISSION_DENIED (project not linked) is a credentials problem', async () => {
    google.decodeMode = '403';
    await expectFailure(decoder().decode(PACKAGE, TOKEN), 'play_credentials_rejected', 'unavailable');
  });

  test('401 drops the cached access token so the next call mints a new one', async () => {
    const client = decoder();
    google.decodeMode = '401';
    await expectFailure(client.decode(PACKAGE, TOKEN), 'play_credentials_rejected', 'unavailable');
    google.decodeMode = 'ok';
    assert.equal((await client.decode(PACKAGE, TOKEN)).ok, true);
    assert.equal(google.tokenCalls, 2);
  });

  test('a service account key Google does not know is refused at the token endpoint', async () => {
    const client = decoder({
      serviceAccount: {
        client_email: EMAIL,
        private_key: stranger.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
        token_uri: `${google.url}/token`,
      },
    });
    await expectFailure(client.decode(PACKAGE, TOKEN), 'play_credentials_rejected', 'unavailable');
    assert.equal(google.decodeCalls, 0);
  });
});

describe('options are checked when the decoder is built', () => {
  const base = () => ({
    serviceAccount: { client_email: EMAIL, private_key: PRIVATE_KEY },
    clock: google.clock,
  });
  const cases: [string, () => unknown, RegExp][] = [
    [
      'http to a non-loopback host',
      () => createGoogleIntegrityDecoder({ ...base(), endpoint: 'http://example.com' }),
      /endpoint must be https/,
    ],
    [
      'token_uri with credentials',
      () =>
        createGoogleIntegrityDecoder({
          ...base(),
          serviceAccount: { ...base().serviceAccount, token_uri: 'https://u:p@example.com/token' },
        }),
      /token_uri must not carry credentials/,
    ],
    [
      'a private key that is not PEM',
      () =>
        createGoogleIntegrityDecoder({
          ...base(),
          serviceAccount: { client_email: EMAIL, private_key: 'secret' },
        }),
      /private_key must be a PEM private key/,
    ],
    [
      'an EC private key',
      () =>
        createGoogleIntegrityDecoder({
          ...base(),
          serviceAccount: {
            client_email: EMAIL,
            private_key: generateKeyPairSync('ec', { namedCurve: 'P-256' })
              .privateKey.export({ format: 'pem', type: 'pkcs8' })
              .toString(),
          },
        }),
      /RSA key/,
    ],
    [
      'a missing client_email',
      () =>
        createGoogleIntegrityDecoder({
          ...base(),
          serviceAccount: { client_email: '', private_key: PRIVATE_KEY },
        }),
      /client_email/,
    ],
    ['a zero timeout', () => createGoogleIntegrityDecoder({ ...base(), timeoutMs: 0 }), /timeoutMs/],
    ['no clock', () => createGoogleIntegrityDecoder({ ...base(), clock: undefined as never }), /clock/],
  ];
  for (const [name, build, pattern] of cases) {
    test(name, () => {
      assert.throws(
        build,
        (error: unknown) =>
          error instanceof TypeError && pattern.test(error.message) && !error.message.includes('BEGIN'),
      );
    });
  }
});
