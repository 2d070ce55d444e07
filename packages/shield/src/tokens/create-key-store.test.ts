import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import {
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  stat,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { calculateJwkThumbprint, createLocalJWKSet, jwtVerify } from 'jose';
import { createManualClock } from '../clock.js';
import { isShieldError } from '../errors.js';
import { createKeyStore } from './create-key-store.js';
import { createTokenIssuer, type IssueClaims } from './create-token-issuer.js';
import { createTokenVerifier } from './create-token-verifier.js';

const T0 = Date.UTC(2026, 5, 1, 12, 0, 0);
let root: string;
let counter = 0;

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'portcullis-keys-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

/** A fresh, not yet existing key directory under the test's temp root. */
function freshDir(): string {
  counter++;
  return join(root, `case-${counter}`, 'keys');
}

async function mode(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

async function reasonOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return 'resolved';
  } catch (error) {
    assert.ok(isShieldError(error), String(error));
    return error.reason;
  }
}

async function firstKeyFile(dir: string): Promise<string> {
  const names = (await readdir(dir)).filter((name) => name.endsWith('.json'));
  assert.equal(names.length, 1);
  return join(dir, names[0]!);
}

describe('createKeyStore: first start and restart', () => {
  test('B-11: creates the directory 0700 and one key file 0600 named by its RFC 7638 thumbprint', async () => {
    const dir = freshDir();
    const clock = createManualClock(T0);
    const store = createKeyStore({ dir, alg: 'ES256', clock });
    await store.load();
    assert.equal(await mode(dir), 0o700);
    const file = await firstKeyFile(dir);
    assert.equal(await mode(file), 0o600);
    const [info] = store.list();
    assert.ok(info);
    assert.equal(info.status, 'active');
    assert.equal(info.alg, 'ES256');
    assert.equal(info.createdAt, new Date(T0).toISOString());
    assert.equal(info.retiresAt, null);
    assert.equal(file, join(dir, `${info.kid}.json`));
    const [jwk] = store.jwks().keys;
    assert.ok(jwk);
    assert.equal(
      await calculateJwkThumbprint({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y ?? '' }),
      info.kid,
    );
    assert.equal(store.signingKey().kid, info.kid);
    assert.equal(store.signingKey().privateKey.type, 'private');
  });

  test('a restart reads the same key instead of making a new one', async () => {
    const dir = freshDir();
    const clock = createManualClock(T0);
    const first = createKeyStore({ dir, alg: 'ES256', clock });
    await first.load();
    clock.advance(3_600_000);
    const second = createKeyStore({ dir, alg: 'ES256', clock });
    await second.load();
    assert.deepEqual(second.list(), first.list());
    assert.equal(second.signingKey().kid, first.signingKey().kid);
    assert.equal((await readdir(dir)).length, 1);
  });

  test('an EdDSA store generates Ed25519 keys', async () => {
    const store = createKeyStore({ dir: freshDir(), alg: 'EdDSA', clock: createManualClock(T0) });
    await store.load();
    const [jwk] = store.jwks().keys;
    assert.deepEqual(
      { kty: jwk?.kty, crv: jwk?.crv, alg: jwk?.alg, use: jwk?.use },
      { kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA', use: 'sig' },
    );
    assert.equal(store.signingKey().privateKey.asymmetricKeyType, 'ed25519');
  });

  test('nothing private is listed or published', async () => {
    const store = createKeyStore({ dir: freshDir(), alg: 'ES256', clock: createManualClock(T0) });
    await store.load();
    await store.rotate({ retireAfterSeconds: 330 });
    const listed = JSON.stringify(store.list());
    const published = store.jwksHttp().body;
    for (const text of [listed, published]) {
      assert.doesNotMatch(text, /"d"/);
      assert.doesNotMatch(text, /privateJwk|PRIVATE/);
    }
    for (const jwk of store.jwks().keys) {
      assert.deepEqual(Object.keys(jwk).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    }
  });

  test('use before load() is refused', () => {
    const store = createKeyStore({ dir: freshDir(), alg: 'ES256', clock: createManualClock(T0) });
    assert.throws(
      () => store.signingKey(),
      (error) => isShieldError(error) && error.reason === 'key_store_not_loaded',
    );
    assert.equal(store.verificationKey('anything'), undefined);
  });

  test('options are checked when the store is built', () => {
    const clock = createManualClock(T0);
    assert.throws(() => createKeyStore({ dir: '', alg: 'ES256', clock }), TypeError);
    assert.throws(() => createKeyStore({ dir: freshDir(), alg: 'RS256' as 'ES256', clock }), TypeError);
    assert.throws(
      () => createKeyStore({ dir: freshDir(), alg: 'ES256', clock, jwksMaxAgeSeconds: -1 }),
      TypeError,
    );
  });
});

describe('createKeyStore: refuses to start on an unsafe or damaged directory', () => {
  async function startedDir(): Promise<{ dir: string; file: string }> {
    const dir = freshDir();
    await createKeyStore({ dir, alg: 'ES256', clock: createManualClock(T0) }).load();
    return { dir, file: await firstKeyFile(dir) };
  }
  const load = (dir: string, create = true) =>
    createKeyStore({ dir, alg: 'ES256', clock: createManualClock(T0), create }).load();

  const modeCases: { name: string; fileMode: number; reason: string }[] = [
    { name: 'key file 0644 (world readable)', fileMode: 0o644, reason: 'key_file_insecure' },
    { name: 'key file 0640 (group readable)', fileMode: 0o640, reason: 'key_file_insecure' },
    { name: 'key file 0602 (world writable)', fileMode: 0o602, reason: 'key_file_insecure' },
    { name: 'key file 0400 (read-only for the owner)', fileMode: 0o400, reason: 'resolved' },
  ];
  for (const c of modeCases) {
    test(c.name, async () => {
      const { dir, file } = await startedDir();
      await chmod(file, c.fileMode);
      assert.equal(await reasonOf(load(dir)), c.reason);
    });
  }

  test('the error message names the file and the fix, never the key', async () => {
    const { dir, file } = await startedDir();
    const text = await readFile(file, 'utf8');
    const d = (JSON.parse(text) as { privateJwk: { d: string } }).privateJwk.d;
    await chmod(file, 0o644);
    await assert.rejects(load(dir), (error: Error) => {
      assert.match(error.message, /0644/);
      assert.match(error.message, /chmod 600/);
      assert.ok(error.message.includes(file));
      assert.ok(!error.message.includes(d));
      return true;
    });
  });

  test('directory writable by others', async () => {
    const { dir } = await startedDir();
    await chmod(dir, 0o777);
    assert.equal(await reasonOf(load(dir)), 'key_dir_insecure');
    await chmod(dir, 0o700);
  });

  test('key path is a file, not a directory', async () => {
    const dir = freshDir();
    await mkdir(join(dir, '..'), { recursive: true });
    await writeFile(dir, 'x');
    assert.equal(await reasonOf(load(dir)), 'key_dir_not_directory');
  });

  test('missing directory when asked not to create one', async () => {
    assert.equal(await reasonOf(load(freshDir(), false)), 'key_dir_missing');
  });

  test('a symbolic link in place of a key file', async () => {
    const { dir, file } = await startedDir();
    const name = file.slice(dir.length + 1);
    const elsewhere = join(dir, '..', 'real.json');
    await writeFile(elsewhere, await readFile(file), { mode: 0o600 });
    await rm(file);
    await symlink(elsewhere, join(dir, name));
    assert.equal(await reasonOf(load(dir)), 'key_file_not_regular');
  });

  const contentCases: { name: string; edit: (json: Record<string, unknown>) => unknown; reason: string }[] = [
    { name: 'not JSON', edit: () => '{"format":', reason: 'key_file_corrupt' },
    { name: 'unknown version', edit: (j) => ({ ...j, version: 2 }), reason: 'key_file_corrupt' },
    {
      name: 'kid does not match the key',
      edit: (j) => ({ ...j, kid: 'A'.repeat(43) }),
      reason: 'key_file_corrupt',
    },
    {
      name: 'bad activatesAt',
      edit: (j) => ({ ...j, activatesAt: 'yesterday' }),
      reason: 'key_file_corrupt',
    },
    { name: 'alg RS256', edit: (j) => ({ ...j, alg: 'RS256' }), reason: 'key_file_unexpected_type' },
    {
      name: 'public key only',
      edit: (j) => ({ ...j, privateJwk: { ...(j.privateJwk as object), d: undefined } }),
      reason: 'key_file_unexpected_type',
    },
    {
      name: 'a P-384 key labelled ES256',
      edit: (j) => ({
        ...j,
        privateJwk: generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'jwk' }),
      }),
      reason: 'key_file_unexpected_type',
    },
    {
      name: 'an Ed25519 key labelled ES256',
      edit: (j) => ({
        ...j,
        privateJwk: generateKeyPairSync('ed25519').privateKey.export({ format: 'jwk' }),
      }),
      reason: 'key_file_unexpected_type',
    },
  ];
  for (const c of contentCases) {
    test(`key file: ${c.name}`, async () => {
      const { dir, file } = await startedDir();
      const edited = c.edit(JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>);
      await writeFile(file, typeof edited === 'string' ? edited : JSON.stringify(edited), { mode: 0o600 });
      assert.equal(await reasonOf(load(dir)), c.reason);
    });
  }

  test('a stray file in the key directory', async () => {
    const { dir } = await startedDir();
    await writeFile(join(dir, 'notes.txt'), 'hello', { mode: 0o600 });
    assert.equal(await reasonOf(load(dir)), 'key_dir_unexpected_entry');
  });

  test('a temporary file is never loaded; an old one (a crashed write) is removed, a fresh one (in flight) kept', async () => {
    const { dir, file } = await startedDir();
    const stale = join(dir, `.${'B'.repeat(43)}.json.0123456789abcdef.tmp`);
    const fresh = join(dir, `.${'C'.repeat(43)}.json.fedcba9876543210.tmp`);
    await writeFile(stale, '{"partial":', { mode: 0o600 });
    await writeFile(fresh, '{"partial":', { mode: 0o600 });
    await utimes(stale, new Date(T0 - 11 * 60_000), new Date(T0 - 11 * 60_000));
    await utimes(fresh, new Date(T0 - 60_000), new Date(T0 - 60_000));
    assert.equal(await reasonOf(load(dir)), 'resolved');
    assert.deepEqual(
      (await readdir(dir)).sort(),
      [fresh.slice(dir.length + 1), file.slice(dir.length + 1)].sort(),
    );
  });
});

