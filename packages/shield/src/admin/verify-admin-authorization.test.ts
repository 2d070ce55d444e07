import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { verifyAdminAuthorization } from './verify-admin-authorization.js';

const TOKEN = 'adm_3q2+7w/Zm9vYmFyYmF6cXV4LWEtbG9uZy1yYW5kb20tdG9rZW4=';
const DIGEST = createHash('sha256').update(TOKEN).digest();

describe('verifyAdminAuthorization', () => {
  test('C-33: accepts the bearer token whose SHA-256 is configured; the scheme is case-insensitive', () => {
    assert.deepEqual(verifyAdminAuthorization([`Bearer ${TOKEN}`], DIGEST), { ok: true });
    assert.deepEqual(verifyAdminAuthorization([`bearer ${TOKEN}`], DIGEST), { ok: true });
    assert.deepEqual(verifyAdminAuthorization([`BEARER  ${TOKEN}`], DIGEST), { ok: true });
  });

  test('refuses each wrong form with its own reason', () => {
    const cases: Array<[string[], string]> = [
      [[], 'admin_token_missing'],
      [[''], 'admin_token_missing'],
      [['   '], 'admin_token_missing'],
      [[`Basic ${Buffer.from(`admin:${TOKEN}`).toString('base64')}`], 'admin_auth_scheme_unsupported'],
      [[TOKEN], 'admin_auth_scheme_unsupported'],
      [[`Bearer: ${TOKEN}`], 'admin_auth_scheme_unsupported'],
      [[`Bearer\t${TOKEN}`], 'admin_auth_scheme_unsupported'],
      [['Bearer'], 'admin_token_malformed'],
      [[`Bearer ${TOKEN} extra`], 'admin_token_malformed'],
      [[`Bearer "${TOKEN}"`], 'admin_token_malformed'],
      [[`Bearer ${'a'.repeat(1025)}`], 'admin_token_malformed'],
      [[`Bearer x${TOKEN}`], 'admin_token_mismatch'],
      [[`Bearer ${TOKEN}x`], 'admin_token_malformed'],
      [[`Bearer ${TOKEN.slice(0, -1)}`], 'admin_token_mismatch'],
      [[`Bearer ${DIGEST.toString('hex')}`], 'admin_token_mismatch'],
      [[`Bearer ${TOKEN}`, `Bearer ${TOKEN}`], 'admin_authorization_repeated'],
    ];
    for (const [values, reason] of cases) {
      assert.deepEqual(
        verifyAdminAuthorization(values, DIGEST),
        { ok: false, reason },
        JSON.stringify(values),
      );
    }
  });

  test('refuses a digest that is not 32 bytes (a wiring bug)', () => {
    assert.throws(() => verifyAdminAuthorization([`Bearer ${TOKEN}`], DIGEST.subarray(0, 16)), TypeError);
  });
});
