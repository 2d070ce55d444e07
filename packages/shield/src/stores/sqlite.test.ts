import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import { runStoreConformance } from './conformance.js';
import { createStores } from './create-stores.js';
import { createSqliteStores } from './sqlite/create-sqlite-stores.js';
import { SQLITE_SCHEMA_VERSION } from './sqlite/sqlite-schema.js';
import { StoreError } from './store-error.js';
import { StoreOutageError } from './store-outage-error.js';

const T0 = Date.UTC(2026, 0, 15, 12, 0, 0);
const dir = mkdtempSync(join(tmpdir(), 'portcullis-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const freshPath = () => join(dir, `${randomUUID()}.db`);

runStoreConformance('sqlite', async () => createSqliteStores({ path: freshPath() }));
runStoreConformance('sqlite via createStores', async () =>
  createStores({ kind: 'sqlite', path: freshPath() }),
);

describe('sqlite stores: the file', () => {
  test('opens in WAL mode with the pragmas set, schema migrated, file private', async () => {
    const path = join(dir, 'nested', 'deeper', 'shield.db');
    const stores = createSqliteStores({ path });
    await stores.close();
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const db = new Database(path, { readonly: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(db.pragma('user_version', { simple: true }), SQLITE_SCHEMA_VERSION);
      const tables = db
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .pluck()
        .all();
      assert.deepEqual(tables, ['audit', 'challenges', 'debug_credentials', 'devices', 'replay']);
    } finally {
      db.close();
    }
  });

  test('reopening keeps the data and does not migrate twice', async () => {
    const path = freshPath();
    const first = createSqliteStores({ path });
    assert.equal(await first.replay.firstSeen('jti-1', 60_000, T0), true);
    await first.close();
    const second = createSqliteStores({ path });
    try {
      assert.equal(await second.replay.firstSeen('jti-1', 60_000, T0 + 1), false);
    } finally {
      await second.close();
    }
  });

  test('a version 1 database migrates: its devices read back with attestation null (they must attest again)', async () => {
    const path = freshPath();
    // A database exactly as version 1 left it: no attestation column, user_version 1.
    await createSqliteStores({ path }).close();
    const old = new Database(path);
    old.exec('ALTER TABLE devices DROP COLUMN attestation');
    // What later versions added goes too, so they migrate as on a real version 1 file.
    old.exec('DROP TABLE debug_credentials; DROP INDEX audit_device_ts; DROP INDEX audit_route_ts');
    old.pragma('user_version = 1');
    old
      .prepare(
        `INSERT INTO devices (key_id, app_id, platform, level, public_key_jwk, counter, receipt, test_root, first_seen, last_seen)
         VALUES ('old-key', 'shop', 'ios', 'hardware', '{"kty":"EC"}', 7, NULL, 0, ?, ?)`,
      )
      .run(T0, T0 + 5);
    old.close();

    const stores = createSqliteStores({ path });
    try {
      assert.deepEqual(await stores.devices.get('old-key'), {
        keyId: 'old-key',
        appId: 'shop',
        platform: 'ios',
        level: 'hardware',
        publicKeyJwk: { kty: 'EC' },
        counter: 7,
        receipt: null,
        testRoot: false,
        attestation: null,
        firstSeen: T0,
        lastSeen: T0 + 5,
        revokedAt: null,
        revokedReason: null,
      });
      const attestation = {
        evidence: ['apple-app-attest' as const],
        environment: 'production' as const,
        policy: '{}',
      };
      await stores.devices.register({
        keyId: 'new-key',
        appId: 'shop',
        platform: 'ios',
        level: 'hardware',
        publicKeyJwk: { kty: 'EC' },
        counter: 0,
        receipt: null,
        testRoot: false,
        attestation,
        firstSeen: T0,
      });
      assert.deepEqual((await stores.devices.get('new-key'))?.attestation, attestation);
    } finally {
      await stores.close();
    }
    const db = new Database(path, { readonly: true });
    try {
      assert.equal(db.pragma('user_version', { simple: true }), SQLITE_SCHEMA_VERSION);
    } finally {
      db.close();
    }
  });

  test('a database from a newer version is refused', () => {
    const path = freshPath();
    const db = new Database(path);
    db.pragma(`user_version = ${SQLITE_SCHEMA_VERSION + 1}`);
    db.close();
    assert.throws(
      () => createSqliteStores({ path }),
      (error: unknown) => error instanceof StoreError && error.reason === 'schema_too_new',
    );
  });

  test('a file that is not a database is a StoreUnavailableError, not a crash', async () => {
    const path = freshPath();
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path, 'this is not an sqlite file, just text long enough to have a header.............');
    assert.throws(
      () => createSqliteStores({ path }),
      (error: unknown) => error instanceof StoreOutageError && error.reason === 'store_failed',
    );
  });

  test('bad options are TypeErrors naming the option', () => {
    assert.throws(() => createSqliteStores({ path: '' }), /path/);
    assert.throws(() => createSqliteStores({ path: ':memory:' }), /path/);
    assert.throws(() => createSqliteStores({ path: freshPath(), busyTimeoutMs: -1 }), /busyTimeoutMs/);
    assert.throws(() => createSqliteStores({ path: freshPath(), cleanupIntervalMs: 0 }), /cleanupIntervalMs/);
  });

  test('the periodic cleanup deletes rows expired by the callers clock and keeps live ones', async () => {
    const path = freshPath();
    const stores = createSqliteStores({ path, cleanupIntervalMs: 20 });
    const db = new Database(path, { readonly: true });
    try {
      await stores.challenges.issue({ challenge: 'old', appId: 'app', expiresAt: T0 + 10 });
      await stores.challenges.issue({ challenge: 'live', appId: 'app', expiresAt: T0 + 10_000 });
      assert.equal(await stores.replay.firstSeen('old-jti', 10, T0), true);
      assert.equal(await stores.replay.firstSeen('live-jti', 10_000, T0 + 100), true);
      const count = (table: string) => db.prepare(`SELECT count(*) FROM ${table}`).pluck().get();
      for (let i = 0; i < 50 && (count('challenges') !== 1 || count('replay') !== 1); i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.deepEqual(db.prepare('SELECT challenge FROM challenges').pluck().all(), ['live']);
      assert.deepEqual(db.prepare('SELECT key FROM replay').pluck().all(), ['live-jti']);
    } finally {
      db.close();
      await stores.close();
    }
  });
});

describe('sqlite stores: several connections on one file', () => {
  test('two store instances: single use holds and no SQLITE_BUSY surfaces', async () => {
    const path = freshPath();
    const a = createSqliteStores({ path });
    const b = createSqliteStores({ path });
    try {
      const challenges = Array.from({ length: 50 }, (_, i) => `c-${i}`);
      for (const challenge of challenges)
        await a.challenges.issue({ challenge, appId: 'app', expiresAt: T0 + 60_000 });
      const results = await Promise.all(
        challenges.flatMap((c) => [a.challenges.consume(c, T0), b.challenges.consume(c, T0)]),
      );
      assert.equal(results.filter((r) => r !== null).length, challenges.length);
      const seen = await Promise.all(
        challenges.flatMap((c) => [a.replay.firstSeen(c, 60_000, T0), b.replay.firstSeen(c, 60_000, T0)]),
      );
      assert.equal(seen.filter(Boolean).length, challenges.length);
      await a.devices.register({
        keyId: 'k',
        appId: 'app',
        platform: 'ios',
        level: 'hardware',
        publicKeyJwk: { kty: 'EC' },
        counter: 0,
        receipt: null,
        testRoot: false,
        attestation: null,
        firstSeen: T0,
      });
      const advanced = await Promise.all(
        [1, 2].flatMap(() => [a, b].map((s) => s.devices.advanceCounter('k', 5, T0))),
      );
      assert.equal(advanced.filter(Boolean).length, 1);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('F-08: a writer holding the lock past busyTimeoutMs gives store_busy, then the store recovers', async () => {
    const path = freshPath();
    const stores = createSqliteStores({ path, busyTimeoutMs: 50 });
    const other = new Database(path);
    try {
      other.exec('BEGIN IMMEDIATE');
      const started = Date.now();
      await assert.rejects(
        stores.replay.firstSeen('jti', 1000, T0),
        (error: unknown) => error instanceof StoreOutageError && error.reason === 'store_busy',
      );
      assert.ok(Date.now() - started < 2000);
      other.exec('ROLLBACK');
      assert.equal(await stores.replay.firstSeen('jti', 1000, T0), true);
    } finally {
      other.close();
      await stores.close();
    }
  });

  test('another process racing on the same challenges and keys: each is won exactly once', async () => {
    const path = freshPath();
    const count = 400;
    const stores = createSqliteStores({ path });
    const moduleUrl = pathToFileURL(join(import.meta.dirname, 'sqlite', 'create-sqlite-stores.ts')).href;
    const script = `
      const { createSqliteStores } = await import(${JSON.stringify(moduleUrl)});
      const stores = createSqliteStores({ path: ${JSON.stringify(path)} });
      process.stdout.write('ready\\n');
      await new Promise((resolve) => process.stdin.once('data', resolve));
      const won = [];
      const seen = [];
      for (let i = 0; i < ${count}; i += 1) {
        if ((await stores.challenges.consume('c-' + i, ${T0})) !== null) won.push(i);
        if (await stores.replay.firstSeen('r-' + i, 60000, ${T0})) seen.push(i);
        await stores.audit.append({ ts: ${T0}, requestId: 'child-' + i, instance: 'child', event: 'gateway',
          decision: 'allow', code: 'ok', reason: null, appId: null, routeId: null, method: null, path: null,
          clientIp: null, deviceIdHash: null, userIdHash: null, tokenJti: null, level: null,
          upstreamStatus: null, latencyMs: null, details: null });
      }
      await stores.close();
      process.stdout.write(JSON.stringify({ won, seen }) + '\\n');
    `;
    try {
      for (let i = 0; i < count; i += 1) {
        await stores.challenges.issue({ challenge: `c-${i}`, appId: 'app', expiresAt: T0 + 60_000 });
      }
      const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      for (let i = 0; i < 300 && !stdout.includes('ready\n'); i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.ok(stdout.includes('ready\n'), `the child did not start: ${stderr}`);
      child.stdin.end('go\n');
      const won: number[] = [];
      const seen: number[] = [];
      for (let i = 0; i < count; i += 1) {
        if ((await stores.challenges.consume(`c-${i}`, T0)) !== null) won.push(i);
        if (await stores.replay.firstSeen(`r-${i}`, 60_000, T0)) seen.push(i);
        await stores.audit.append({
          ts: T0,
          requestId: `parent-${i}`,
          instance: 'parent',
          event: 'gateway',
          decision: 'allow',
          code: 'ok',
          reason: null,
          appId: null,
          routeId: null,
          method: null,
          path: null,
          clientIp: null,
          deviceIdHash: null,
          userIdHash: null,
          tokenJti: null,
          level: null,
          upstreamStatus: null,
          latencyMs: null,
          details: null,
        });
      }
      assert.equal(await exited, 0, stderr);
      const theirs = JSON.parse(stdout.split('\n')[1] ?? '') as { won: number[]; seen: number[] };
      const all = (mine: number[], other: number[]) => [...mine, ...other].sort((x, y) => x - y);
      const everyIndex = Array.from({ length: count }, (_, i) => i);
      assert.deepEqual(all(won, theirs.won), everyIndex, 'every challenge consumed exactly once');
      assert.deepEqual(all(seen, theirs.seen), everyIndex, 'every replay key first seen exactly once');
      assert.equal((await stores.audit.query({ limit: 1000 })).length, 2 * count);
    } finally {
      await stores.close();
    }
  });
});
