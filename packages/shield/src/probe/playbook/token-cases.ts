import { type AssuranceLevel, meetsLevel } from '@portcullis/protocol';
import type { RouteConfig } from '../../config/index.js';
import type { ProbeContext } from '../create-probe-context.js';
import { type ForgedTokens, firstPublishedKey, forgeTokens, stripSignature } from '../forge-tokens.js';
import { mustBeRefused } from '../judge-exchange.js';
import type { ProbeVerdict } from '../probe-types.js';
import {
  concretePath,
  isSensitiveRoute,
  routeApps,
  routeMethod,
  routeName,
  sampleBody,
} from '../route-facts.js';
import { NEEDS_DRY_RUN, type ProbeCase, skipped } from './probe-case.js';
import { PROBE_AUTHORIZATION } from './valid-request.js';

const TOKEN_REFUSALS = ['token_invalid', 'token_missing'];
const FORGED_FIX =
  'The shield accepted a token it did not sign, or signed for someone else. Either something in front of the shield answers for this route, or the running version has a verifier bug: upgrade and report it with this case id.';

/** Sends the route's usual request with `headers` added. */
function sendTo(context: ProbeContext, route: RouteConfig, headers: [string, string][], query = '') {
  const body = sampleBody(route);
  return context.send({
    method: routeMethod(route),
    target: `${concretePath(route)}${query}`,
    headers,
    ...(body !== undefined ? { body } : {}),
  });
}

const forged = new WeakMap<ProbeContext, Promise<ForgedTokens>>();

/** Forgery needs the issuer, an audience and a published kid: read from the config and the JWKS (once). */
function forgeries(context: ProbeContext, route: RouteConfig): Promise<ForgedTokens> {
  let pending = forged.get(context);
  if (pending === undefined) {
    pending = forgeFor(context, route);
    forged.set(context, pending);
  }
  return pending;
}

async function forgeFor(context: ProbeContext, route: RouteConfig): Promise<ForgedTokens> {
  const jwks = await context.send({ method: 'GET', target: '/.well-known/jwks.json' });
  const published = jwks.response !== null ? firstPublishedKey(jwks.response.body) : null;
  const app = routeApps(route, context.env.config)[0] ?? 'probe';
  return forgeTokens({
    issuer: context.env.config.issuer,
    app,
    audiences: [...(context.env.config.apps[app]?.audiences ?? [app])],
    kid: published?.kid ?? 'probe',
    publicKeyPem: published?.pem ?? null,
  });
}

function tokenCase(
  route: RouteConfig,
  id: string,
  threats: string[],
  title: string,
  make: (context: ProbeContext) => Promise<string | ProbeVerdict>,
  codes: string[] = TOKEN_REFUSALS,
  fix = FORGED_FIX,
): ProbeCase {
  return {
    id,
    threats,
    title,
    route,
    expectation: `refused (${codes.join(' or ')})`,
    fix,
    async run(context) {
      const token = await make(context);
      if (typeof token !== 'string') return token;
      return mustBeRefused(await sendTo(context, route, [['Portcullis-Token', token]]), codes);
    },
  };
}

/** A level just below `level`, or undefined for the lowest. */
function levelBelow(level: AssuranceLevel): AssuranceLevel | undefined {
  const order: AssuranceLevel[] = ['debug', 'basic', 'device', 'hardware'];
  return order[order.indexOf(level) - 1];
}

/**
 * Token cases that do not depend on the route (the verifier is the same for every route), run
 * once against `route`: forged, `alg` tricks, embedded keys, stripped signature, oversized,
 * duplicated, in the query, expired, of another audience or issuer, of a revoked device.
 */
