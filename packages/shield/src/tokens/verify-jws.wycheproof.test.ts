import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { createManualClock } from '../clock.js';
import { isShieldError } from '../errors.js';
import { createStaticKeySource } from './create-static-key-source.js';
import { createTokenVerifier } from './create-token-verifier.js';
import { importVerificationJwk } from './import-verification-jwk.js';
import type { VerificationKeySource } from './types.js';
import { verifyJws } from './verify-jws.js';

interface JwsVectorFile {
  numberOfTests: number;
  testGroups: {
    comment: string;
    public?: Record<string, unknown>;
    private: Record<string, unknown>;
    tests: { tcId: number; comment: string; jws: unknown; result: 'valid' | 'invalid' | 'acceptable' }[];
  }[];
}

interface JweVectorFile {
  numberOfTests: number;
  testGroups: { tests: { tcId: number; comment: string; jwe: unknown; result: string }[] }[];
}

function fixture<T>(name: string): T {
  return JSON.parse(
    readFileSync(new URL(`../../test/fixtures/wycheproof/${name}`, import.meta.url), 'utf8'),
  ) as T;
}

const jwsFile = fixture<JwsVectorFile>('json_web_signature_test.json');
const jweFile = fixture<JweVectorFile>('json_web_encryption_test.json');

/** A vector's token as a string: JSON-serialized vectors are passed as their JSON text. */
function tokenOf(jws: unknown): string {
  return typeof jws === 'string' ? jws : JSON.stringify(jws);
}

function outcome(run: () => unknown): string {
  try {
    run();
    return 'valid';
  } catch (error) {
    if (!isShieldError(error)) throw error;
    return error.reason;
  }
}

/** The verifier is configured with the vector's key when it is one we support; else with none. */
function keysFor(group: JwsVectorFile['testGroups'][number]): {
  keys: VerificationKeySource;
  supported: boolean;
} {
  const jwk = group.public ?? group.private;
  const supported = (jwk.kty === 'EC' && jwk.crv === 'P-256') || (jwk.kty === 'OKP' && jwk.crv === 'Ed25519');
  try {
    return { keys: createStaticKeySource([importVerificationJwk(jwk)]), supported };
  } catch (error) {
    assert.ok(isShieldError(error) && error.reason === 'jwk_unsupported');
    return { keys: createStaticKeySource([]), supported };
  }
}

/**
 * Vectors of algorithms we do not support that our verifier refuses at the structure step,
 * before it decodes the header and so before it looks at `alg`, hence token_malformed rather
 * than token_alg_not_allowed:
 * - missing or empty header, payload or signature, extra segments, the empty string, JSON
 *   serialization: 3, 4, 6, 7, 9-17, 35, 36, 38, 39, 41-45;
 * - an empty payload (RFC 7515 allows one; our profile requires three non-empty segments):
 *   259, 264, 268, 272, 320, 325;
 * - alg "none"/"NONE" with an empty signature segment: 341-344;
 * - segments that are not canonical unpadded base64url (spaces, '?', '#', non-zero unused bits):
 *   360-366, 368, 369, 371, 374, 375, and 372 and 373, which Wycheproof marks "valid" because a
 *   lenient decoder skips the inserted '?' and the HMAC still matches: we refuse non-canonical
 *   encodings outright (and HS256 anyway).
 */
const MALFORMED_UNSUPPORTED = new Set([
  3, 4, 6, 7, 9, 10, 11, 12, 13, 14, 15, 16, 17, 35, 36, 38, 39, 41, 42, 43, 44, 45, 259, 264, 268, 272, 320,
  325, 341, 342, 343, 344, 360, 361, 362, 363, 364, 365, 366, 368, 369, 371, 372, 373, 374, 375,
]);

