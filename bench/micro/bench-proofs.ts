import { createHash, generateKeyPairSync, sign, verify } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { type AppTokenClaims, formatProofHeader, proofMessage } from '@portcullis/protocol';
import { createAppAttestTestAuthority, createSoftwareAppAttestDevice } from '@portcullis/testkit';
import type {
  GatewayCheck,
  GatewayCheckContext,
  RouteSpec,
} from '../../packages/shield/src/gateway/types.js';
import { createProofCheck } from '../../packages/shield/src/proofs/create-proof-check.js';
import { createMemoryStores } from '../../packages/shield/src/stores/memory/create-memory-stores.js';
import type { NewDevice } from '../../packages/shield/src/stores/ports.js';

/** Throughput of per-request proof verification, measured in one run. */
export interface ProofBenchResult {
  /** Bare node:crypto ECDSA P-256 verifications per second over a proof message: the baseline. */
  ecdsaVerifyPerSec: number;
  /**
   * Android proofs through the whole gateway check per second: header parse, freshness, device
   * lookup, message rebuild (body, token and Authorization hashes), DER and ECDSA checks, replay
   * store write (memory store).
   */
  proofVerifyPerSec: number;
  /** The same for iOS App Attest proofs, with the counter compare-and-set. */
  appleProofVerifyPerSec: number;
}

const NOW = Date.parse('2026-11-28T12:00:00Z');
const APP = 'bench';
const APP_ID = 'BENCH00000.dev.portcullis.bench';
const TOKEN = `${'e'.repeat(120)}.${'p'.repeat(400)}.${'s'.repeat(86)}`;
const AUTHORIZATION = 'Bearer bench-user-session-0001';
const ROUTE: RouteSpec = {
  id: 'bench',
  methods: ['POST'],
  path: '/bench',
  upstream: new URL('http://127.0.0.1:9'),
  public: false,
  require: { token: true },
  inject: { headers: {} },
  maxBodyBytes: 1024,
  timeouts: { connectMs: 1000, headersMs: 1000, bodyMs: 1000 },
};

function body(i: number): Buffer {
  return Buffer.from(JSON.stringify({ item: i, quantity: 1, note: 'bench request body' }));
}

function context(claims: AppTokenClaims, proof: string, payload: Buffer): GatewayCheckContext {
  return {
    requestId: 'bench',
    route: ROUTE,
    claims,
    token: TOKEN,
    method: 'POST',
    path: '/bench',
    query: null,
    target: '/bench',
    headers: { 'portcullis-proof': proof, authorization: AUTHORIZATION },
    clientIp: '127.0.0.1',
    body: payload,
    now: NOW,
    setResponseHeader() {},
  };
}

function message(payload: Buffer): string {
  return proofMessage({
    method: 'POST',
    target: '/bench',
    body: payload,
    timestampMs: NOW,
    token: TOKEN,
    authorization: AUTHORIZATION,
  });
}

async function checksPerSecond(check: GatewayCheck, contexts: GatewayCheckContext[]): Promise<number> {
  const start = performance.now();
  for (const each of contexts) await check.run(each);
  const elapsed = performance.now() - start;
  return Math.round((contexts.length * 1000) / Math.max(elapsed, 1e-3));
}

function device(
  keyId: string,
  platform: 'ios' | 'android',
  publicKeyJwk: NewDevice['publicKeyJwk'],
): NewDevice {
  return {
    keyId,
    appId: APP,
    platform,
    level: 'hardware',
    publicKeyJwk,
    counter: 0,
    receipt: null,
    testRoot: true,
    attestation: {
      evidence: [platform === 'ios' ? 'apple-app-attest' : 'android-key-attestation'],
      environment: platform === 'ios' ? 'production' : null,
      policy: '{}',
    },
    firstSeen: NOW,
  };
}

/**
 * Measures per-request proof verification: `iterations` distinct proofs of each platform through
 * `createProofCheck` with memory stores, next to bare ECDSA P-256 verification. Signing the
 * proofs beforehand is not timed. 500 iterations take well under a second on an idle machine; keep
 * the whole run under 5 s. Throws if a proof that must pass is refused.
 *
 * @example
 * ```ts
 * const { ecdsaVerifyPerSec, proofVerifyPerSec } = await benchProofs(1000);
 * ```
 */
export async function benchProofs(iterations = 500): Promise<ProofBenchResult> {
  if (!Number.isSafeInteger(iterations) || iterations < 1) {
    throw new TypeError('iterations must be a positive integer');
  }
  const stores = createMemoryStores({ maxEntries: 4 * iterations + 10 });
  try {
    const check = createProofCheck({
      devices: stores.devices,
      replay: stores.replay,
      routes: { bench: {} },
      appIdsFor: () => [APP_ID],
      allowTestRootDevices: true,
    });

    // Android: a node:crypto P-256 key, as the Keystore signs (SHA256withECDSA, DER).
    const android = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const exported = android.publicKey.export({ format: 'jwk' });
    const androidJwk = { kty: 'EC', crv: 'P-256', x: exported.x!, y: exported.y! };
    await stores.devices.register(device('android-bench-key', 'android', androidJwk));
    const androidClaims: AppTokenClaims = {
      iss: 'https://shield.bench',
      aud: ['bench'],
      sub: APP,
      iat: NOW / 1000,
      exp: NOW / 1000 + 300,
      jti: 'bench',
      plt: 'android',
      lvl: 'hardware',
      cnf: { kid: 'android-bench-key', jwk: androidJwk },
    };
    const androidContexts: GatewayCheckContext[] = [];
    let baseline: { data: Buffer; signature: Buffer } | undefined;
    for (let i = 0; i < iterations; i++) {
      const payload = body(i);
      const data = Buffer.from(message(payload));
      const signature = sign('sha256', data, { key: android.privateKey, dsaEncoding: 'der' });
      baseline ??= { data, signature };
      androidContexts.push(context(androidClaims, formatProofHeader(NOW, signature), payload));
    }

    // iOS: the test kit's software App Attest device, in Apple's assertion format.
    const authority = createAppAttestTestAuthority();
    const ios = createSoftwareAppAttestDevice({
      authority,
      appId: APP_ID,
      environment: 'development',
      now: () => NOW,
    });
    await stores.devices.register(device(ios.keyId, 'ios', ios.publicKeyJwk));
    const iosClaims: AppTokenClaims = {
      ...androidClaims,
      plt: 'ios',
      cnf: { kid: ios.keyId, jwk: ios.publicKeyJwk },
    };
    const iosContexts: GatewayCheckContext[] = [];
    for (let i = 0; i < iterations; i++) {
      const payload = body(i);
      const assertion = ios.assert(createHash('sha256').update(message(payload)).digest());
      iosContexts.push(context(iosClaims, formatProofHeader(NOW, assertion), payload));
    }

    const { data, signature } = baseline!;
    const start = performance.now();
    for (let i = 0; i < iterations; i++) {
      if (!verify('sha256', data, { key: android.publicKey, dsaEncoding: 'der' }, signature)) {
        throw new Error('bench signature refused');
      }
    }
    const ecdsaVerifyPerSec = Math.round((iterations * 1000) / Math.max(performance.now() - start, 1e-3));
    return {
      ecdsaVerifyPerSec,
      proofVerifyPerSec: await checksPerSecond(check, androidContexts),
      appleProofVerifyPerSec: await checksPerSecond(check, iosContexts),
    };
  } finally {
    await stores.close();
  }
}
