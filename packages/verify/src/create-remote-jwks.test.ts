import assert from 'node:assert/strict';
import { generateKeyPairSync, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createManualClock } from '../../shield/src/clock.js';
import { createAppTokenVerifier } from './create-app-token-verifier.js';
import { createRemoteJwks, type RemoteJwks } from './create-remote-jwks.js';
import { KeysUnavailableError } from './keys-unavailable-error.js';
import { AUDIENCE, ISSUER, type ShieldFixture, startShieldFixture } from './test-support/shield-fixture.js';

type ManualClock = ReturnType<typeof createManualClock>;

/** The real fetch, counted, with the status of each answer (the shield's requests are what a storm would cost it). */
function countingFetch(): { fetch: typeof fetch; statuses: number[] } {
  const statuses: number[] = [];
  return {
    statuses,
    fetch: async (input, init) => {
      try {
        const response = await fetch(input, init);
        statuses.push(response.status);
        return response;
      } catch (error) {
        statuses.push(0);
        throw error;
      }
    },
  };
}

/** A token under a kid nobody published, signed by a key nobody knows. */
function madeUpToken(index: number): string {
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const input = `${b64({ alg: 'ES256', typ: 'app+jwt', kid: `made-up-${index}-${Math.random().toString(36).slice(2)}` })}.${b64({ iss: ISSUER })}`;
  const signature = sign('sha256', Buffer.from(input), { key: privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

function verifierOver(keys: RemoteJwks, clock: ManualClock) {
  return createAppTokenVerifier({ keys, issuer: ISSUER, audiences: [AUDIENCE], allowDev: true, clock });
}

describe('createRemoteJwks against a real shield', () => {
  let clock: ManualClock;
  let shield: ShieldFixture;
  before(async () => {
    clock = createManualClock(Date.now());
    shield = await startShieldFixture({ overrides: { clock } });
  });
  after(() => shield.close());

  test('a storm of made-up kids costs at most one fetch per cooldown, shared by concurrent requests', async () => {
    const counted = countingFetch();
    const keys = createRemoteJwks({ url: shield.jwksUrl, clock, fetch: counted.fetch, cooldownSeconds: 30 });
    const verifier = verifierOver(keys, clock);
    assert.ok((await verifier.verify(await shield.debugToken())).ok);
    assert.equal(counted.statuses.length, 1);

    const storm = async (n: number, concurrent: boolean) => {
      const tokens = Array.from({ length: n }, (_, i) => madeUpToken(i));
      const results = concurrent
        ? await Promise.all(tokens.map((token) => verifier.verify(token)))
        : await tokens.reduce<Promise<Awaited<ReturnType<typeof verifier.verify>>[]>>(
            async (done, token) => [...(await done), await verifier.verify(token)],
            Promise.resolve([]),
          );
      for (const result of results) assert.ok(!result.ok && result.error.reason === 'token_kid_unknown');
    };
    await storm(100, true);
    await storm(50, false);
    assert.equal(counted.statuses.length, 1, 'within the cooldown of the first fetch: no fetch at all');
    clock.advance(30_000);
    await storm(100, true);
    assert.equal(counted.statuses.length, 2, 'after the cooldown: one fetch for 100 concurrent unknown kids');
    await storm(50, false);
    assert.equal(counted.statuses.length, 2, 'and none for the ones that follow within the cooldown');
  });

  test('rotation while running: a new key is picked up at its first token, published-ahead keys are learnt early, a pruned key is refused even from the cache', async () => {
    const counted = countingFetch();
    const keys = createRemoteJwks({ url: shield.jwksUrl, clock, fetch: counted.fetch, cooldownSeconds: 5 });
    const verifier = verifierOver(keys, clock);
    const oldToken = await shield.debugToken();
    assert.ok((await verifier.verify(oldToken)).ok);
    const oldKid = keys.status().kids[0];

    // Immediate rotation (publishAheadSeconds 0): the shield signs with a key the verifier has never seen.
    await shield.live.shield.keys.rotate({ retireAfterSeconds: 330, publishAheadSeconds: 0 });
    clock.advance(5_000);
    const newToken = await shield.debugToken();
    const fresh = await verifier.verify(newToken);
    assert.ok(fresh.ok, 'the unknown kid made the verifier fetch the rotated set');
    assert.notEqual(fresh.kid, oldKid);
    assert.equal(counted.statuses.length, 2);
    const hits = verifier.stats().cacheHits;
    assert.ok((await verifier.verify(oldToken)).ok, 'the retiring key is still published');
    assert.equal(
      verifier.stats().cacheHits,
      hits + 1,
      'and its cached tokens stay cached across the refresh',
    );

    // Published ahead: verifiers learn the next key at their next refresh, before anything is signed with it.
    const next = await shield.live.shield.keys.rotate({ retireAfterSeconds: 330, publishAheadSeconds: 600 });
    clock.advance(61_000);
    assert.ok((await verifier.verify(newToken)).ok);
    assert.ok(keys.status().kids.includes(next.kid), 'the next key is known before it signs');

    // Emergency: retire at once and prune; within a refresh the old tokens are refused, cached or not.
    clock.advance(600_000);
    const signedBeforeEmergency = await shield.debugToken();
    assert.ok((await verifier.verify(signedBeforeEmergency)).ok);
    await shield.live.shield.keys.rotate({ retireAfterSeconds: 1, publishAheadSeconds: 0 });
    clock.advance(2_000);
    await shield.live.shield.keys.prune();
    clock.advance(61_000);
    const pruned = await verifier.verify(signedBeforeEmergency);
    assert.ok(!pruned.ok && pruned.error.reason === 'token_kid_unknown', 'a cached token of a pruned key');
    const current = await shield.debugToken();
    assert.ok((await verifier.verify(current)).ok, 'the replacement key verifies');
  });

  test('an unchanged key set is confirmed with a 304 and every cached token stays a hit', async () => {
    const counted = countingFetch();
    const keys = createRemoteJwks({ url: shield.jwksUrl, clock, fetch: counted.fetch });
    const verifier = verifierOver(keys, clock);
    const token = await shield.debugToken();
    assert.ok((await verifier.verify(token)).ok);
    clock.advance(61_000);
    assert.ok((await verifier.verify(token)).ok);
    assert.deepEqual(counted.statuses, [200, 304]);
    assert.equal(verifier.stats().cacheHits, 1);
    assert.equal(keys.status().lastError, null);
  });
});

describe('createRemoteJwks with the shield stopped', () => {
  test('cached keys keep working until maxAgeSeconds after the last fetch, then every token is refused with 503', async () => {
    const clock = createManualClock(Date.now());
    const shield = await startShieldFixture({ overrides: { clock } });
    const counted = countingFetch();
    const keys = createRemoteJwks({
      url: shield.jwksUrl,
      clock,
      fetch: counted.fetch,
      cooldownSeconds: 10,
      maxAgeSeconds: 120,
    });
    const verifier = verifierOver(keys, clock);
    const cached = await shield.debugToken();
    const unseen = await shield.debugToken();
    try {
      assert.ok((await verifier.verify(cached)).ok);
    } finally {
      await shield.close();
    }

    clock.advance(61_000);
    assert.ok(
      (await verifier.verify(cached)).ok,
      'past the freshness, the fetch fails: the keys held still work',
    );
    assert.ok((await verifier.verify(unseen)).ok, 'for tokens not seen before too');
    assert.deepEqual(counted.statuses, [200, 0]);
    assert.equal(keys.status().lastError, 'the shield could not be reached');
    clock.advance(5_000);
    assert.ok((await verifier.verify(cached)).ok);
    assert.equal(counted.statuses.length, 2, 'no new attempt within the cooldown');

    clock.advance(55_000);
    for (const token of [cached, unseen]) {
      const refused = await verifier.verify(token);
      assert.ok(!refused.ok);
      assert.equal(refused.error.code, 'store_unavailable');
      assert.equal(refused.error.status, 503);
      assert.equal(refused.error.reason, 'jwks_unavailable');
      assert.equal(refused.error.retryAfter, 5);
    }
    assert.equal(counted.statuses.length, 3, 'one more attempt, after the cooldown');
  });
});

describe('createRemoteJwks: what it refuses to use', () => {
  let server: Server;
  let url = '';
  let answer: (res: import('node:http').ServerResponse) => void = (res) => res.end();
  const goodJwk = () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const { x, y } = publicKey.export({ format: 'jwk' });
    return {
      kty: 'EC',
      crv: 'P-256',
      x,
      y,
      kid: `kid-${Math.random().toString(36).slice(2)}`,
      alg: 'ES256',
      use: 'sig',
    };
  };
  before(async () => {
    server = createServer((_req, res) => answer(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  after(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );

  async function problemWith(respond: typeof answer, options: { timeoutMs?: number } = {}): Promise<string> {
    answer = respond;
    const keys = createRemoteJwks({ url, ...options });
    await assert.rejects(async () => keys.lookup('any'), KeysUnavailableError);
    return keys.status().lastError ?? '';
  }
  const json =
    (body: unknown, status = 200) =>
    (res: import('node:http').ServerResponse) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(typeof body === 'string' ? body : JSON.stringify(body));
    };

  test('failed answers and documents that are not a usable JWKS', async () => {
    assert.equal(await problemWith(json({ keys: [goodJwk()] }, 500)), 'the JWKS answered HTTP 500');
    assert.equal(
      await problemWith((res) => {
        res.writeHead(302, { location: url });
        res.end();
      }),
      'the JWKS answered HTTP 302',
      'redirects are not followed',
    );
    assert.equal(await problemWith(json('x'.repeat(70_000))), 'the JWKS is larger than 65536 bytes');
    assert.equal(await problemWith(json('{"keys": [')), 'the JWKS is not UTF-8 JSON');
    assert.equal(
      await problemWith(json({ keys: 'none' })),
      'the JWKS is not a JSON object with a keys array',
    );
    const twice = goodJwk();
    assert.match(await problemWith(json({ keys: [twice, { ...goodJwk(), kid: twice.kid }] })), /repeats kid/);
    assert.match(await problemWith(json({ keys: Array.from({ length: 33 }, goodJwk) })), /more than 32 keys/);
    const offCurve = {
      ...goodJwk(),
      x: Buffer.alloc(32).toString('base64url'),
      y: Buffer.alloc(32).toString('base64url'),
    };
    assert.match(
      await problemWith(json({ keys: [offCurve] })),
      /no usable key \(kid-\w+: the key is not a valid point\)/,
    );
    assert.match(
      await problemWith(
        json({
          keys: [
            { ...goodJwk(), kty: 'RSA' },
            { ...goodJwk(), alg: 'HS256' },
          ],
        }),
      ),
      /no usable key/,
    );
    assert.equal(
      await problemWith((res) => res.flushHeaders(), { timeoutMs: 200 }),
      'no answer within 200 ms',
      'a shield that never answers',
    );
  });

  test('unusable keys are skipped and reported; the rest are used', async () => {
    const good = goodJwk();
    const withPrivate = { ...goodJwk(), d: Buffer.alloc(32, 1).toString('base64url') };
    answer = json({ keys: [withPrivate, good, { ...goodJwk(), use: 'enc' }] });
    const keys = createRemoteJwks({ url });
    assert.equal((await keys.lookup(good.kid))?.alg, 'ES256');
    assert.equal(await keys.lookup(withPrivate.kid), undefined);
    const status = keys.status();
    assert.deepEqual(status.kids, [good.kid]);
    assert.equal(status.skipped.length, 2);
    assert.match(status.skipped[0] ?? '', /private key material/);
    assert.doesNotMatch(JSON.stringify(status), new RegExp(withPrivate.d), 'no key material in the status');
  });

  test('options are checked when it is built', () => {
    const bad: [Record<string, unknown>, RegExp][] = [
      [{ url: 'http://shield.example.com/.well-known/jwks.json' }, /must be https/],
      [{ url: 'https://user:secret@shield.example.com/jwks' }, /credentials/],
      [{ url: 'not a url' }, /absolute URL/],
      [{ url, cooldownSeconds: 0 }, /cooldownSeconds/],
      [{ url, cooldownSeconds: 60, maxAgeSeconds: 30 }, /maxAgeSeconds must be an integer from 60/],
      [{ url, timeoutMs: 50 }, /timeoutMs/],
      [{ url, fetch: 'no' }, /fetch/],
    ];
    for (const [options, message] of bad) {
      assert.throws(() => createRemoteJwks(options as never), message, JSON.stringify(options));
    }
    assert.ok(createRemoteJwks({ url: 'https://shield.example.com/.well-known/jwks.json' }));
    assert.ok(createRemoteJwks({ url: 'http://localhost:8080/.well-known/jwks.json' }));
  });
});
