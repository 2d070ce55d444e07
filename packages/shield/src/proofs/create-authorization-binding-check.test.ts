import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { authorizationBindingHash } from '@portcullis/protocol';
import { startUpstream, TEST_IDENTIFIERS, type Upstream } from '../gateway/test-support/harness.js';
import { createMemoryStores } from '../stores/memory/create-memory-stores.js';
import { createAuthorizationBindingCheck } from './create-authorization-binding-check.js';
import { createProofCheck } from './create-proof-check.js';
import {
  APP_ID,
  androidDevice,
  claimsFor,
  type OutgoingRequest,
  PROOF_ROUTE_POLICIES,
  register,
  send,
  signedRequest,
  startProofGateway,
  USER_A,
  USER_B,
} from './test-support/proof-harness.js';

describe('token bound to the Authorization header (ath) on a real gateway', () => {
  let u: Upstream;
  let gw: Awaited<ReturnType<typeof startProofGateway>>;
  const stores = createMemoryStores();
  const device = androidDevice();
  let boundToA = '';
  let unbound = '';

  before(async () => {
    u = await startUpstream();
    const proofs = createProofCheck({
      devices: stores.devices,
      replay: stores.replay,
      routes: PROOF_ROUTE_POLICIES,
      appIdsFor: () => [APP_ID],
      allowTestRootDevices: true,
    });
    gw = await startProofGateway(new URL(u.url), [
      createAuthorizationBindingCheck({ requireBinding: ['bound'] }),
      proofs,
    ]);
    await register(stores.devices, device);
    boundToA = await gw.issuer.mint(claimsFor(device, { bindTo: USER_A }));
    unbound = await gw.issuer.mint(claimsFor(device));
  });

  after(async () => {
    await gw.close();
    await u.close();
    await stores.close();
  });

  function get(target: string, token: string, authorization?: string | string[]): OutgoingRequest {
    const headers: Record<string, string | string[]> = { 'portcullis-token': token };
    if (authorization !== undefined) headers['authorization'] = authorization;
    return { method: 'GET', target, headers, body: Buffer.alloc(0) };
  }

  async function expect(req: OutgoingRequest, status: number, code: string, reason: string | null) {
    const before = u.requests.length;
    const answer = await send(gw.port, req);
    assert.equal(answer.status, status, answer.code);
    assert.equal(answer.code, code);
    assert.equal(u.requests.length, before + (status < 300 ? 1 : 0), 'upstream count');
    if (status >= 300) assert.equal(gw.audits.at(-1)?.reason, reason);
    return answer;
  }

  test('the bound user passes, and the upstream gets their Authorization', async () => {
    await expect(get('/profile', boundToA, USER_A), 200, 'ok', null);
    const seen = u.requests.at(-1)!;
    const index = seen.rawHeaders.findIndex((h) => h.toLowerCase() === 'authorization');
    assert.equal(seen.rawHeaders[index + 1], USER_A);
  });

  test("A1-02: user A's token with user B's Authorization → 401 binding_mismatch; NF; the audit names B's hash", async () => {
    const answer = await expect(
      get('/profile', boundToA, USER_B),
      401,
      'binding_mismatch',
      'binding_authorization_mismatch',
    );
    assert.equal(answer.headers['www-authenticate'], 'Portcullis realm="app", error="binding_mismatch"');
    assert.equal(gw.audits.at(-1)?.userIdHash, TEST_IDENTIFIERS.audit(USER_B));
  });

  test('C-21: no Authorization, or a re-spelled one (case, inner whitespace, tab, non-ASCII) → binding_mismatch', async () => {
    await expect(get('/profile', boundToA), 401, 'binding_mismatch', 'binding_authorization_missing');
    const variants: [string, string][] = [
      [USER_A.replace('Bearer', 'bearer'), 'binding_authorization_mismatch'],
      [USER_A.replace('Bearer', 'BEARER'), 'binding_authorization_mismatch'],
      [USER_A.replace(' ', '  '), 'binding_authorization_mismatch'],
      [USER_A.replace(' ', '\t'), 'binding_authorization_not_canonical'],
      [`${USER_A}\u00fc`, 'binding_authorization_not_canonical'],
    ];
    for (const [value, reason] of variants) {
      await expect(get('/profile', boundToA, value), 401, 'binding_mismatch', reason);
    }
  });

  test('C-21: whitespace around the value is not part of it (RFC 9110 §5.5), so it changes nothing', async () => {
    // HTTP strips it before anyone sees the value, which is why a value with outer whitespace cannot be bound.
    await expect(get('/profile', boundToA, ` ${USER_A}  `), 200, 'ok', null);
    assert.throws(() => authorizationBindingHash(` ${USER_A}`), TypeError);
  });

  test('two Authorization headers → 400 duplicate_header (the first one is not silently taken)', async () => {
    await expect(
      get('/profile', boundToA, [USER_A, USER_B]),
      400,
      'duplicate_header',
      'duplicate_authorization',
    );
    await expect(
      get('/profile', boundToA, [USER_B, USER_A]),
      400,
      'duplicate_header',
      'duplicate_authorization',
    );
  });

  test('tokens without ath pass, except on routes that require binding; public routes are untouched', async () => {
    await expect(get('/profile', unbound), 200, 'ok', null);
    await expect(get('/profile', unbound, USER_B), 200, 'ok', null);
    await expect(get('/bound', unbound, USER_A), 401, 'binding_mismatch', 'binding_token_unbound');
    await expect(get('/bound', boundToA, USER_A), 200, 'ok', null);
    await expect(
      { method: 'GET', target: '/public', headers: { authorization: USER_B }, body: Buffer.alloc(0) },
      200,
      'ok',
      null,
    );
  });

  test('on a proof route both hold: the binding refuses first, and the proof covers the Authorization too', async () => {
    await expect(
      signedRequest({ device, token: boundToA, authorization: USER_B }),
      401,
      'binding_mismatch',
      'binding_authorization_mismatch',
    );
    const signedForA = signedRequest({ device, token: boundToA, authorization: USER_A });
    await expect(signedForA, 200, 'ok', null);
    // An unbound token: the proof alone binds the request to A's Authorization.
    const unboundForA = signedRequest({ device, token: unbound, authorization: USER_A, body: '{"x":1}' });
    await expect(
      { ...unboundForA, headers: { ...unboundForA.headers, authorization: USER_B } },
      401,
      'proof_invalid',
      'proof_signature_invalid',
    );
  });

  test('options are checked when the check is built', () => {
    assert.throws(
      () => createAuthorizationBindingCheck({ requireBinding: 'bound' as unknown as string[] }),
      TypeError,
    );
    assert.throws(() => createAuthorizationBindingCheck({ requireBinding: [''] }), TypeError);
    assert.throws(() => createAuthorizationBindingCheck(null as never), TypeError);
    const check = createAuthorizationBindingCheck();
    assert.equal(check.phase, 'headers');
    assert.equal(check.name, 'authorization-binding');
  });
});