describe('createKeyStore: rotation', () => {
  test('without publish-ahead: the new key signs at once, the old one stays published until it retires', async () => {
    const dir = freshDir();
    const clock = createManualClock(T0);
    const store = createKeyStore({ dir, alg: 'ES256', clock });
    await store.load();
    const old = store.signingKey().kid;
    clock.advance(1000);
    const rotated = await store.rotate({ retireAfterSeconds: 330 });
    assert.equal(rotated.status, 'active');
    assert.equal(store.signingKey().kid, rotated.kid);
    const byKid = Object.fromEntries(store.list().map((k) => [k.kid, k]));
    assert.equal(byKid[old]?.status, 'retiring');
    assert.equal(byKid[old]?.deactivatesAt, new Date(T0 + 1000).toISOString());
    assert.equal(byKid[old]?.retiresAt, new Date(T0 + 1000 + 330_000).toISOString());
    assert.deepEqual(
      store
        .jwks()
        .keys.map((k) => k.kid)
        .sort(),
      [old, rotated.kid].sort(),
    );
    assert.ok(store.verificationKey(old));

    clock.advance(329_999);
    assert.ok(store.verificationKey(old), 'still published 1 ms before retirement');
    clock.advance(1);
    assert.equal(store.verificationKey(old), undefined);
    assert.deepEqual(
      store.jwks().keys.map((k) => k.kid),
      [rotated.kid],
    );
    assert.equal(store.list().find((k) => k.kid === old)?.status, 'retired');
    assert.deepEqual(await store.prune(), [old]);
    assert.deepEqual(await readdir(dir), [`${rotated.kid}.json`]);
    assert.deepEqual(await store.prune(), []);
    assert.equal(await mode(join(dir, `${rotated.kid}.json`)), 0o600);
  });

  test('prune keeps keys that are not yet retired', async () => {
    const clock = createManualClock(T0);
    const store = createKeyStore({ dir: freshDir(), alg: 'ES256', clock });
    await store.load();
    await store.rotate({ retireAfterSeconds: 330 });
    clock.advance(329_000);
    assert.deepEqual(await store.prune(), []);
    assert.equal(store.list().length, 2);
  });

  test('F-17: with publish-ahead: the new key is published first and signs only from activatesAt', async () => {
    const clock = createManualClock(T0);
    const store = createKeyStore({ dir: freshDir(), alg: 'ES256', clock });
    await store.load();
    const old = store.signingKey().kid;
    const next = await store.rotate({ retireAfterSeconds: 330, publishAheadSeconds: 600 });
    assert.equal(next.status, 'next');
    assert.equal(next.activatesAt, new Date(T0 + 600_000).toISOString());
    assert.equal(store.signingKey().kid, old);
    assert.ok(store.verificationKey(next.kid), 'a next key is already accepted');
    assert.deepEqual(store.jwks().keys[0]?.kid, next.kid);

    clock.advance(600_000);
    assert.equal(store.signingKey().kid, next.kid);
    assert.equal(store.list().find((k) => k.kid === old)?.status, 'retiring');
    clock.advance(330_000);
    assert.equal(store.verificationKey(old), undefined);
  });

  test('restart keeps the life cycle: it follows from the files alone', async () => {
    const dir = freshDir();
    const clock = createManualClock(T0);
    const store = createKeyStore({ dir, alg: 'ES256', clock });
    await store.load();
    await store.rotate({ retireAfterSeconds: 330, publishAheadSeconds: 600 });
    const again = createKeyStore({ dir, alg: 'ES256', clock });
    await again.load();
    assert.deepEqual(again.list(), store.list());
  });

  test('two quick rotations keep creation order and never overlap signing', async () => {
    const clock = createManualClock(T0);
    const store = createKeyStore({ dir: freshDir(), alg: 'ES256', clock });
    await store.load();
    const [a, b] = await Promise.all([
      store.rotate({ retireAfterSeconds: 330, publishAheadSeconds: 600 }),
      store.rotate({ retireAfterSeconds: 330 }),
    ]);
    assert.ok(a && b);
    const list = store.list();
    assert.equal(list.length, 3);
    assert.equal(list.filter((k) => k.status === 'active').length, 1);
    // The second rotation may not jump ahead of the first: it activates with it.
    assert.equal(b.activatesAt, a.activatesAt);
    clock.advance(600_000);
    assert.equal(store.signingKey().kid, b.kid);
  });

  test('rotation options are checked', async () => {
    const store = createKeyStore({ dir: freshDir(), alg: 'ES256', clock: createManualClock(T0) });
    await store.load();
    for (const options of [
      { retireAfterSeconds: 0 },
      { retireAfterSeconds: 1.5 },
      { retireAfterSeconds: 330, publishAheadSeconds: -1 },
      { retireAfterSeconds: Number.NaN },
    ]) {
      assert.equal(await reasonOf(store.rotate(options)), 'key_rotate_options_invalid');
    }
  });

  test('rotation edge (C-30): a retiring key verifies until max lifetime plus leeway, a pre-published key verifies on an instance that reloaded', async () => {
    const dir = freshDir();
    const clock = createManualClock(T0);
    const ttl = 300;
    const tolerance = 30;
    const a = createKeyStore({ dir, alg: 'ES256', clock });
    await a.load();
    const b = createKeyStore({ dir, alg: 'ES256', clock });
    await b.load();
    const issuer = createTokenIssuer({ keys: a, issuer: 'https://shield.example', clock });
    const verifierOn = (keys: typeof b) =>
      createTokenVerifier({
        keys,
        issuer: 'https://shield.example',
        audiences: ['api'],
        clock,
        clockToleranceSeconds: tolerance,
        maxLifetimeSeconds: ttl,
        cache: { maxEntries: 0 },
      });
    const claims: IssueClaims = { sub: 'shop', aud: ['api'], plt: 'ios', lvl: 'hardware', ttlSeconds: ttl };
    const oldToken = (await issuer.issue(claims)).token;

    // Publish the next key 600 s ahead; instance B reloads within that window.
    await a.rotate({ retireAfterSeconds: ttl + tolerance, publishAheadSeconds: 600 });
    await b.load();
    clock.advance(600_000);
    const newToken = (await issuer.issue(claims)).token;
    assert.notEqual(newToken.split('.')[0], oldToken.split('.')[0]);
    assert.equal((await verifierOn(b).verify(newToken)).sub, 'shop');

    // The last token of the old key, minted 1 s before the switch, stays valid to its very end
    // (exp + tolerance); the old key retires right after, at switch + ttl + tolerance.
    const switchAt = T0 + 600_000;
    clock.set(switchAt - 1000);
    const lastOld = (await issuer.issue(claims)).token;
    clock.set(switchAt - 1000 + (ttl + tolerance - 1) * 1000);
    assert.equal((await verifierOn(b).verify(lastOld)).sub, 'shop');
    clock.set(switchAt + (ttl + tolerance) * 1000);
    await assert.rejects(
      verifierOn(b).verify(lastOld),
      (e) => isShieldError(e) && e.reason === 'token_kid_unknown',
    );
    await b.prune();
    await assert.rejects(
      verifierOn(b).verify(lastOld),
      (e) => isShieldError(e) && e.reason === 'token_kid_unknown',
    );
  });
});

