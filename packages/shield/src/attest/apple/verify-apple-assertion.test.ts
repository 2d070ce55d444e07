import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { describe, test } from 'node:test';
import { type CBORType, decodeCBOR, encodeCBOR } from '@levischuck/tiny-cbor';
import type { JsonWebKeyLike } from '@portcullis/protocol';
import {
  type AppleAssertionVector,
  loadAppleAssertionVectors,
  loadAppleAttestationVectors,
} from '../../../test/fixtures/apple/load-apple-vectors.js';
import {
  APPLE_APP_ATTESTATION_ROOT_CA_PEM,
  APPLE_ASSERTION_STEPS,
  type AppleAssertionResult,
  loadAppleRoots,
  verifyAppleAssertion,
  verifyAppleAttestation,
} from './index.js';

const ASSERTIONS = loadAppleAssertionVectors();
const ATTESTATIONS = loadAppleAttestationVectors();
const APPLE = { roots: loadAppleRoots([APPLE_APP_ATTESTATION_ROOT_CA_PEM]), testRoots: [] };
/** Order n of the P-256 group. */
const N = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');

type AssertionMap = Map<string | number, CBORType>;
const decodeMap = (bytes: Uint8Array) => decodeCBOR(Uint8Array.from(bytes)) as AssertionMap;
const edit = (v: AppleAssertionVector, change: (map: AssertionMap) => void): Uint8Array => {
  const map = decodeMap(v.assertion);
  change(map);
  return encodeCBOR(map);
};
const flip = (bytes: Uint8Array, index: number): Uint8Array => {
  const copy = Uint8Array.from(bytes);
  copy[index] = copy[index]! ^ 0x01;
  return copy;
};
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

/** DER INTEGER of an unsigned big-endian value (minimal, with a 0x00 pad when the top bit is set). */
function derInteger(value: Uint8Array): number[] {
  let bytes = [...value];
  while (bytes.length > 1 && bytes[0] === 0) bytes = bytes.slice(1);
  if ((bytes[0]! & 0x80) !== 0) bytes = [0, ...bytes];
  return [0x02, bytes.length, ...bytes];
}
function derSignature(r: Uint8Array, s: Uint8Array): Uint8Array {
  const body = [...derInteger(r), ...derInteger(s)];
  return Uint8Array.from([0x30, body.length, ...body]);
}
/** r and s of a DER signature (short-form lengths, as P-256 signatures always have). */
function splitSignature(signature: Uint8Array): { r: Uint8Array; s: Uint8Array } {
  const rLength = signature[3]!;
  const r = signature.slice(4, 4 + rLength);
  const s = signature.slice(4 + rLength + 2);
  return { r, s };
}

function verify(
  v: AppleAssertionVector,
  overrides: {
    assertion?: Uint8Array;
    clientDataHash?: Uint8Array;
    publicKeyJwk?: JsonWebKeyLike;
    counter?: number;
    appIds?: string[];
  } = {},
): AppleAssertionResult {
  return verifyAppleAssertion(
    {
      assertion: overrides.assertion ?? v.assertion,
      clientDataHash: overrides.clientDataHash ?? v.clientDataHash,
    },
    {
      publicKeyJwk: overrides.publicKeyJwk ?? v.publicKeyJwk,
      counter: overrides.counter ?? v.previousCounter,
    },
    { appIds: overrides.appIds ?? [v.appId] },
  );
}

function expectFailure(
  result: AppleAssertionResult,
  code: string,
  kind: 'invalid' | 'policy' = 'invalid',
): void {
  assert.equal(result.ok, false, `expected ${code}, got success`);
  if (result.ok) return;
  assert.equal(result.code, code, result.message);
  assert.equal(result.kind, kind);
  assert.deepEqual(
    result.steps.map((s) => s.step),
    [...APPLE_ASSERTION_STEPS],
  );
  assert.match(result.steps.map((s) => s.verdict).join(','), /^(pass,)*fail(,skipped)*$/);
}

