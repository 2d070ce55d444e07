import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { createManualClock } from '../../clock.js';
import { createIdentifierHasher } from '../../identifier-hasher.js';
import { createConsoleSessions } from './create-console-sessions.js';

const T0 = 1_800_000_000_000;
const KEY = randomBytes(32);
const BINDING = 'a'.repeat(64);

function sessionsOf(clock: ReturnType<typeof createManualClock>, key: Uint8Array = KEY, binding = BINDING) {
  const identifiers = createIdentifierHasher(key);
  return createConsoleSessions({
    clock,
    mac: (value) => identifiers.consoleSession(value),
    binding,
    idleMs: 60_000,
    maxAgeMs: 300_000,
  });
}

test('a session made by one process is accepted by another with the same key: the CSRF token matches too', () => {
  const clock = createManualClock(T0);
  const { id, session } = sessionsOf(clock).create();
  const used = sessionsOf(clock).use(id);
  assert.ok(used);
  assert.equal(used.session.csrfToken, session.csrfToken);
  assert.ok(sessionsOf(clock).checkCsrf(used.session, session.csrfToken));
  const other = session.csrfToken.endsWith('A') ? 'B' : 'A';
  assert.equal(sessionsOf(clock).checkCsrf(used.session, `${session.csrfToken.slice(0, -1)}${other}`), false);
  assert.equal(sessionsOf(clock).checkCsrf(used.session, undefined), false);
});

test('another identifier key or another admin token: the cookie is refused', () => {
  const clock = createManualClock(T0);
  const { id } = sessionsOf(clock).create();
  assert.equal(sessionsOf(clock, randomBytes(32)).use(id), undefined);
  assert.equal(sessionsOf(clock, KEY, 'b'.repeat(64)).use(id), undefined);
});

test('a tampered cookie is refused: a later use time, another id, garbage', () => {
  const clock = createManualClock(T0);
  const sessions = sessionsOf(clock);
  const { id } = sessions.create();
  const parts = id.split('.');
  assert.equal(sessions.use([parts[0], parts[1], parts[2], String(T0 + 1), parts[4]].join('.')), undefined);
  assert.equal(sessions.use([parts[0], 'A'.repeat(22), parts[2], parts[3], parts[4]].join('.')), undefined);
  assert.equal(sessions.use('not-a-session'), undefined);
  assert.equal(sessions.use(''), undefined);
});

test('idle expiry counts from the last use: the re-issued cookie keeps it alive, the old one dies', () => {
  const clock = createManualClock(T0);
  const sessions = sessionsOf(clock);
  const { id } = sessions.create();
  clock.advance(50_000);
  const used = sessions.use(id);
  assert.ok(used);
  assert.notEqual(used.renewed, id);
  clock.advance(50_000);
  assert.equal(sessions.use(id), undefined, 'the first cookie is idle for 100 s');
  assert.ok(sessions.use(used.renewed), 'the renewed one was used 50 s ago');
});

test('a session ends at maxAgeMs however often it is used', () => {
  const clock = createManualClock(T0);
  const sessions = sessionsOf(clock);
  let { id } = sessions.create();
  for (let i = 0; i < 5; i++) {
    clock.advance(50_000);
    const used = sessions.use(id);
    assert.ok(used, `use ${i}`);
    id = used.renewed;
  }
  clock.advance(50_000);
  assert.equal(sessions.use(id), undefined);
});

test('signing out refuses the cookie in the process that signed out; another process keeps it until idle', () => {
  const clock = createManualClock(T0);
  const here = sessionsOf(clock);
  const elsewhere = sessionsOf(clock);
  const { id } = here.create();
  here.end(id);
  assert.equal(here.use(id), undefined);
  assert.ok(elsewhere.use(id), 'the deny list is per process, as documented');
  clock.advance(60_000);
  assert.equal(elsewhere.use(id), undefined);
});
