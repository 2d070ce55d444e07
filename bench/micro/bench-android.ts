import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { lenientAndroidPolicy } from '../../packages/shield/src/attest/android/android-policy.js';
import {
  GOOGLE_ATTESTATION_ROOTS_PEM,
  loadAndroidRoots,
} from '../../packages/shield/src/attest/android/roots.js';
import { verifyAndroidAssertion } from '../../packages/shield/src/attest/android/verify-android-assertion.js';
import { verifyAndroidKeyAttestation } from '../../packages/shield/src/attest/android/verify-android-key-attestation.js';

/** Operations per second of the Android verifiers on this machine. */
export interface AndroidBenchResult {
  /** verifyAndroidKeyAttestation on a real five-certificate Pixel 9 Pro chain (RKP, RSA-4096 root). */
  attestPerSec: number;
  /** verifyAndroidAssertion (JWK import, DER checks, ECDSA P-256 verify). */
  assertPerSec: number;
  /** A bare node:crypto ECDSA P-256 SHA-256 verify, for comparison. */
  ecdsaVerifyPerSec: number;
}

/** The real chain the benchmark verifies (a repository test fixture). */
const CHAIN_FIXTURE = new URL(
  '../../packages/shield/test/fixtures/android/keyattestation-google/pixel9pro-caiman-2025-09-tee-ec-rkp.pem',
  import.meta.url,
);

/** Each measurement stops after this long even if iterations remain, so a run stays under 5 s. */
const BUDGET_MS = 1200;

function perSecond(iterations: number, run: () => void): number {
  run(); // warm up
  const start = performance.now();
  let done = 0;
  let elapsed = 0;
  while (done < iterations && elapsed < BUDGET_MS) {
    run();
    done++;
    elapsed = performance.now() - start;
  }
  return Math.round((done * 1000) / Math.max(elapsed, 1e-3));
}

/**
 * Measures the Android verifiers: up to `iterations` runs of each, each measurement capped at
 * 1.2 s so that the whole call stays under 5 s on a slow or busy machine.
 *
 * @throws Error when a verification that must succeed does not (a broken benchmark, not a slow one).
 * @example
 * const { attestPerSec } = benchAndroid(200);
 */
export function benchAndroid(iterations: number): AndroidBenchResult {
  if (!Number.isSafeInteger(iterations) || iterations < 1)
    throw new TypeError('iterations must be a positive integer');
  const pem = readFileSync(CHAIN_FIXTURE, 'utf8');
  const chain = [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map(
    (m) => new Uint8Array(Buffer.from((m[1] ?? '').replace(/\s+/g, ''), 'base64')),
  );
  const input = { chain, challenge: 'd688d763-6118-4ca6-94b2-e6cd9ed7e4e4' };
  const policy = lenientAndroidPolicy({
    packageName: 'com.google.android.attestation',
    signingCertSha256: ['103938ee4537e59e8ee792f654504fb8346fc6b346d0bbc4415fc339fcfc8ec1'],
  });
  const anchors = {
    roots: loadAndroidRoots(GOOGLE_ATTESTATION_ROOTS_PEM),
    revocation: 'stale-allow' as const,
  };
  const at = new Date('2025-09-26T15:31:20.964Z');
  const check = verifyAndroidKeyAttestation(input, policy, anchors, at);
  if (!check.ok) throw new Error(`benchmark chain refused: ${check.code}`);

  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const message = new TextEncoder().encode('a fresh challenge of forty-three characters');
  const signature = new Uint8Array(sign('sha256', message, { key: keys.privateKey, dsaEncoding: 'der' }));
  const device = { publicKeyJwk: { ...keys.publicKey.export({ format: 'jwk' }), kty: 'EC' } };
  if (!verifyAndroidAssertion({ signature, message }, device).ok)
    throw new Error('benchmark assertion refused');

  return {
    attestPerSec: perSecond(iterations, () => verifyAndroidKeyAttestation(input, policy, anchors, at)),
    assertPerSec: perSecond(iterations, () => verifyAndroidAssertion({ signature, message }, device)),
    ecdsaVerifyPerSec: perSecond(iterations, () =>
      verify('sha256', message, { key: keys.publicKey, dsaEncoding: 'der' }, signature),
    ),
  };
}
