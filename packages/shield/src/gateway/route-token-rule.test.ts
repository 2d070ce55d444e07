import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { AppTokenClaims } from '@portcullis/protocol';
import { defaultMinLevel, ROUTE_TOKEN_REFUSALS } from '@portcullis/protocol/verification';
import { CASE_APP_AUDIENCES, ROUTE_TOKEN_CASES } from '../../../protocol/test/support/route-token-cases.js';
import { ShieldError } from '../errors.js';
import { GATEWAY_REASONS } from './gateway-reasons.js';
import {
  ISSUER,
  type RunningGateway,
  route,
  startGateway,
  startUpstream,
  TEST_NOW,
  type Upstream,
  waitFor,
} from './test-support/harness.js';

// The gateway runs the route token rule of @portcullis/protocol, as @portcullis/verify does: the
// shared table of cases, end to end over HTTP, each row on a route written as the shield's
// compiled policy writes it (the mode's default level when the route names none).

let upstream: Upstream;
let gw: RunningGateway;

/** Tokens are opaque here: each case's token is `case-<i>`, and the verifier hands back its claims. */
function claimsOf(index: number): AppTokenClaims {
  const row = ROUTE_TOKEN_CASES[index];
  if (row === undefined) throw new ShieldError('token_invalid', 'token_signature_invalid');
  const iat = Math.floor(TEST_NOW / 1000);
  return { iss: ISSUER, iat, exp: iat + 300, jti: `jti-${index}`, plt: 'android', ...row.token };
}

before(async () => {
  upstream = await startUpstream();
  const target = new URL(upstream.url);
  gw = await startGateway(
    ROUTE_TOKEN_CASES.map((row, index) =>
      route({
        id: `case-${index}`,
        path: `/case-${index}`,
        upstream: target,
        public: false,
        require: {
          token: true,
          level: row.route.level ?? defaultMinLevel(row.mode),
          ...(row.route.apps === undefined ? {} : { apps: row.route.apps }),
          ...(row.route.audiences === undefined ? {} : { audiences: row.route.audiences }),
        },
      }),
    ),
    {
      verifyToken: async (token) => claimsOf(Number(/^case-(\d+)$/.exec(token)?.[1] ?? -1)),
      appAudiences: CASE_APP_AUDIENCES,
    },
  );
});
after(async () => {
  await gw.close();
  await upstream.close();
});

test('the gateway reaches the verdict of the shared table on every case', async () => {
  for (const [index, row] of ROUTE_TOKEN_CASES.entries()) {
    const audits = gw.audits.length;
    const forwarded = upstream.requests.length;
    const response = await fetch(`http://127.0.0.1:${gw.port}/case-${index}`, {
      headers: { 'portcullis-token': `case-${index}` },
    });
    const body = (await response.json()) as { code?: string };
    await waitFor(() => gw.audits.length > audits);
    const audit = gw.audits[audits];
    if (row.expected === null) {
      assert.equal(response.status, 200, row.what);
      assert.equal(upstream.requests.length, forwarded + 1, row.what);
    } else {
      const code = ROUTE_TOKEN_REFUSALS[row.expected];
      assert.deepEqual([response.status, body.code, audit?.reason], [403, code, row.expected], row.what);
      assert.equal(upstream.requests.length, forwarded, `${row.what}: nothing reaches the upstream`);
    }
  }
});

test('the gateway answers each route token refusal with the code the protocol gives it', () => {
  for (const [reason, code] of Object.entries(ROUTE_TOKEN_REFUSALS)) {
    assert.equal(GATEWAY_REASONS.find((entry) => entry.reason === reason)?.code, code, reason);
  }
});
