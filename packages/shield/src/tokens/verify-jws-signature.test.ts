import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { importVerificationJwk } from './import-verification-jwk.js';
import type { TokenAlgorithm } from './types.js';
import { verifyJwsSignature } from './verify-jws-signature.js';

interface SignatureVectorFile {
  numberOfTests: number;
  testGroups: {
    publicKeyJwk?: Record<string, unknown>;
    publicKey: { uncompressed?: string };
    tests: {
      tcId: number;
      comment: string;
      msg: string;
      sig: string;
      result: 'valid' | 'invalid' | 'acceptable';
    }[];
  }[];
}

function fixture(name: string): SignatureVectorFile {
  const url = new URL(`../../test/fixtures/wycheproof/${name}`, import.meta.url);
  return JSON.parse(readFileSync(url, 'utf8')) as SignatureVectorFile;
}

/** A few ECDSA groups give only the uncompressed point (0x04 || x || y). */
function jwkFromUncompressed(hex: string | undefined): Record<string, unknown> {
  const point = Buffer.from(hex ?? '', 'hex');
  assert.equal(point.length, 65);
  return {
    kty: 'EC',
    crv: 'P-256',
    kid: 'none',
    x: point.subarray(1, 33).toString('base64url'),
    y: point.subarray(33).toString('base64url'),
  };
}

/**
 * Runs every vector of a Wycheproof signature file through verifyJwsSignature. 'valid' must
 * verify, 'invalid' must not; 'acceptable' (none in the pinned files) may go either way but must
 * still return a boolean.
 */
function runVectors(file: SignatureVectorFile, alg: TokenAlgorithm) {
  const disagreements: string[] = [];
  let run = 0;
  let acceptable = 0;
  for (const group of file.testGroups) {
    const key = importVerificationJwk(
      group.publicKeyJwk ?? jwkFromUncompressed(group.publicKey.uncompressed),
    );
    assert.equal(key.alg, alg);
    for (const vector of group.tests) {
      run++;
      const got = verifyJwsSignature(
        alg,
        key.publicKey,
        Buffer.from(vector.msg, 'hex'),
        Buffer.from(vector.sig, 'hex'),
      );
      assert.equal(typeof got, 'boolean');
      if (vector.result === 'acceptable') {
        acceptable++;
        continue;
      }
      if (got !== (vector.result === 'valid')) disagreements.push(`tcId ${vector.tcId} (${vector.comment})`);
    }
  }
  return { disagreements, run, acceptable };
}

describe('verifyJwsSignature', () => {
  test('agrees with every Wycheproof ECDSA P-256 SHA-256 P1363 vector', () => {
    const file = fixture('ecdsa_secp256r1_sha256_p1363_test.json');
    const { disagreements, run, acceptable } = runVectors(file, 'ES256');
    assert.equal(run, file.numberOfTests);
    assert.equal(run, 262);
    assert.equal(acceptable, 0);
    assert.deepEqual(disagreements, []);
  });

  test('agrees with every Wycheproof Ed25519 vector', () => {
    const file = fixture('ed25519_test.json');
    const { disagreements, run, acceptable } = runVectors(file, 'EdDSA');
    assert.equal(run, file.numberOfTests);
    assert.equal(run, 151);
    assert.equal(acceptable, 0);
    assert.deepEqual(disagreements, []);
  });

  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const ed = generateKeyPairSync('ed25519');
  const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
  const data = Buffer.from('header.payload');
  const ecSig = sign('sha256', data, { key: ec.privateKey, dsaEncoding: 'ieee-p1363' });
  const edSig = sign(null, data, ed.privateKey);
  const n = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');

  const cases: { name: string; alg: TokenAlgorithm; key: typeof ec.publicKey; sig: Buffer; want: boolean }[] =
    [
      { name: 'ES256 genuine', alg: 'ES256', key: ec.publicKey, sig: ecSig, want: true },
      { name: 'EdDSA genuine', alg: 'EdDSA', key: ed.publicKey, sig: edSig, want: true },
      {
        name: 'ES256 r = s = 0 (psychic signature)',
        alg: 'ES256',
        key: ec.publicKey,
        sig: Buffer.alloc(64),
        want: false,
      },
      { name: 'ES256 r = s = n', alg: 'ES256', key: ec.publicKey, sig: Buffer.concat([n, n]), want: false },
      {
        name: 'ES256 r = 0 with the real s',
        alg: 'ES256',
        key: ec.publicKey,
        sig: Buffer.concat([Buffer.alloc(32), ecSig.subarray(32)]),
        want: false,
      },
      {
        name: 'ES256 the real r with s = 0',
        alg: 'ES256',
        key: ec.publicKey,
        sig: Buffer.concat([ecSig.subarray(0, 32), Buffer.alloc(32)]),
        want: false,
      },
      {
        name: 'ES256 DER-encoded signature',
        alg: 'ES256',
        key: ec.publicKey,
        sig: sign('sha256', data, { key: ec.privateKey, dsaEncoding: 'der' }),
        want: false,
      },
      { name: 'ES256 63 bytes', alg: 'ES256', key: ec.publicKey, sig: ecSig.subarray(0, 63), want: false },
      {
        name: 'ES256 65 bytes',
        alg: 'ES256',
        key: ec.publicKey,
        sig: Buffer.concat([ecSig, Buffer.alloc(1)]),
        want: false,
      },
      { name: 'ES256 claimed with an Ed25519 key', alg: 'ES256', key: ed.publicKey, sig: ecSig, want: false },
      { name: 'EdDSA claimed with a P-256 key', alg: 'EdDSA', key: ec.publicKey, sig: edSig, want: false },
      { name: 'ES256 with a P-384 key', alg: 'ES256', key: p384.publicKey, sig: ecSig, want: false },
      {
        name: 'a private KeyObject is not a verification key',
        alg: 'ES256',
        key: ec.privateKey,
        sig: ecSig,
        want: false,
      },
    ];
  for (const c of cases) {
    test(c.name, () => {
      assert.equal(verifyJwsSignature(c.alg, c.key, data, c.sig), c.want);
    });
  }
});
