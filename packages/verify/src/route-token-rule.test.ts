import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { test } from 'node:test';
import { ROUTE_TOKEN_REFUSALS } from '@portcullis/protocol/verification';
import {
  CASE_APP_AUDIENCES,
  CASE_SERVED_AUDIENCES,
  ROUTE_TOKEN_CASES,
} from '../../protocol/test/support/route-token-cases.js';
import { createStaticJwks } from './create-static-jwks.js';
import { createVerifier } from './create-verifier.js';
import { refusalResponse } from './refusal-response.js';

// The backend verifier judges a route's level, app and audience with the shield's rule: the
// shared table of cases (which the shield's gateway runs too), each with a signed token, through
// verifier.route() and the refusal a client would receive.

const ISSUER = 'https://shield.test.example';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const b64 = (data: string | Uint8Array) => Buffer.from(data).toString('base64url');

function mint(claims: { sub: string; lvl: string; aud: string[] }): string {
  const iat = Math.floor(Date.now() / 1000);
  const header = b64(JSON.stringify({ alg: 'ES256', typ: 'app+jwt', kid: 'route-rule' }));
  const payload = b64(
    JSON.stringify({ iss: ISSUER, iat, exp: iat + 300, jti: 'j'.repeat(22), plt: 'android', ...claims }),
  );
  const signature = sign('sha256', Buffer.from(`${header}.${payload}`), {
    key: privateKey,
    dsaEncoding: 'ieee-p1363',
  });
  return `${header}.${payload}.${b64(signature)}`;
}

test('verifier.route() reaches the verdict of the shared table on every case, with the shield’s codes', async () => {
  const keys = await createStaticJwks({
    keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'route-rule', alg: 'ES256', use: 'sig' }],
  });
  const verifiers = {
    production: createVerifier({
      keys,
      issuer: ISSUER,
      audiences: [...CASE_SERVED_AUDIENCES],
      appAudiences: CASE_APP_AUDIENCES,
    }),
    development: createVerifier({
      keys,
      issuer: ISSUER,
      audiences: [...CASE_SERVED_AUDIENCES],
      appAudiences: CASE_APP_AUDIENCES,
      mode: 'development',
    }),
  };
  for (const row of ROUTE_TOKEN_CASES) {
    const route = verifiers[row.mode].route(row.route);
    const token = mint(row.token);
    const result = await route.verify({
      method: 'GET',
      target: '/case',
      header: (name) => (name === 'portcullis-token' ? token : undefined),
      body: async () => new Uint8Array(0),
    });
    if (row.expected === null) {
      assert.ok(result.ok, `${row.what}: ${result.ok ? '' : result.error.reason}`);
    } else {
      assert.ok(!result.ok, row.what);
      const code = ROUTE_TOKEN_REFUSALS[row.expected];
      assert.deepEqual([result.error.reason, result.error.code], [row.expected, code], row.what);
      assert.equal(refusalResponse(result.error).status, 403, row.what);
    }
  }
});