describe('createKeyStore: JWKS', () => {
  test('interoperates with jose: a JWKS-only verifier accepts the shield token', async () => {
    const clock = createManualClock(T0);
    const store = createKeyStore({ dir: freshDir(), alg: 'ES256', clock });
    await store.load();
    const issuer = createTokenIssuer({ keys: store, issuer: 'https://shield.example', clock });
    const { token } = await issuer.issue({
      sub: 'shop',
      aud: ['api'],
      plt: 'android',
      lvl: 'device',
      ttlSeconds: 300,
    });
    const { payload, protectedHeader } = await jwtVerify(token, createLocalJWKSet(store.jwks()), {
      algorithms: ['ES256'],
      typ: 'app+jwt',
      issuer: 'https://shield.example',
      audience: 'api',
      currentDate: new Date(T0),
      requiredClaims: ['iat', 'exp', 'jti', 'sub'],
      maxTokenAge: 300,
    });
    assert.equal(payload.sub, 'shop');
    assert.deepEqual(Object.keys(protectedHeader), ['alg', 'typ', 'kid']);
  });

  test('jwksHttp: strong ETag of the body that changes with the key set, short max-age', async () => {
    const clock = createManualClock(T0);
    const store = createKeyStore({ dir: freshDir(), alg: 'ES256', clock });
    await store.load();
    const first = store.jwksHttp();
    assert.deepEqual(JSON.parse(first.body), store.jwks());
    assert.match(first.etag, /^"[A-Za-z0-9_-]{43}"$/);
    assert.equal(first.cacheControl, 'public, max-age=60, must-revalidate');
    assert.deepEqual(store.jwksHttp(), first);
    const next = await store.rotate({ retireAfterSeconds: 330, publishAheadSeconds: 600 });
    const second = store.jwksHttp();
    assert.notEqual(second.etag, first.etag);
    assert.ok(second.body.includes(next.kid));
    clock.advance(930_001);
    assert.ok(!store.jwksHttp().body.includes(JSON.parse(first.body).keys[0].kid));
  });

  test('max-age follows jwksMaxAgeSeconds', async () => {
    const store = createKeyStore({
      dir: freshDir(),
      alg: 'ES256',
      clock: createManualClock(T0),
      jwksMaxAgeSeconds: 30,
    });
    await store.load();
    assert.equal(store.jwksHttp().cacheControl, 'public, max-age=30, must-revalidate');
  });
});
