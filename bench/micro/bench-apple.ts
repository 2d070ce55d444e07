import { createHash, createPublicKey, verify } from 'node:crypto';
import { decodeCBOR } from '@levischuck/tiny-cbor';
import { createAppAttestTestAuthority, createSoftwareAppAttestDevice } from '@portcullis/testkit';
import { verifyAppleAssertion } from '../../packages/shield/src/attest/apple/verify-apple-assertion.js';
import { verifyAppleAttestation } from '../../packages/shield/src/attest/apple/verify-apple-attestation.js';

/** Throughput of the App Attest verifiers, measured in one run. */
export interface AppleBenchResult {
  /** verifyAppleAttestation calls per second (chain, nonce, key id, authData checks). */
  attestPerSec: number;
  /** verifyAppleAssertion calls per second (decode, key import, DER checks, ECDSA verify). */
  assertPerSec: number;
  /** Bare node:crypto ECDSA P-256 verifications per second: the baseline. */
  ecdsaVerifyPerSec: number;
}

const APP_ID = 'BENCH00000.dev.portcullis.bench';
const NOW = Date.parse('2026-01-01T00:00:00Z');

function perSecond(iterations: number, run: (i: number) => void): number {
  const start = performance.now();
  for (let i = 0; i < iterations; i++) run(i);
  const elapsed = performance.now() - start;
  return Math.round((iterations * 1000) / Math.max(elapsed, 1e-3));
}

/**
 * Measures the App Attest verifiers against a software device (test root as a test anchor), next
 * to bare ECDSA P-256 verification. About 1-3 ms of CPU per attestation; keep `iterations` small
 * (the default 100 runs in about a second on an idle machine). Throws if a verification that must succeed fails.
 *
 * @example
 * ```ts
 * const { attestPerSec, assertPerSec, ecdsaVerifyPerSec } = benchApple(100);
 * ```
 */
export function benchApple(iterations = 100): AppleBenchResult {
  if (!Number.isSafeInteger(iterations) || iterations < 1)
    throw new TypeError('iterations must be a positive integer');
  const authority = createAppAttestTestAuthority();
  const device = createSoftwareAppAttestDevice({
    authority,
    appId: APP_ID,
    environment: 'development',
    now: () => NOW,
  });
  const clientDataHash = createHash('sha256').update('bench challenge').digest();
  const attestation = device.attest(clientDataHash);
  const anchors = { roots: [], testRoots: [authority.root] };
  const policy = { appIds: [APP_ID], environments: ['development' as const] };
  const at = new Date(NOW);
  const attest = () => {
    const result = verifyAppleAttestation(
      { keyId: device.keyId, attestation, clientDataHash },
      policy,
      anchors,
      at,
    );
    if (!result.ok) throw new Error(`bench attestation refused: ${result.code}`);
  };
  attest(); // warm-up

  const assertions = Array.from({ length: iterations }, () => device.assert(clientDataHash));
  const assertPolicy = { appIds: [APP_ID] };
  const assert = (i: number) => {
    const device_ = { publicKeyJwk: device.publicKeyJwk, counter: i };
    const result = verifyAppleAssertion({ assertion: assertions[i]!, clientDataHash }, device_, assertPolicy);
    if (!result.ok) throw new Error(`bench assertion refused: ${result.code}`);
  };

  // Baseline: the one ECDSA verification inside an assertion, with the key already imported.
  const first = decodeCBOR(assertions[0]!) as Map<string, Uint8Array>;
  const nonce = createHash('sha256').update(first.get('authenticatorData')!).update(clientDataHash).digest();
  const signature = first.get('signature')!;
  const key = createPublicKey({ key: { ...device.publicKeyJwk }, format: 'jwk' });
  const ecdsa = () => {
    if (!verify('sha256', nonce, { key, dsaEncoding: 'der' }, signature))
      throw new Error('bench signature refused');
  };

  return {
    attestPerSec: perSecond(iterations, attest),
    assertPerSec: perSecond(iterations, assert),
    ecdsaVerifyPerSec: perSecond(iterations, ecdsa),
  };
}