export function verifierCases(route: RouteConfig): ProbeCase[] {
  const dry = (context: ProbeContext) => context.env.dryRun;
  const app = (context: ProbeContext) => routeApps(route, context.env.config)[0];
  return [
    tokenCase(
      route,
      'token-forged-signature',
      ['C-31'],
      'token signed by a key that is not the shield’s',
      async (c) => (await forgeries(c, route)).selfSigned,
    ),
    tokenCase(
      route,
      'token-alg-none',
      ['C-01'],
      '`alg: none` token without a signature',
      async (c) => (await forgeries(c, route)).algNone,
    ),
    tokenCase(
      route,
      'token-alg-confusion',
      ['C-03', 'C-04'],
      'HS256 token keyed with the published public key',
      async (c) => (await forgeries(c, route)).hs256,
    ),
    tokenCase(
      route,
      'token-embedded-key',
      ['C-09'],
      'token carrying its own key (`jwk`)',
      async (c) => (await forgeries(c, route)).embeddedJwk,
    ),
    tokenCase(
      route,
      'token-jku',
      ['C-08'],
      'token naming the attacker’s key set (`jku`)',
      async (c) => (await forgeries(c, route)).jku,
    ),
    tokenCase(
      route,
      'token-oversized',
      ['C-26'],
      'a 5000-character token',
      async (c) => (await forgeries(c, route)).oversized,
    ),
    tokenCase(
      route,
      'token-stripped-signature',
      ['C-02'],
      'a genuine token with its signature removed',
      async (c) => {
        const name = app(c);
        const genuine =
          name === undefined
            ? null
            : (dry(c)?.mint({ app: name, level: 'hardware', platform: 'android' }) ??
              c.env.debugToken(name, c.spend));
        const token = (await genuine) ?? (await forgeries(c, route)).selfSigned;
        return stripSignature(token);
      },
    ),
    {
      id: 'token-duplicate',
      threats: ['C-28'],
      title: 'two Portcullis-Token headers',
      route,
      expectation: 'refused (duplicate_header)',
      fix: 'The shield took one of two tokens: something in front of it merges or drops repeated headers. Make the proxy pass them as they are.',
      async run(context) {
        const forged = await forgeries(context, route);
        return mustBeRefused(
          await sendTo(context, route, [
            ['Portcullis-Token', forged.selfSigned],
            ['Portcullis-Token', forged.algNone],
          ]),
          ['duplicate_header', ...TOKEN_REFUSALS],
        );
      },
    },
    {
      id: 'token-in-query',
      threats: ['A2-02'],
      title: 'a genuine token in the query string instead of its header',
      route,
      expectation: 'refused (token_missing)',
      fix: 'A token in the query string was accepted: it ends up in access logs and caches. Check that nothing in front of the shield moves query parameters into headers.',
      async run(context) {
        const name = app(context);
        if (name === undefined) return skipped('no configured app can have a token for this route');
        const token = await (dry(context)?.mint({ app: name, level: 'hardware', platform: 'android' }) ??
          context.env.debugToken(name, context.spend));
        if (token === null)
          return skipped('needs a token: set PORTCULLIS_PROBE_DEBUG_TOKEN to a debug credential');
        return mustBeRefused(await sendTo(context, route, [], `?portcullis_token=${token}`), [
          'token_missing',
          'bad_request',
        ]);
      },
    },
    tokenCase(
      route,
      'token-expired',
      ['C-15'],
      'a genuine token that expired five minutes ago',
      async (c) => {
        const name = app(c);
        if (dry(c) === null) return skipped(NEEDS_DRY_RUN);
        if (name === undefined) return skipped('no configured app can have a token for this route');
        const leeway = c.env.config.tokens.clockToleranceSeconds;
        return dry(c)!.mint({
          app: name,
          level: 'hardware',
          platform: 'android',
          ttlSeconds: 60,
          offsetSeconds: -(360 + leeway),
        });
      },
      ['token_expired', 'token_invalid'],
    ),
    tokenCase(
      route,
      'token-other-audience',
      ['C-19'],
      'a token signed by the shield for an audience it does not serve',
      async (c) => {
        const name = app(c);
        if (dry(c) === null) return skipped(NEEDS_DRY_RUN);
        if (name === undefined) return skipped('no configured app can have a token for this route');
        return dry(c)!.mint({
          app: name,
          level: 'hardware',
          platform: 'android',
          audiences: ['portcullis-probe-foreign-api'],
        });
      },
    ),
    tokenCase(
      route,
      'token-other-issuer',
      ['C-19'],
      'a token signed by the shield’s key under another issuer',
      async (c) => {
        const name = app(c);
        if (dry(c) === null) return skipped(NEEDS_DRY_RUN);
        if (name === undefined) return skipped('no configured app can have a token for this route');
        return dry(c)!.mint({
          app: name,
          level: 'hardware',
          platform: 'android',
          issuer: 'https://probe.invalid',
        });
      },
    ),
    tokenCase(
      route,
      'token-revoked-device',
      ['C-29'],
      'a genuine token of a revoked device',
      async (c) => {
        const name = app(c);
        if (dry(c) === null) return skipped(NEEDS_DRY_RUN);
        if (name === undefined) return skipped('no configured app can have a token for this route');
        const device = await dry(c)!.device(name, { revoked: true });
        return dry(c)!.mint({ app: name, level: 'hardware', platform: 'android', device });
      },
      ['device_revoked'],
      'A revoked device’s token still works: every instance must share the device store (store kind redis+postgres with several instances).',
    ),
  ];
}

/**
 * Token cases of one route: no token at all; a debug token (pulled out of a CI build) on a route
 * that did not ask for debug tokens, or that spends a secret or needs a proof; a token below the
 * route's level; a token of an app the route does not admit; a token bound to another user.
 */
