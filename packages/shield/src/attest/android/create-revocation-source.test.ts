import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { readAndroidFixture } from '../../../test/fixtures/android/android-fixtures.js';
import { createManualClock } from '../../clock.js';
import { createRevocationSource, type RevocationSourceOptions } from './create-revocation-source.js';

/*
 * The status list source against a real HTTP server on 127.0.0.1 that serves the sample list,
 * fails, hangs, and serves garbage.
 */

type Mode = 'serve' | 'fail' | 'garbage' | 'hang' | 'hang-body' | 'huge';
const SAMPLE = readAndroidFixture('google-sample/status-sample.json');
const START = Date.parse('2026-03-01T00:00:00Z');

let server: Server;
let url: string;
let mode: Mode = 'serve';
let hits = 0;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-android-status-'));
  server = createServer((_req, res) => {
    hits++;
    switch (mode) {
      case 'serve':
        res.writeHead(200, { 'content-type': 'application/json' }).end(SAMPLE);
        return;
      case 'fail':
        res.writeHead(503).end('unavailable');
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"entries": {"zz": ');
        return;
      case 'huge':
        res.writeHead(200).end('x'.repeat(4096));
        return;
      case 'hang-body':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"entries": {');
        return;
      case 'hang':
        return;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/attestation/status`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

function source(overrides: Partial<RevocationSourceOptions> = {}, withUrl = true) {
  const clock = createManualClock(START);
  const options: RevocationSourceOptions = {
    ...(withUrl ? { url } : {}),
    refreshSeconds: 3600,
    maxAgeSeconds: 86_400,
    onStale: 'refuse',
    clock,
    // Long enough for a loopback answer on a loaded machine (300 ms was not, at a load average
    // of 20); the hang cases wait it out.
    timeoutMs: 2000,
    maxBytes: 2048,
    ...overrides,
  };
  return { clock, revocation: createRevocationSource(options) };
}

describe('createRevocationSource over HTTP', () => {
  test('serves, then keeps the last good copy through failures, garbage and hangs', async () => {
    const { revocation, clock } = source();
    mode = 'fail';
    await revocation.refresh();
    assert.equal(revocation.current(), 'stale-refuse', 'no copy yet');
    assert.equal(revocation.state().lastError, 'android_revocation_fetch_failed');
    assert.equal(revocation.state().lastErrorReason, 'fetch: HTTP 503');

    mode = 'serve';
    await revocation.refresh();
    const good = revocation.current();
    assert.notEqual(typeof good, 'string');
    assert.equal(typeof good === 'string' ? 0 : good.entries.size, 5);
    assert.deepEqual(revocation.state(), {
      entries: 5,
      obtainedAt: START,
      lastAttemptAt: START,
      lastError: undefined,
      lastErrorReason: undefined,
      stale: false,
    });

    for (const [failure, code, reason] of [
      ['fail', 'android_revocation_fetch_failed', 'fetch: HTTP 503'],
      ['garbage', 'android_revocation_list_malformed', 'fetch: the status list is not JSON'],
      ['huge', 'android_revocation_fetch_failed', 'fetch: larger than maxBytes (2048 bytes)'],
      ['hang', 'android_revocation_fetch_failed', 'fetch: no complete answer within 2000 ms'],
      ['hang-body', 'android_revocation_fetch_failed', 'fetch: no complete answer within 2000 ms'],
    ] as const) {
      clock.advance(60_000);
      mode = failure;
      const started = Date.now();
      await revocation.refresh();
      assert.ok(Date.now() - started < 5000, `${failure} is bounded by the timeout`);
      assert.equal(revocation.current(), good, `${failure} keeps the last good copy`);
      assert.equal(revocation.state().lastError, code, failure);
      assert.equal(revocation.state().lastErrorReason, reason, failure);
      assert.equal(revocation.state().obtainedAt, START);
    }
  });

  test('stale after maxAgeSeconds: refuse or allow as configured', async () => {
    mode = 'serve';
    for (const onStale of ['refuse', 'allow'] as const) {
      const { revocation, clock } = source({ onStale });
      await revocation.refresh();
      clock.advance(86_400_000);
      assert.notEqual(typeof revocation.current(), 'string', 'exactly maxAge is still fresh');
      clock.advance(1);
      assert.equal(revocation.current(), `stale-${onStale}`);
      assert.equal(revocation.state().stale, true);
      await revocation.refresh();
      assert.notEqual(typeof revocation.current(), 'string', 'a new fetch makes it fresh again');
    }
  });

  test('concurrent refreshes share one request', async () => {
    mode = 'serve';
    const { revocation } = source();
    const before = hits;
    await Promise.all([revocation.refresh(), revocation.refresh(), revocation.refresh()]);
    assert.equal(hits - before, 1);
  });

  test('start after an awaited refresh does not fetch again at once; onRefresh sees every attempt', async () => {
    mode = 'serve';
    const seen: (string | undefined)[] = [];
    const { revocation } = source({ onRefresh: (state) => seen.push(state.lastErrorReason) });
    const before = hits;
    await revocation.refresh();
    revocation.start();
    revocation.stop();
    assert.equal(hits - before, 1);
    assert.deepEqual(seen, [undefined]);
    mode = 'fail';
    await revocation.refresh();
    assert.deepEqual(seen, [undefined, 'fetch: HTTP 503']);
  });

  test('start refreshes at once and on the timer; stop ends both and aborts a hang', async () => {
    mode = 'serve';
    const { revocation } = source({ refreshSeconds: 0.05 });
    const before = hits;
    revocation.start();
    revocation.start(); // idempotent
    await sleep(400);
    revocation.stop();
    // A request sent just before stop() may reach the server after it; count once it has.
    await sleep(100);
    const during = hits - before;
    assert.ok(during >= 3, `refreshed ${during} times`);
    await sleep(150);
    assert.equal(hits - before, during, 'no refresh after stop');
    assert.notEqual(typeof revocation.current(), 'string');

    mode = 'hang';
    const hanging = source({ timeoutMs: 60_000 }).revocation;
    const pending = hanging.refresh();
    await sleep(50);
    const stoppedAt = Date.now();
    hanging.stop();
    await pending;
    assert.ok(Date.now() - stoppedAt < 2000, 'stop aborts the fetch in flight');
    assert.equal(hanging.state().lastError, 'android_revocation_fetch_failed');
  });
});

describe('createRevocationSource with a file', () => {
  test('a good fetch is cached to the file; after a restart with the URL down the file is used', async () => {
    const file = join(dir, 'cache.json');
    mode = 'serve';
    const first = source({ file });
    await first.revocation.refresh();
    assert.equal(readFileSync(file, 'utf8'), SAMPLE);

    mode = 'fail';
    const mtime = new Date(START - 3600_000);
    utimesSync(file, mtime, mtime);
    const restarted = source({ file });
    await restarted.revocation.refresh();
    const state = restarted.revocation.state();
    assert.equal(state.entries, 5);
    assert.equal(state.lastErrorReason, `fetch: HTTP 503 (read the copy in ${file})`);
    assert.equal(state.obtainedAt, mtime.getTime(), 'a file copy is as old as the file');
    assert.equal(state.lastError, 'android_revocation_fetch_failed', 'the failing URL is still reported');
    restarted.clock.advance(86_400_000 - 3600_000 + 1);
    assert.equal(restarted.revocation.current(), 'stale-refuse');
  });

  test('file as the source: re-read at each refresh, a corrupt file keeps the last good copy (F-19)', async () => {
    const file = join(dir, 'operator.json');
    writeFileSync(file, SAMPLE);
    const { revocation } = source({ file }, false);
    await revocation.refresh();
    assert.equal(revocation.state().entries, 5);

    writeFileSync(file, '{"entries": {"01": {"status": "REVOKED"}}}');
    await revocation.refresh();
    assert.equal(revocation.state().entries, 1);

    writeFileSync(file, 'corrupt');
    await revocation.refresh();
    assert.equal(revocation.state().entries, 1, 'last good copy kept');
    assert.equal(revocation.state().lastError, 'android_revocation_list_malformed');

    rmSync(file);
    await revocation.refresh();
    assert.equal(revocation.state().entries, 1);
    assert.equal(revocation.state().lastError, 'android_revocation_fetch_failed');
  });
});

describe('createRevocationSource options', () => {
  const clock = createManualClock(START);
  const base = { refreshSeconds: 60, maxAgeSeconds: 600, onStale: 'refuse', clock, timeoutMs: 1000 } as const;
  const cases: [string, Partial<RevocationSourceOptions>, RegExp][] = [
    ['neither file nor url', {}, /file or url/],
    ['a relative url', { url: '/status' }, /url/],
    ['a non-http url', { url: 'file:///etc/passwd' }, /url/],
    ['zero refresh', { url: 'https://x.test/', refreshSeconds: 0 }, /refreshSeconds/],
    ['negative max age', { url: 'https://x.test/', maxAgeSeconds: -1 }, /maxAgeSeconds/],
    ['no timeout', { url: 'https://x.test/', timeoutMs: Number.NaN }, /timeoutMs/],
    ['bad stale policy', { url: 'https://x.test/', onStale: 'maybe' as 'allow' }, /onStale/],
    ['empty file path', { file: '' }, /file/],
  ];
  for (const [name, options, message] of cases) {
    test(`refuses ${name}`, () => {
      assert.throws(
        () => createRevocationSource({ ...base, ...options }),
        (e: unknown) => {
          assert.ok(e instanceof TypeError);
          assert.match(e.message, message);
          return true;
        },
      );
    });
  }

  test('uses the injected fetch', async () => {
    let calls = 0;
    const revocation = createRevocationSource({
      ...base,
      url: 'https://status.invalid/attestation/status',
      fetch: async () => {
        calls++;
        return new Response(SAMPLE, { status: 200 });
      },
    });
    await revocation.refresh();
    assert.equal(calls, 1);
    assert.equal(revocation.state().entries, 5);
  });
});
