import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRouteToken, ROUTE_TOKEN_REFUSALS } from '../src/check-route-token.js';
import { defaultMinLevel } from '../src/default-min-level.js';
import { ERROR_CODES } from '../src/error-codes.js';
import { CASE_APP_AUDIENCES, ROUTE_TOKEN_CASES } from './support/route-token-cases.js';

const appAudiences = new Map(Object.entries(CASE_APP_AUDIENCES));

test('production routes that name no level admit basic and up; development every level', () => {
  assert.equal(defaultMinLevel('production'), 'basic');
  assert.equal(defaultMinLevel('development'), 'debug');
});

test('every case of the shared table', () => {
  for (const { what, mode, route, token, expected } of ROUTE_TOKEN_CASES) {
    const rule = {
      minLevel: route.level ?? defaultMinLevel(mode),
      apps: route.apps === undefined ? null : new Set(route.apps),
      audiences: route.audiences === undefined ? null : new Set(route.audiences),
    };
    assert.equal(checkRouteToken(token, rule, appAudiences), expected, what);
  }
});

test('the table reaches every refusal, and admits too', () => {
  const reached = new Set(ROUTE_TOKEN_CASES.map((entry) => entry.expected));
  assert.deepEqual(
    [...reached].sort((a, b) => String(a).localeCompare(String(b))),
    [...Object.keys(ROUTE_TOKEN_REFUSALS), null].sort((a, b) => String(a).localeCompare(String(b))),
  );
});

test('without app audiences a narrowed debug token is not judged; a rule of nulls admits everything', () => {
  const open = { minLevel: null, apps: null, audiences: null };
  assert.equal(checkRouteToken({ sub: 'shop', lvl: 'debug', aud: ['admin-api'] }, open, null), null);
  assert.equal(
    checkRouteToken({ sub: 'shop', lvl: 'debug', aud: ['admin-api'] }, open, appAudiences),
    'audience_scope_narrowed',
  );
});

test('every refusal is answered with a 403 code of the protocol', () => {
  for (const [reason, code] of Object.entries(ROUTE_TOKEN_REFUSALS)) {
    assert.equal(ERROR_CODES[code].status, 403, reason);
  }
});
