/**
 * The scenarios every framework adapter must pass against a real shield. Each adapter's test
 * builds an app with these routes and hands over a way to send it a request:
 *
 * - `GET /public`: no requirements (no middleware).
 * - `GET /me`: a valid token; answers `{ sub, lvl }`.
 * - `POST /strong`: `{ level: 'hardware' }`; answers `{ sub }`.
 * - `POST /pay`: `{ proof: true, maxBodyBytes: 1024 }`; answers `{ sub, body }` with the body
 *   text the handler itself read (a proof route must not eat the body).
 */
import assert from 'node:assert/strict';
import type { ShieldFixture } from './shield-fixture.js';

export interface SentResponse {
  status: number;
  headers: { get(name: string): string | null };
  text(): Promise<string>;
}

/** Sends one request to the app under test. Header values are sent as given (a comma-joined value stays one header). */
export type Send = (
  path: string,
  init: { method: string; headers?: Record<string, string>; body?: string },
) => Promise<SentResponse>;

export const SCENARIO_MAX_BODY_BYTES = 1024;

async function json(response: SentResponse): Promise<Record<string, unknown>> {
  return JSON.parse(await response.text()) as Record<string, unknown>;
}

async function assertRefusal(
  response: SentResponse,
  status: number,
  code: string,
  what: string,
): Promise<void> {
  const text = await response.text();
  assert.equal(response.status, status, `${what}: ${text}`);
  assert.match(response.headers.get('content-type') ?? '', /^application\/problem\+json/, what);
  const problem = JSON.parse(text) as Record<string, unknown>;
  assert.equal(problem['code'], code, what);
  assert.equal(problem['status'], status, what);
  assert.equal(problem['type'], `https://portcullis.dev/errors#${code}`, what);
  assert.ok(!('reason' in problem), `${what}: the audit reason never reaches the client`);
  if (status === 400 || status === 401 || status === 403) {
    assert.equal(response.headers.get('www-authenticate'), `Portcullis realm="app", error="${code}"`, what);
  }
}

function tamper(token: string): string {
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const flipped = payload.startsWith('e') ? `f${payload.slice(1)}` : `e${payload.slice(1)}`;
  return `${header}.${flipped}.${signature}`;
}

/**
 * Runs every scenario in order; each assertion names what it checks. Tokens come from the real
 * shield: a debug credential (level debug, no device key), a software Android device and a
 * software App Attest device (level hardware, bound to their keys).
 */
export async function runAdapterScenarios(send: Send, shield: ShieldFixture): Promise<void> {
  const debug = await shield.debugToken();
  const android = await shield.androidDevice();
  const ios = await shield.iosDevice();

  assert.equal(
    (await send('/public', { method: 'GET' })).status,
    200,
    'a route without the middleware is open',
  );

  await assertRefusal(await send('/me', { method: 'GET' }), 401, 'token_missing', 'no token');
  const me = await send('/me', { method: 'GET', headers: { 'portcullis-token': debug } });
  assert.equal(me.status, 200, 'a debug token from the shield');
  assert.deepEqual(await json(me), { sub: 'shop', lvl: 'debug' });
  await assertRefusal(
    await send('/me', { method: 'GET', headers: { 'portcullis-token': tamper(debug) } }),
    401,
    'token_invalid',
    'a tampered token',
  );
  await assertRefusal(
    await send('/me', { method: 'GET', headers: { 'portcullis-token': `${debug}, ${android.token}` } }),
    400,
    'duplicate_header',
    'two tokens',
  );

  await assertRefusal(
    await send('/strong', { method: 'POST', headers: { 'portcullis-token': debug } }),
    403,
    'level_insufficient',
    'a debug token on a hardware route',
  );
  const strong = await send('/strong', { method: 'POST', headers: { 'portcullis-token': android.token } });
  assert.equal(strong.status, 200, 'an Android hardware token on a hardware route');

  const body = '{"amount":5,"currency":"EUR"}';
  const target = '/pay?cart=1';
  for (const device of [android, ios]) {
    const proof = device.proof({ method: 'POST', target, body: new TextEncoder().encode(body) });
    const headers = {
      'portcullis-token': device.token,
      'portcullis-proof': proof,
      'content-type': 'application/json',
    };
    const paid = await send(target, { method: 'POST', headers, body });
    assert.equal(paid.status, 200, `${device.platform}: a signed request: ${paid.status}`);
    assert.deepEqual(
      await json(paid),
      { sub: 'shop', body },
      `${device.platform}: the handler reads the body`,
    );
    await assertRefusal(
      await send(target, { method: 'POST', headers, body }),
      401,
      'proof_replayed',
      `${device.platform}: the same proof twice`,
    );
    await assertRefusal(
      await send(target, {
        method: 'POST',
        headers: {
          ...headers,
          'portcullis-proof': device.proof({ method: 'POST', target, body: new TextEncoder().encode(body) }),
        },
        body: body.replace('5', '500'),
      }),
      401,
      'proof_invalid',
      `${device.platform}: a proof over another body`,
    );
  }
  await assertRefusal(
    await send(target, { method: 'POST', headers: { 'portcullis-token': android.token }, body }),
    401,
    'proof_missing',
    'a proof route without a proof',
  );
  await assertRefusal(
    await send(target, {
      method: 'POST',
      headers: {
        'portcullis-token': debug,
        'portcullis-proof': android.proof({ method: 'POST', target, body: new TextEncoder().encode(body) }),
      },
      body,
    }),
    401,
    'proof_invalid',
    'a token without a device key',
  );
  const large = 'x'.repeat(SCENARIO_MAX_BODY_BYTES + 1);
  await assertRefusal(
    await send(target, {
      method: 'POST',
      headers: {
        'portcullis-token': android.token,
        'portcullis-proof': android.proof({ method: 'POST', target, body: new TextEncoder().encode(large) }),
      },
      body: large,
    }),
    413,
    'payload_too_large',
    'a body over maxBodyBytes',
  );
}
