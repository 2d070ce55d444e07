/**
 * One table of cases for the route token rule (`checkRouteToken`, `defaultMinLevel`), run by the
 * protocol's own test and, end to end, through the shield's gateway and `@portcullis/verify`: the
 * three must reach the same verdict on every row. Test code only.
 */

import type { RouteTokenRefusal } from '../../src/check-route-token.js';
import type { DeploymentMode } from '../../src/default-min-level.js';
import type { AssuranceLevel } from '../../src/wire.js';

/** The apps of every case and their audiences (a shield's `apps.<app>.audiences`). */
export const CASE_APP_AUDIENCES: Readonly<Record<string, readonly string[]>> = {
  shop: ['shop-api', 'admin-api'],
  other: ['other-api'],
};

/** Every audience a case uses: what a verifier in front of these apps serves. */
export const CASE_SERVED_AUDIENCES = ['shop-api', 'admin-api', 'other-api'] as const;

export interface RouteTokenCase {
  what: string;
  mode: DeploymentMode;
  /** What the route writes; a level it does not write is the mode's default. */
  route: { level?: AssuranceLevel; apps?: string[]; audiences?: string[] };
  token: { sub: string; lvl: AssuranceLevel; aud: string[] };
  /** Null: admitted. */
  expected: RouteTokenRefusal | null;
}

const FULL = ['shop-api', 'admin-api'];

export const ROUTE_TOKEN_CASES: readonly RouteTokenCase[] = [
  {
    what: 'production, no level written: a hardware token passes',
    mode: 'production',
    route: {},
    token: { sub: 'shop', lvl: 'hardware', aud: FULL },
    expected: null,
  },
  {
    what: 'production, no level written: a basic token passes',
    mode: 'production',
    route: {},
    token: { sub: 'shop', lvl: 'basic', aud: FULL },
    expected: null,
  },
  {
    what: 'production, no level written: a debug token is refused',
    mode: 'production',
    route: {},
    token: { sub: 'shop', lvl: 'debug', aud: FULL },
    expected: 'level_below_minimum',
  },
  {
    what: 'production, level: debug written: a debug token passes',
    mode: 'production',
    route: { level: 'debug' },
    token: { sub: 'shop', lvl: 'debug', aud: FULL },
    expected: null,
  },
  {
    what: 'development, no level written: a debug token passes',
    mode: 'development',
    route: {},
    token: { sub: 'shop', lvl: 'debug', aud: FULL },
    expected: null,
  },
  {
    what: 'development, level: basic written: a debug token is refused',
    mode: 'development',
    route: { level: 'basic' },
    token: { sub: 'shop', lvl: 'debug', aud: FULL },
    expected: 'level_below_minimum',
  },
  {
    what: 'level: hardware: a device token is refused',
    mode: 'production',
    route: { level: 'hardware' },
    token: { sub: 'shop', lvl: 'device', aud: FULL },
    expected: 'level_below_minimum',
  },
  {
    what: 'apps: [other]: a token of shop is refused',
    mode: 'production',
    route: { apps: ['other'] },
    token: { sub: 'shop', lvl: 'hardware', aud: FULL },
    expected: 'app_not_allowed',
  },
  {
    what: 'apps: [other, shop]: a token of shop passes',
    mode: 'production',
    route: { apps: ['other', 'shop'] },
    token: { sub: 'shop', lvl: 'hardware', aud: FULL },
    expected: null,
  },
  {
    what: 'audiences: [admin-api]: a token for shop-api only is refused',
    mode: 'production',
    route: { audiences: ['admin-api'] },
    token: { sub: 'shop', lvl: 'hardware', aud: ['shop-api'] },
    expected: 'audience_not_accepted',
  },
  {
    what: 'audiences: [admin-api]: a token whose aud holds admin-api among others passes',
    mode: 'production',
    route: { audiences: ['admin-api'] },
    token: { sub: 'shop', lvl: 'hardware', aud: FULL },
    expected: null,
  },
  {
    what: 'audiences: [admin-api, other-api]: a token holding one of them passes',
    mode: 'production',
    route: { audiences: ['admin-api', 'other-api'] },
    token: { sub: 'other', lvl: 'hardware', aud: ['other-api'] },
    expected: null,
  },
  {
    what: 'no audiences written: a debug token its scope narrowed is refused',
    mode: 'production',
    route: { level: 'debug' },
    token: { sub: 'shop', lvl: 'debug', aud: ['admin-api'] },
    expected: 'audience_scope_narrowed',
  },
  {
    what: 'audiences written: a narrowed debug token passes on a route naming its audience',
    mode: 'production',
    route: { level: 'debug', audiences: ['admin-api'] },
    token: { sub: 'shop', lvl: 'debug', aud: ['admin-api'] },
    expected: null,
  },
  {
    what: 'development, no audiences written: a narrowed debug token is refused too',
    mode: 'development',
    route: {},
    token: { sub: 'shop', lvl: 'debug', aud: ['shop-api'] },
    expected: 'audience_scope_narrowed',
  },
  {
    what: 'no audiences written: an attested token holding part of its app audiences passes',
    mode: 'development',
    route: {},
    token: { sub: 'shop', lvl: 'hardware', aud: ['shop-api'] },
    expected: null,
  },
  {
    what: 'no audiences written: a debug token of an app with no known audiences is refused',
    mode: 'development',
    route: {},
    token: { sub: 'ghost', lvl: 'debug', aud: ['shop-api'] },
    expected: 'audience_scope_narrowed',
  },
  {
    what: 'the level is judged before the app',
    mode: 'production',
    route: { level: 'hardware', apps: ['other'] },
    token: { sub: 'shop', lvl: 'debug', aud: FULL },
    expected: 'level_below_minimum',
  },
  {
    what: 'the app is judged before the audience',
    mode: 'production',
    route: { apps: ['other'], audiences: ['admin-api'] },
    token: { sub: 'shop', lvl: 'hardware', aud: ['shop-api'] },
    expected: 'app_not_allowed',
  },
];
