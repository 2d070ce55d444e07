import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { verifyDebugCredential } from './verify-debug-credential.js';

const secret = 'dbg_0123456789abcdef0123456789abcdef';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');
const configured = [
  { name: 'ci', sha256: sha('another-credential-value-xyz'), expires: new Date('2030-01-01T00:00:00Z') },
  { name: 'simulator', sha256: sha(secret), expires: new Date('2027-01-01T00:00:00Z') },
];
const at = new Date('2026-11-28T00:00:00Z');

describe('verifyDebugCredential', () => {
  test('accepts a configured, unexpired credential and names it in the facts', () => {
    const result = verifyDebugCredential(secret, configured, at);
    assert.equal(result.ok, true);
    assert.ok(result.ok);
    assert.equal(result.evidence.level, 'debug');
    assert.equal(result.evidence.platform, 'debug');
    assert.deepEqual(result.evidence.facts, { credential: 'simulator' });
  });

  const refusals: Array<[string, unknown, string, Date?]> = [
    ['unknown credential', 'dbg_not-configured-credential-000', 'debug_credential_unknown'],
    ['expired credential', secret, 'debug_credential_expired', new Date('2027-01-01T00:00:00Z')],
    ['non-string', 42, 'debug_credential_malformed'],
    ['too short', 'short', 'debug_credential_malformed'],
    ['whitespace', `${secret} `, 'debug_credential_malformed'],
    ['control character', `${secret}\n`, 'debug_credential_malformed'],
    ['too long', 'x'.repeat(513), 'debug_credential_malformed'],
  ];
  for (const [name, input, code, when] of refusals) {
    test(`refuses ${name} with ${code}`, () => {
      const result = verifyDebugCredential(input, configured, when ?? at);
      assert.equal(result.ok, false);
      assert.ok(!result.ok);
      assert.equal(result.code, code);
      assert.ok(!JSON.stringify(result).includes(secret), 'the credential never appears in a result');
    });
  }

  test('refuses everything when no credential is configured', () => {
    const result = verifyDebugCredential(secret, [], at);
    assert.ok(!result.ok);
    assert.equal(result.code, 'debug_credential_unknown');
  });
});
