import { generateKeyPairSync, verify } from 'node:crypto';
import { createManualClock } from '../clock.js';
import { createStaticKeySource } from './create-static-key-source.js';
import { createTokenIssuer } from './create-token-issuer.js';
import { createTokenVerifier } from './create-token-verifier.js';
import { minimalPublicJwk, thumbprintKid } from './read-key-file.js';

export interface TokenBenchResult {
  /** node:crypto ES256 verifications per second of the same JWS (split, base64url-decode, verify). */
  bareVerifyPerSec: number;
  /** createTokenVerifier().verify() per second on tokens it has not seen (full checks + cache insert). */
  missPerSec: number;
  /** verify() per second on a token already in the cache. */
  hitPerSec: number;
}

const ROUNDS = 4;

function elapsed(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/**
 * Measures the app-token verifier against a bare node:crypto ES256 verify of the same tokens,
 * in one run of well under 5 s for up to 5 000 iterations. Bare and miss runs alternate in
 * rounds over the same tokens so a noisy neighbour on the CPU hits both alike.
 *
 * @example
 * ```ts
 * const { bareVerifyPerSec, missPerSec, hitPerSec } = await benchTokens(2000);
 * ```
 */
export async function benchTokens(iterations: number): Promise<TokenBenchResult> {
  const n = Math.max(ROUNDS * 25, Math.min(Math.floor(iterations), 5000));
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const kid = await thumbprintKid(minimalPublicJwk(publicKey));
  const clock = createManualClock(Date.UTC(2026, 0, 1));
  const issuer = createTokenIssuer({
    keys: { signingKey: () => ({ kid, alg: 'ES256', privateKey }) },
    issuer: 'https://shield.bench.invalid',
    clock,
  });
  const keys = createStaticKeySource([{ kid, alg: 'ES256', publicKey }]);
  const options = {
    keys,
    issuer: 'https://shield.bench.invalid',
    audiences: ['bench-api'],
    clock,
    maxLifetimeSeconds: 900,
  };
  const { x, y = '' } = minimalPublicJwk(publicKey);
  const jwk = { kty: 'EC', crv: 'P-256', x, y };
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

  const bare = (token: string): boolean => {
    const dot = token.lastIndexOf('.');
    const signature = Buffer.from(token.slice(dot + 1), 'base64url');
    return verify(
      'sha256',
      Buffer.from(token.slice(0, dot)),
      { key: publicKey, dsaEncoding: 'ieee-p1363' },
      signature,
    );
  };

  // Warm up both paths (JIT, OpenSSL contexts) on tokens outside the measured set.
  const warm = createTokenVerifier({ ...options, cache: { maxEntries: 0 } });
  for (let i = 0; i < Math.min(50, n); i++) {
    bare(tokens[i]!);
    await warm.verify(tokens[i]!);
  }

  let bareSeconds = 0;
  let missSeconds = 0;
  const chunk = Math.floor(n / ROUNDS);
  for (let round = 0; round < ROUNDS; round++) {
    const slice = tokens.slice(round * chunk, (round + 1) * chunk);
    const verifier = createTokenVerifier(options);
    const runBare = () => {
      const start = process.hrtime.bigint();
      for (const token of slice) if (!bare(token)) throw new Error('benchTokens: bare verification failed');
      bareSeconds += elapsed(start);
    };
    const runMiss = async () => {
      const start = process.hrtime.bigint();
      for (const token of slice) await verifier.verify(token);
      missSeconds += elapsed(start);
    };
    if (round % 2 === 0) {
      runBare();
      await runMiss();
    } else {
      await runMiss();
      runBare();
    }
  }

  const cached = createTokenVerifier(options);
  const hot = tokens[0]!;
  await cached.verify(hot);
  const hitIterations = n * 20;
  const start = process.hrtime.bigint();
  for (let i = 0; i < hitIterations; i++) await cached.verify(hot);
  const hitSeconds = elapsed(start);
  if (cached.stats().cacheHits !== hitIterations) {
    throw new Error('benchTokens: the hit run missed the cache');
  }

  const measured = chunk * ROUNDS;
  return {
    bareVerifyPerSec: Math.round(measured / bareSeconds),
    missPerSec: Math.round(measured / missSeconds),
    hitPerSec: Math.round(hitIterations / hitSeconds),
  };
}