describe('verifyAppleAssertion: real devices', () => {
  for (const v of ASSERTIONS) {
    describe(v.name, () => {
      test('verifies and returns the new counter', () => {
        const result = verify(v);
        assert.ok(result.ok, result.ok ? '' : `${result.code}: ${result.message}`);
        assert.equal(result.counter, v.counter);
        assert.deepEqual(
          result.steps,
          APPLE_ASSERTION_STEPS.map((step) => ({ step, verdict: 'pass' })),
        );
      });

      if (v.attestationName !== undefined) {
        test('verifies with the key its attestation registered', () => {
          const attestation = ATTESTATIONS.find((a) => a.name === v.attestationName)!;
          const attested = verifyAppleAttestation(
            {
              keyId: attestation.keyId,
              attestation: attestation.attestation,
              clientDataHash: attestation.clientDataHash,
            },
            { appIds: [attestation.appId], environments: [attestation.environment] },
            APPLE,
            attestation.at,
          );
          assert.ok(attested.ok);
          assert.deepEqual(attested.evidence.publicKeyJwk, v.publicKeyJwk);
          const result = verify(v, {
            publicKeyJwk: attested.evidence.publicKeyJwk!,
            counter: attested.evidence.counter!,
          });
          assert.ok(result.ok);
          assert.equal(result.counter, v.counter);
        });
      }

      const other = ASSERTIONS.find((w) => w.publicKeyJwk.x !== v.publicKeyJwk.x)!;
      const { signature, authenticatorData } = (() => {
        const map = decodeMap(v.assertion);
        return {
          signature: map.get('signature') as Uint8Array,
          authenticatorData: map.get('authenticatorData') as Uint8Array,
        };
      })();
      const { r, s } = splitSignature(signature);
      const withSignature = (sig: Uint8Array) => edit(v, (m) => m.set('signature', sig));
      const rsaJwk = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({
        format: 'jwk',
      }) as JsonWebKeyLike;
      const cases: { name: string; code: string; kind?: 'policy'; run: () => AppleAssertionResult }[] = [
        // Signature over SHA-256(authenticatorData ‖ clientDataHash) (Apple steps 1-3).
        {
          name: 'clientDataHash with one bit flipped',
          code: 'apple_signature_invalid',
          run: () => verify(v, { clientDataHash: flip(v.clientDataHash, 31) }),
        },
        {
          name: "client data '{}' (another request)",
          code: 'apple_signature_invalid',
          run: () => verify(v, { clientDataHash: sha256('{}') }),
        },
        {
          name: 'public key of another device',
          code: 'apple_signature_invalid',
          run: () => verify(v, { publicKeyJwk: other.publicKeyJwk }),
        },
        {
          name: 'authenticatorData counter raised',
          code: 'apple_signature_invalid',
          run: () =>
            verify(v, { assertion: edit(v, (m) => m.set('authenticatorData', flip(authenticatorData, 35))) }),
        },
        {
          name: 'signature with one bit flipped',
          code: 'apple_signature_invalid',
          run: () => verify(v, { assertion: withSignature(flip(signature, signature.byteLength - 1)) }),
        },
        {
          name: 'psychic signature r = s = 0',
          code: 'apple_signature_invalid',
          run: () =>
            verify(v, {
              assertion: withSignature(Uint8Array.from([0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00])),
            }),
        },
        {
          name: 'psychic signature r = s = n',
          code: 'apple_signature_invalid',
          run: () => verify(v, { assertion: withSignature(derSignature(N, N)) }),
        },
        {
          name: 'r = 0 with the real s',
          code: 'apple_signature_invalid',
          run: () => verify(v, { assertion: withSignature(derSignature(new Uint8Array(1), s)) }),
        },
        {
          name: 'the real r with s = 0',
          code: 'apple_signature_invalid',
          run: () => verify(v, { assertion: withSignature(derSignature(r, new Uint8Array(1))) }),
        },
        {
          name: 'r + n (same residue, out of range)',
          code: 'apple_signature_invalid',
          run: () => {
            const sum = (
              BigInt(`0x${Buffer.from(r).toString('hex')}`) + BigInt(`0x${N.toString('hex')}`)
            ).toString(16);
            return verify(v, {
              assertion: withSignature(
                derSignature(Buffer.from(sum.padStart(sum.length + (sum.length % 2), '0'), 'hex'), s),
              ),
            });
          },
        },
        {
          name: 'r with a superfluous leading zero (not DER)',
          code: 'apple_signature_invalid',
          run: () => {
            const body = [0x02, r.byteLength + 1, 0, ...r, 0x02, s.byteLength, ...s];
            return verify(v, { assertion: withSignature(Uint8Array.from([0x30, body.length, ...body])) });
          },
        },
        {
          name: 'signature as 64-byte r ‖ s (P1363)',
          code: 'apple_signature_invalid',
          run: () => {
            const fixed = (x: Uint8Array) => Buffer.concat([Buffer.alloc(32), Buffer.from(x)]).subarray(-32);
            return verify(v, { assertion: withSignature(Buffer.concat([fixed(r), fixed(s)])) });
          },
        },
        {
          name: 'signature with a trailing byte',
          code: 'apple_signature_invalid',
          run: () => verify(v, { assertion: withSignature(Uint8Array.from([...signature, 0])) }),
        },
        {
          name: 'empty signature',
          code: 'apple_signature_invalid',
          run: () => verify(v, { assertion: withSignature(new Uint8Array(0)) }),
        },
        {
          name: '1024-byte signature',
          code: 'apple_signature_invalid',
          run: () => verify(v, { assertion: withSignature(new Uint8Array(1024).fill(0x30)) }),
        },
        // App identity (Apple step 4).
        {
          name: 'wrong team id',
          code: 'apple_rp_id_mismatch',
          kind: 'policy',
          run: () => verify(v, { appIds: [`ZZZZZZZZZZ.${v.bundleId}`] }),
        },
        {
          name: "wrong bundle id ('INVALID')",
          code: 'apple_rp_id_mismatch',
          kind: 'policy',
          run: () => verify(v, { appIds: [`${v.teamId}.INVALID`] }),
        },
        // Counter (Apple step 5).
        {
          name: 'stored counter equal to the assertion counter',
          code: 'apple_counter_not_increasing',
          run: () => verify(v, { counter: v.counter }),
        },
        {
          name: 'stored counter ahead (rollback, signCount 10)',
          code: 'apple_counter_not_increasing',
          run: () => verify(v, { counter: 10 }),
        },
        // Stored key.
        {
          name: 'stored key is an RSA key',
          code: 'apple_stored_key_invalid',
          run: () => verify(v, { publicKeyJwk: rsaJwk }),
        },
        {
          name: 'stored key without y',
          code: 'apple_stored_key_invalid',
          run: () => verify(v, { publicKeyJwk: { kty: 'EC', crv: 'P-256', x: String(v.publicKeyJwk.x) } }),
        },
        {
          name: 'stored key not on the curve',
          code: 'apple_stored_key_invalid',
          run: () => verify(v, { publicKeyJwk: { ...v.publicKeyJwk, y: String(v.publicKeyJwk.x) } }),
        },
        // Structure and CBOR.
        {
          name: 'authenticatorData of 36 bytes',
          code: 'apple_auth_data_malformed',
          run: () =>
            verify(v, {
              assertion: edit(v, (m) => m.set('authenticatorData', authenticatorData.slice(0, 36))),
            }),
        },
        {
          name: 'truncated CBOR (last byte)',
          code: 'apple_cbor_malformed',
          run: () => verify(v, { assertion: v.assertion.slice(0, -1) }),
        },
        {
          name: 'trailing byte after the CBOR item',
          code: 'apple_cbor_malformed',
          run: () => verify(v, { assertion: Uint8Array.from([...v.assertion, 0]) }),
        },
        {
          name: 'indefinite-length map',
          code: 'apple_cbor_malformed',
          run: () => verify(v, { assertion: Uint8Array.from([0xbf, ...v.assertion.slice(1), 0xff]) }),
        },
        {
          name: 'signature as a text string',
          code: 'apple_assertion_malformed',
          run: () => verify(v, { assertion: edit(v, (m) => m.set('signature', 'sig')) }),
        },
        {
          name: 'authenticatorData missing',
          code: 'apple_assertion_malformed',
          run: () => verify(v, { assertion: edit(v, (m) => m.delete('authenticatorData')) }),
        },
        {
          name: 'an array instead of a map',
          code: 'apple_assertion_malformed',
          run: () => verify(v, { assertion: encodeCBOR([signature, authenticatorData]) }),
        },
        {
          name: 'a map without the assertion fields',
          code: 'apple_assertion_malformed',
          run: () => verify(v, { assertion: encodeCBOR(new Map([['fmt', 'apple-appattest']])) }),
        },
        {
          name: 'larger than 4 KiB',
          code: 'apple_assertion_too_large',
          run: () => verify(v, { assertion: new Uint8Array(4097) }),
        },
      ];
      for (const c of cases) {
        test(`${c.name} → ${c.code}`, () => expectFailure(c.run(), c.code, c.kind));
      }
    });
  }
});

describe('verifyAppleAssertion: caller mistakes are TypeErrors', () => {
  const v = ASSERTIONS[0]!;
  test('clientDataHash that is not bytes', () => {
    assert.throws(() => verify(v, { clientDataHash: 'hash' as unknown as Uint8Array }), TypeError);
  });
  test('a clientDataHash of another length is evidence to judge, not a caller mistake', () => {
    const result = verify(v, { clientDataHash: new Uint8Array(33) });
    assert.equal(result.ok ? undefined : result.code, 'apple_signature_invalid');
  });
  test('negative or fractional stored counter', () => {
    assert.throws(() => verify(v, { counter: -1 }), TypeError);
    assert.throws(() => verify(v, { counter: 0.5 }), TypeError);
  });
  test('no App ID', () => {
    assert.throws(() => verify(v, { appIds: [] }), TypeError);
  });
});