export function routeTokenCases(route: RouteConfig): ProbeCase[] {
  const id = routeName(route);
  const require = route.require;
  const cases: ProbeCase[] = [
    {
      id: 'token-missing',
      threats: ['A2-01', 'A6-01'],
      title: 'no app token (Postman, a script with a copied API key)',
      route,
      expectation: 'refused (token_missing)',
      fix: `Route ${id} answered without an app token. Make sure the running shield has this config (require.token: true, and no token monitor mode), and that nothing in front of the shield sends this path to the upstream directly.`,
      async run(context) {
        return mustBeRefused(await sendTo(context, route, []), ['token_missing']);
      },
    },
  ];
  const admitsDebugByChoice = require?.level === 'debug' && !isSensitiveRoute(route);
  cases.push({
    id: 'token-debug',
    threats: ['A6-07'],
    title: 'a debug token (its credential pulled out of a CI or simulator build)',
    route,
    expectation: admitsDebugByChoice ? 'admitted: the route says level: debug' : 'refused',
    fix: `A debug credential reaches route ${id}${isSensitiveRoute(route) ? ', which spends a secret or needs a proof' : ''}. Set require.level to device or hardware (or require a proof); write level: debug only on routes CI needs and that spend nothing.`,
    async run(context) {
      if (admitsDebugByChoice)
        return skipped('the route admits debug tokens by its config (level: debug) and spends no secret');
      const app = routeApps(route, context.env.config).find(
        (name) => (context.env.config.apps[name]?.debugTokens.length ?? 0) > 0 || context.env.dryRun !== null,
      );
      if (app === undefined) return skipped('no admitted app has a debug credential');
      const token = await context.env.debugToken(app, context.spend);
      if (token === null) return skipped('needs a debug credential: set PORTCULLIS_PROBE_DEBUG_TOKEN');
      return mustBeRefused(await sendTo(context, route, [['Portcullis-Token', token]]));
    },
  });
  const below = require?.level === undefined ? undefined : levelBelow(require.level);
  if (
    require?.level !== undefined &&
    below !== undefined &&
    below !== 'debug' &&
    meetsLevel(below, 'basic')
  ) {
    cases.push({
      id: 'token-level-below',
      threats: ['A6-07'],
      title: `a genuine ${below}-level token (the route needs ${require.level})`,
      route,
      expectation: 'refused (level_insufficient)',
      fix: `Route ${id} admitted a ${below}-level token: check that the running shield has require.level: ${require.level} on it.`,
      async run(context) {
        const dryRun = context.env.dryRun;
        if (dryRun === null) return skipped(NEEDS_DRY_RUN);
        const app = routeApps(route, context.env.config)[0];
        if (app === undefined) return skipped('no configured app can have a token for this route');
        const device = await dryRun.device(app);
        const token = await dryRun.mint({ app, level: below, platform: 'android', device });
        return mustBeRefused(await sendTo(context, route, [['Portcullis-Token', token]]), [
          'level_insufficient',
        ]);
      },
    });
  }
  if (require?.apps !== undefined) {
    const admitted = require.apps;
    cases.push({
      id: 'token-other-app',
      threats: ['C-19'],
      title: 'a genuine token of an app the route does not admit',
      route,
      expectation: 'refused (app_forbidden)',
      fix: `Route ${id} admitted another app’s token: check that the running shield has require.apps: [${admitted.join(', ')}] on it.`,
      async run(context) {
        const dryRun = context.env.dryRun;
        if (dryRun === null) return skipped(NEEDS_DRY_RUN);
        const other =
          Object.keys(context.env.config.apps).find((name) => !admitted.includes(name)) ??
          'portcullis-probe-other-app';
        const audiences = [
          ...(context.env.config.apps[other]?.audiences ??
            context.env.config.apps[admitted[0]!]?.audiences ?? [other]),
        ];
        const device = await dryRun.device(other);
        const token = await dryRun.mint({
          app: other,
          level: 'hardware',
          platform: 'android',
          device,
          audiences,
        });
        return mustBeRefused(await sendTo(context, route, [['Portcullis-Token', token]]), [
          'app_forbidden',
          'audience_forbidden',
          'token_invalid',
        ]);
      },
    });
  }
  if (require?.binding === true) {
    cases.push({
      id: 'token-binding-mismatch',
      threats: ['A1-02', 'C-21'],
      title: 'a token bound to one user’s Authorization sent with another’s',
      route,
      expectation: 'refused (binding_mismatch)',
      fix: `Route ${id} admitted a token bound to another Authorization value: check that the running shield has require.binding: true on it.`,
      async run(context) {
        const dryRun = context.env.dryRun;
        if (dryRun === null) return skipped(NEEDS_DRY_RUN);
        const app = routeApps(route, context.env.config)[0];
        if (app === undefined) return skipped('no configured app can have a token for this route');
        const device = await dryRun.device(app);
        const token = await dryRun.mint({
          app,
          level: 'hardware',
          platform: 'android',
          device,
          authorization: PROBE_AUTHORIZATION,
        });
        return mustBeRefused(
          await sendTo(context, route, [
            ['Portcullis-Token', token],
            ['Authorization', `${PROBE_AUTHORIZATION}-someone-else`],
          ]),
          ['binding_mismatch'],
        );
      },
    });
  }
  return cases;
}
