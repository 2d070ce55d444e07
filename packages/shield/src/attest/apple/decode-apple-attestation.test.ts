import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CBORType, decodeCBOR, encodeCBOR } from '@levischuck/tiny-cbor';
import fc from 'fast-check';
import {
  loadAppleAssertionVectors,
  loadAppleAttestationVectors,
} from '../../../test/fixtures/apple/load-apple-vectors.js';
import { decodeAppleAssertion } from './decode-apple-assertion.js';
import { decodeAppleAttestation } from './decode-apple-attestation.js';
import {
  APPLE_APP_ATTESTATION_ROOT_CA_PEM,
  loadAppleRoots,
  verifyAppleAssertion,
  verifyAppleAttestation,
} from './index.js';

const APPLE = { roots: loadAppleRoots([APPLE_APP_ATTESTATION_ROOT_CA_PEM]), testRoots: [] };
const ATTESTATION = loadAppleAttestationVectors().find((v) => v.environment === 'production')!;
const ASSERTION = loadAppleAssertionVectors()[0]!;
// Fixed seeds: the runs are the same on every machine.
const RUNS = { numRuns: 300, seed: 20240601 };

const verifyAttestation = (attestation: Uint8Array) =>
  verifyAppleAttestation(
    { keyId: ATTESTATION.keyId, attestation, clientDataHash: ATTESTATION.clientDataHash },
    { appIds: [ATTESTATION.appId], environments: ['development', 'production'] },
    APPLE,
    ATTESTATION.at,
  );
const verifyAssertion = (assertion: Uint8Array) =>
  verifyAppleAssertion(
    { assertion, clientDataHash: ASSERTION.clientDataHash },
    { publicKeyJwk: ASSERTION.publicKeyJwk, counter: 0 },
    { appIds: [ASSERTION.appId] },
  );

describe('App Attest parsers never throw and never accept garbage', () => {
  test('decoders accept Buffers as well as plain Uint8Arrays', () => {
    assert.equal(decodeAppleAttestation(Buffer.from(ATTESTATION.attestation)).ok, true);
    assert.equal(decodeAppleAssertion(Buffer.from(ASSERTION.assertion)).ok, true);
    assert.equal(verifyAttestation(Buffer.from(ATTESTATION.attestation)).ok, true);
  });

  test('random bytes are refused by both verifiers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2048 }), (bytes) => {
        assert.equal(verifyAttestation(bytes).ok, false);
        assert.equal(verifyAssertion(bytes).ok, false);
      }),
      RUNS,
    );
  });

  test('random CBOR-looking maps are refused by both verifiers', () => {
    const value = fc.oneof(fc.string(), fc.uint8Array({ maxLength: 64 }), fc.integer(), fc.constant(null));
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom('fmt', 'attStmt', 'authData', 'signature', 'authenticatorData', 'x5c'),
          value,
        ),
        (entries) => {
          const bytes = encodeCBOR(new Map<string, CBORType>(Object.entries(entries)));
          assert.equal(verifyAttestation(bytes).ok, false);
          assert.equal(verifyAssertion(bytes).ok, false);
        },
      ),
      RUNS,
    );
  });

  test('flipping any one bit of a real attestation is refused, except inside the unverified receipt', () => {
    const receipt = (
      decodeCBOR(Uint8Array.from(ATTESTATION.attestation)) as Map<string, Map<string, Uint8Array>>
    )
      .get('attStmt')!
      .get('receipt')!;
    const receiptStart = Buffer.from(ATTESTATION.attestation).indexOf(Buffer.from(receipt));
    assert.ok(receiptStart > 0);
    fc.assert(
      fc.property(fc.nat(ATTESTATION.attestation.byteLength - 1), fc.nat(7), (index, bit) => {
        const mutated = Uint8Array.from(ATTESTATION.attestation);
        mutated[index] = mutated[index]! ^ (1 << bit);
        const result = verifyAttestation(mutated);
        const inReceipt = index >= receiptStart && index < receiptStart + receipt.byteLength;
        if (!inReceipt) assert.equal(result.ok, false, `bit ${bit} of byte ${index} was not detected`);
      }),
      RUNS,
    );
  });

  test('flipping any one bit of a real assertion is refused', () => {
    fc.assert(
      fc.property(fc.nat(ASSERTION.assertion.byteLength - 1), fc.nat(7), (index, bit) => {
        const mutated = Uint8Array.from(ASSERTION.assertion);
        mutated[index] = mutated[index]! ^ (1 << bit);
        assert.equal(verifyAssertion(mutated).ok, false, `bit ${bit} of byte ${index} was not detected`);
      }),
      RUNS,
    );
  });

  test('deep nesting, indefinite lengths and tags are refused without a crash', () => {
    const deep = (depth: number) => Uint8Array.from([...new Array(depth).fill(0x81), 0x00]);
    for (const bytes of [deep(10_000), deep(60_000), deep(4_000)]) {
      const attestation = verifyAttestation(bytes);
      assert.equal(attestation.ok, false);
      assert.ok(
        ['apple_cbor_malformed', 'apple_attestation_malformed'].includes(
          attestation.ok ? '' : attestation.code,
        ),
      );
      assert.equal(verifyAssertion(bytes.slice(-4001)).ok, false);
    }
    // {_ "fmt": "x"} with an indefinite-length map, and a tagged map.
    const indefinite = Uint8Array.from([0xbf, 0x63, 0x66, 0x6d, 0x74, 0x61, 0x78, 0xff]);
    const tagged = Uint8Array.from([0xd8, 0x18, 0xa0]);
    for (const bytes of [indefinite, tagged]) {
      assert.equal(verifyAttestation(bytes).ok, false);
      assert.equal(verifyAssertion(bytes).ok, false);
    }
  });
});