/** Exact refusal for every vector over our own algorithm (ES256, P-256 keys). */
const ES256_REASONS: Record<number, string> = {
  18: 'valid',
  19: 'token_signature_invalid',
  20: 'token_malformed',
  21: 'token_malformed',
  22: 'token_signature_invalid',
  23: 'token_malformed',
  24: 'token_malformed',
  25: 'token_kid_unknown', // the modified header names kid "Xid-ec-sign"
  26: 'token_malformed',
  27: 'token_malformed',
  28: 'token_malformed',
  29: 'token_malformed',
  30: 'token_malformed',
  31: 'token_alg_not_allowed', // HS256 keyed with the EC key bytes (C-03)
  32: 'token_header_not_allowed', // embedded jwk (C-09)
  354: 'token_kid_unknown', // key with use "enc" is refused at import, so the kid is unknown
  356: 'token_kid_unknown', // key_ops without "verify": likewise
  378: 'valid',
  379: 'token_signature_malformed',
  380: 'token_signature_malformed',
  381: 'token_signature_malformed',
  382: 'token_signature_malformed',
  383: 'token_signature_malformed',
  384: 'token_signature_malformed',
  385: 'token_signature_malformed',
};
for (let tcId = 386; tcId <= 401; tcId++) ES256_REASONS[tcId] = 'token_signature_invalid';

describe('C-32: Wycheproof json_web_signature_test.json through verifyJws', () => {
  test('runs every vector once', () => {
    const count = jwsFile.testGroups.reduce((sum, group) => sum + group.tests.length, 0);
    assert.equal(count, jwsFile.numberOfTests);
    assert.equal(count, 401);
  });

  for (const group of jwsFile.testGroups) {
    const { keys, supported } = keysFor(group);
    for (const vector of group.tests) {
      const token = tokenOf(vector.jws);
      test(`tcId ${vector.tcId} ${group.comment} ${vector.comment}: ${vector.result}`, () => {
        const got = outcome(() => verifyJws(token, keys, { algorithms: ['ES256', 'EdDSA'], typ: null }));
        if (supported) {
          assert.equal(got === 'valid', vector.result === 'valid', `tcId ${vector.tcId} gave ${got}`);
          assert.equal(got, ES256_REASONS[vector.tcId]);
        } else {
          const want = MALFORMED_UNSUPPORTED.has(vector.tcId) ? 'token_malformed' : 'token_alg_not_allowed';
          assert.equal(got, want, `tcId ${vector.tcId}`);
        }
      });
    }
  }

  test('no vector passes the full app-token verifier (no typ app+jwt, no claims)', () => {
    const clock = createManualClock(Date.UTC(2026, 0, 1));
    for (const group of jwsFile.testGroups) {
      const { keys } = keysFor(group);
      const verifier = createTokenVerifier({
        keys,
        issuer: 'https://shield.example',
        audiences: ['api'],
        clock,
        maxLifetimeSeconds: 900,
      });
      for (const vector of group.tests) {
        const got = outcome(() => verifier.verifySync(tokenOf(vector.jws)));
        assert.notEqual(got, 'valid', `tcId ${vector.tcId}`);
      }
    }
  });
});

describe('Wycheproof json_web_encryption_test.json', () => {
  const clock = createManualClock(Date.UTC(2026, 0, 1));
  const verifier = createTokenVerifier({
    keys: createStaticKeySource([]),
    issuer: 'https://shield.example',
    audiences: ['api'],
    clock,
    maxLifetimeSeconds: 900,
  });

  test('every JWE is refused as token_malformed, with no decryption work', () => {
    let count = 0;
    let slowest = 0;
    for (const group of jweFile.testGroups) {
      for (const vector of group.tests) {
        count++;
        const token = tokenOf(vector.jwe);
        // Least of three runs: process CPU time also counts other threads (GC, the loader).
        let least = Number.POSITIVE_INFINITY;
        for (let i = 0; i < 3; i++) {
          const before = process.cpuUsage();
          const got = outcome(() => verifier.verifySync(token));
          const used = process.cpuUsage(before);
          least = Math.min(least, used.user + used.system);
          assert.equal(got, 'token_malformed', `tcId ${vector.tcId} ${vector.comment}`);
        }
        slowest = Math.max(slowest, least);
      }
    }
    assert.equal(count, jweFile.numberOfTests);
    assert.equal(count, 139);
    assert.ok(slowest < 5000, `slowest refusal took ${slowest} µs of CPU`);
  });
});
