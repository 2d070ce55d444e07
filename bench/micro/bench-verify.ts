/**
 * Micro-benchmark of the backend verifier against the shield's own, in one run on the same
 * tokens. Node only (it builds the keys with the shield's key store and serves the JWKS on
 * loopback).
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createManualClock } from '../../packages/shield/src/clock.js';
import {
  createKeyStore,
  createTokenIssuer,
  createTokenVerifier,
} from '../../packages/shield/src/tokens/index.js';
import { createAppTokenVerifier } from '../../packages/verify/src/create-app-token-verifier.js';
import { createRemoteJwks } from '../../packages/verify/src/create-remote-jwks.js';

export interface VerifyBenchResult {
  /** The shield's verifySync() on tokens it has not seen (node:crypto, every check, the cache insert). */
  shieldMissPerSec: number;
  /** The shield's verifySync() on a cached token. */
  shieldHitPerSec: number;
  /** @portcullis/verify's verify() on tokens it has not seen (Web Crypto, every check, the cache insert). */
  verifyMissPerSec: number;
  /** @portcullis/verify's verify() on a cached token (a key lookup, an await). */
  verifyHitPerSec: number;
}

const ISSUER = 'https://shield.bench.invalid';
const BATCH = 25;
const HIT_BATCH = 1000;
const HIT_ROUNDS = 50;

function micros(began: bigint): number {
  return Number(process.hrtime.bigint() - began) / 1e3;
}

/** Operations per second at the first-quartile batch (batches another process interrupted fall in the slow tail). */
function perSecond(microsPerOp: number[]): number {
  const sorted = [...microsPerOp].sort((a, b) => a - b);
  return Math.round(1e6 / sorted[Math.floor(sorted.length / 4)]!);
}

/**
 * Measures verifications per second, cache miss and cache hit, of `@portcullis/verify` (its
 * JWKS fetched once from a loopback server, as in a backend) and of the shield's verifier, in
 * one run: misses alternate in batches of 25 over the same ES256 tokens (iterations is clamped
 * to 100..5000), hits alternate in rounds of 1000 on one cached token. Each rate is taken at the
 * first-quartile batch.
 *
 * @example
 * ```ts
 * const { shieldMissPerSec, verifyMissPerSec } = await benchVerify(2000);
 * ```
 */
export async function benchVerify(iterations: number): Promise<VerifyBenchResult> {
  const n = Math.max(4 * BATCH, Math.min(Math.floor(iterations), 5000));
  const dir = await mkdtemp(join(tmpdir(), 'portcullis-bench-verify-'));
  const clock = createManualClock(Date.UTC(2026, 0, 1));
  const keys = createKeyStore({ dir, alg: 'ES256', clock });
  const server = createServer((_req, res) => {
    const jwks = keys.jwksHttp();
    res.writeHead(200, {
      'content-type': 'application/json',
      'cache-control': jwks.cacheControl,
      etag: jwks.etag,
    });
    res.end(jwks.body);
  });
  try {
    await keys.load();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
    const issuer = createTokenIssuer({ keys, issuer: ISSUER, clock });
    const device = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' });
    const jwk = { kty: 'EC', crv: 'P-256', x: device.x ?? '', y: device.y ?? '' };
    const tokens: string[] = [];
    for (let i = 0; i < n; i++) {
      const minted = await issuer.issue({
        sub: 'bench',
        aud: ['bench-api'],
        plt: 'ios',
        lvl: 'hardware',
        cnf: { kid: `device-${i}`, jwk },
        ttlSeconds: 300,
      });
      tokens.push(minted.token);
    }
    const options = { issuer: ISSUER, audiences: ['bench-api'], clock, maxLifetimeSeconds: 900 };
    const shield = createTokenVerifier({ ...options, keys });
    const ours = createAppTokenVerifier({ ...options, keys: createRemoteJwks({ url, clock }) });
    // Warm up both (JIT, crypto contexts; the JWKS fetch) on throw-away tokens' worth of work.
    const warmShield = createTokenVerifier({ ...options, keys });
    const warmOurs = createAppTokenVerifier({ ...options, keys: createRemoteJwks({ url, clock }) });
    for (const token of tokens.slice(0, 50)) {
      warmShield.verifySync(token);
      if (!(await warmOurs.verify(token)).ok) throw new Error('benchVerify: a token did not verify');
    }

    const shieldMiss: number[] = [];
    const oursMiss: number[] = [];
    for (let start = 0; start + BATCH <= n; start += BATCH) {
      const batch = tokens.slice(start, start + BATCH);
      const runShield = () => {
        const began = process.hrtime.bigint();
        for (const token of batch) shield.verifySync(token);
        shieldMiss.push(micros(began) / BATCH);
      };
      const runOurs = async () => {
        const began = process.hrtime.bigint();
        for (const token of batch) await ours.verify(token);
        oursMiss.push(micros(began) / BATCH);
      };
      if ((start / BATCH) % 2 === 0) {
        runShield();
        await runOurs();
      } else {
        await runOurs();
        runShield();
      }
    }
    if (shield.stats().cacheHits !== 0 || ours.stats().cacheHits !== 0) {
      throw new Error('benchVerify: the miss run hit a cache');
    }
    if (ours.stats().cacheMisses !== tokens.length - (tokens.length % BATCH)) {
      throw new Error('benchVerify: the backend verifier refused a token');
    }

    const hot = tokens[0]!;
    const shieldHit: number[] = [];
    const oursHit: number[] = [];
    for (let round = 0; round < HIT_ROUNDS; round++) {
      let began = process.hrtime.bigint();
      for (let i = 0; i < HIT_BATCH; i++) shield.verifySync(hot);
      shieldHit.push(micros(began) / HIT_BATCH);
      began = process.hrtime.bigint();
      for (let i = 0; i < HIT_BATCH; i++) await ours.verify(hot);
      oursHit.push(micros(began) / HIT_BATCH);
    }
    if (ours.stats().cacheHits !== HIT_ROUNDS * HIT_BATCH) {
      throw new Error('benchVerify: the hit run missed the cache');
    }
    return {
      shieldMissPerSec: perSecond(shieldMiss),
      shieldHitPerSec: perSecond(shieldHit),
      verifyMissPerSec: perSecond(oursMiss),
      verifyHitPerSec: perSecond(oursHit),
    };
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  }
}
