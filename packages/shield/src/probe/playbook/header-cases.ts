import type { Config, RouteConfig } from '../../config/index.js';
import type { ProbeContext } from '../create-probe-context.js';
import { describeAnswer, mustBeRefused, passage } from '../judge-exchange.js';
import type { ProbeExchange, ProbeVerdict } from '../probe-types.js';
import { concretePath, routeMethod, routeName, sampleBody, sensitiveValues } from '../route-facts.js';
import { type ProbeCase, skipped } from './probe-case.js';
import { validCredentials } from './valid-request.js';

/**
 * The route whose upstream the probe can watch: in a dry run every upstream is the echo, so the
 * first public route (or the first route); against a target, the route the owner marked.
 */
export function observedRoute(
  config: Config,
  echoRoute: RouteConfig | null,
  dryRun: boolean,
): RouteConfig | null {
  if (!dryRun) return echoRoute;
  return config.routes.find((route) => route.public) ?? config.routes[0] ?? null;
}

/** What the upstream received, as text to search: exact in a dry run, the echo's answer otherwise. */
function upstreamText(exchange: ProbeExchange): string {
  if (exchange.upstream !== null) {
    return exchange.upstream
      .map((request) =>
        [
          request.target,
          ...request.headers.map(([n, v]) => `${n}: ${v}`),
          request.body.toString('latin1'),
        ].join('\n'),
      )
      .join('\n');
  }
  const response = exchange.response;
  if (response === null) return '';
  return [...response.headers.map(([n, v]) => `${n}: ${v}`), response.body.toString('latin1')].join('\n');
}

/** Header names the upstream received (dry run only). */
function upstreamHeaderNames(exchange: ProbeExchange): string[] {
  return (exchange.upstream ?? []).flatMap((request) => request.headers.map(([name]) => name.toLowerCase()));
}

/** Sends the route's genuine request with `extra` headers, so what reaches the upstream can be read. */
async function sendObserved(
  context: ProbeContext,
  route: RouteConfig,
  extra: [string, string][],
  query = '',
  host?: string,
  authorization?: string,
): Promise<ProbeExchange | ProbeVerdict> {
  const body = sampleBody(route);
  const shape = {
    method: routeMethod(route),
    target: `${concretePath(route)}${query}`,
    ...(body !== undefined ? { body } : {}),
    ...(authorization !== undefined ? { authorization } : {}),
  };
  const credentials = await validCredentials(context, route, shape);
  if (!credentials.ok) return skipped(credentials.reason);
  return context.send({
    ...shape,
    headers: [...credentials.headers, ...extra],
    ...(host !== undefined ? { host } : {}),
  });
}

/**
 * The verdict of a request carrying planted values (`canaries`) that must not reach the upstream.
 * A refusal says nothing about the scrubbing unless `refusalHolds` (the shield may refuse such
 * requests outright).
 */
function canaryVerdict(
  exchange: ProbeExchange | ProbeVerdict,
  canaries: Record<string, string>,
  refusalHolds = false,
): ProbeVerdict {
  if (!('responses' in exchange)) return exchange;
  const where = passage(exchange);
  if (where !== 'forwarded') {
    if (refusalHolds && where === 'refused') return mustBeRefused(exchange);
    return {
      outcome: 'inconclusive',
      status: exchange.status,
      code: exchange.code,
      detail: `the request was not let through (${describeAnswer(exchange)}), so what the upstream would receive is unknown`,
    };
  }
  const text = upstreamText(exchange);
  const reached = Object.entries(canaries)
    .filter(([, canary]) => text.includes(canary))
    .map(([name]) => name);
  if (reached.length > 0) {
    return {
      outcome: 'got-through',
      status: exchange.status,
      code: exchange.code,
      detail: `the upstream received the client’s ${reached.join(', ')}`,
    };
  }
  return {
    outcome: 'held',
    status: exchange.status,
    code: exchange.code,
    detail: `${Object.keys(canaries).length} planted ${Object.keys(canaries).length === 1 ? 'value' : 'values'}, none reached the upstream`,
  };
}

/** Headers named like `names`, each with a fresh canary value. */
function planted(
  context: ProbeContext,
  names: readonly string[],
): { headers: [string, string][]; canaries: Record<string, string> } {
  const canaries: Record<string, string> = {};
  const headers: [string, string][] = [];
  for (const name of names) {
    const canary = context.canary();
    canaries[name] = canary;
    headers.push([name, canary]);
  }
  return { headers, canaries };
}

const NEEDS_ECHO =
  'needs an upstream the probe can see: name an echoing route with --echo-route, or run as a dry run';

/**
 * Header spoofing against the watched route: identity headers (A1-01), hop-by-hop and the headers
 * `Connection` names (E-20), routing and forwarding overrides (E-21, A7-02, A9-02, E-17), request
 * ids (F-25), method overrides (E-28) and an h2c upgrade (E-33).
 */
export function headerCases(route: RouteConfig | null): ProbeCase[] {
  const needsRoute =
    (run: (context: ProbeContext, observed: RouteConfig) => Promise<ProbeVerdict>) =>
    (context: ProbeContext) =>
      route === null
        ? Promise.resolve(
            skipped(context.env.dryRun !== null ? 'the config has no route to send through' : NEEDS_ECHO),
          )
        : run(context, route);
  const fixScrub =
    'Headers the gateway removes reached the upstream: something between the shield and the upstream adds them back, or the running shield is not this version. The upstream must trust only the X-Portcullis-* and forwarding headers the shield sets.';
  return [
    {
      id: 'identity-spoofing',
      threats: ['A1-01'],
      title: 'client-sent X-Portcullis-* identity headers, in odd casings',
      route,
      expectation: 'none reaches the upstream',
      fix: fixScrub,
      run: needsRoute(async (context, observed) => {
        const { headers, canaries } = planted(context, [
          'X-Portcullis-App',
          'x-portcullis-device',
          'X-PORTCULLIS-LEVEL',
          'X-Portcullis-Platform',
          'X-Portcullis-Token-Id',
          'X-Portcullis-User',
        ]);
        return canaryVerdict(await sendObserved(context, observed, headers), canaries);
      }),
    },
    {
      id: 'hop-by-hop',
      threats: ['E-20'],
      title: 'hop-by-hop headers and a header named in Connection',
      route,
      expectation: 'none reaches the upstream',
      fix: fixScrub,
      run: needsRoute(async (context, observed) => {
        const { headers, canaries } = planted(context, [
          'X-Probe-Hop',
          'Keep-Alive',
          'Proxy-Authorization',
          'Proxy-Connection',
          'Trailer',
        ]);
        return canaryVerdict(
          await sendObserved(context, observed, [
            ['Connection', 'close, X-Probe-Hop, Keep-Alive'],
            ...headers,
          ]),
          canaries,
        );
      }),
    },
    {
      id: 'override-headers',
      threats: ['E-21', 'A7-02', 'A9-02', 'E-17', 'F-25'],
      title:
        'routing, forwarding and request-id overrides (X-Original-URL, X-Forwarded-Host, Forwarded host=, X-Request-Id, ...)',
      route,
      expectation: 'none reaches the upstream',
      fix: fixScrub,
      run: needsRoute(async (context, observed) => {
        const { headers, canaries } = planted(context, [
          'X-Original-URL',
          'X-Rewrite-URL',
          'X-Original-Host',
          'X-Forwarded-Host',
          'X-Forwarded-Proto',
          'X-Forwarded-Port',
          'X-Real-IP',
          'True-Client-IP',
          'X-Client-IP',
          'X-Upstream',
          'X-Host',
          'X-Request-Id',
          'X-Envoy-Original-Path',
        ]);
        const forwardedHost = context.canary();
        const forwardedProto = context.canary();
        canaries['Forwarded host='] = forwardedHost;
        canaries['Forwarded proto='] = forwardedProto;
        headers.push(['Forwarded', `for=192.0.2.7;host=${forwardedHost};proto=${forwardedProto}`]);
        const verdict = canaryVerdict(await sendObserved(context, observed, headers), canaries);
        if (verdict.outcome !== 'held' || context.env.dryRun === null) return verdict;
        // Host too is the client's to write and never the upstream's (sent only where nothing in
        // front of the shield routes by it: the dry run's loopback listener).
        const host = `${context.canary()}.invalid`;
        const spoofed = canaryVerdict(await sendObserved(context, observed, [], '', host), { Host: host });
        return spoofed.outcome === 'held' ? verdict : spoofed;
      }),
    },
    {
      id: 'method-override',
      threats: ['E-28'],
      title: 'method-override headers, and `_method` in the query',
      route,
      expectation: 'headers removed; the query parameter refused (400)',
      fix: 'A method override reached the upstream: a backend that honours it runs another method than the one the shield checked. Remove the override support from the backend, or the proxy that adds it.',
      run: needsRoute(async (context, observed) => {
        const { headers, canaries } = planted(context, [
          'X-HTTP-Method-Override',
          'X-HTTP-Method',
          'X-Method-Override',
        ]);
        const verdict = canaryVerdict(await sendObserved(context, observed, headers), canaries);
        if (verdict.outcome !== 'held') return verdict;
        const query = await sendObserved(context, observed, [], '?_method=DELETE');
        if (!('responses' in query)) return query;
        const refused = mustBeRefused(query, ['bad_request']);
        return { ...refused, detail: `headers removed; _method=DELETE: ${refused.detail}` };
      }),
    },
    {
      id: 'upgrade-h2c',
      threats: ['E-33'],
      title: 'an h2c upgrade (Connection: Upgrade, Upgrade: h2c)',
      route,
      expectation: 'no 101, and no Upgrade or HTTP2-Settings at the upstream',
      fix: 'An upgrade reached the upstream or was answered 101: a tunnel past the shield’s checks. Make whatever sits in front of the shield refuse upgrades, or run a shield version that refuses them.',
      run: needsRoute(async (context, observed) => {
        const settings = context.canary();
        const exchange = await sendObserved(context, observed, [
          ['Connection', 'Upgrade, HTTP2-Settings'],
          ['Upgrade', 'h2c'],
          ['HTTP2-Settings', settings],
        ]);
        if (!('responses' in exchange)) return exchange;
        if (exchange.responses.some((response) => response.status === 101)) {
          return {
            outcome: 'got-through',
            status: 101,
            code: null,
            detail: 'answered 101 Switching Protocols',
          };
        }
        if (upstreamHeaderNames(exchange).includes('upgrade')) {
          return {
            outcome: 'got-through',
            status: exchange.status,
            code: exchange.code,
            detail: 'the upstream received an Upgrade header',
          };
        }
        return canaryVerdict(exchange, { 'HTTP2-Settings': settings }, true);
      }),
    },
  ];
}

/**
 * A route that injects a credential must not pass the user's own credentials to the provider, and
 * a client copy of an injected header is overwritten, never appended (E-31).
 */
export function credentialForwardingCase(route: RouteConfig, config: Config): ProbeCase | null {
  const values = sensitiveValues(route, config);
  if (route.forwardCredentials || values.length === 0) return null;
  const inline = values.every((value) => value.kind === 'inline');
  const injected = Object.keys(route.inject?.headers ?? {});
  return {
    id: 'credential-forwarding',
    threats: ['E-31'],
    title: 'the user’s Authorization and Cookie, and a client copy of each injected header',
    route,
    expectation: 'none reaches the provider',
    fix: `Route ${routeName(route)} passed the user’s credentials, or a client-written copy of an injected header, to the provider. Check that forwardCredentials is not set on it in the running shield.`,
    async run(context) {
      if (context.env.dryRun === null && context.env.echoRoute !== route) {
        return skipped(NEEDS_ECHO);
      }
      const { headers, canaries } = planted(
        context,
        injected.filter((name) => name !== 'authorization' && name !== 'cookie'),
      );
      const authorization = context.canary();
      const cookie = context.canary();
      canaries['Authorization'] = authorization;
      canaries['Cookie'] = cookie;
      const extra: [string, string][] = [...headers, ['Cookie', `session=${cookie}`]];
      const verdict = canaryVerdict(
        await sendObserved(context, route, extra, '', undefined, `Bearer ${authorization}`),
        canaries,
      );
      if (verdict.outcome === 'got-through' && inline) {
        return {
          ...verdict,
          fix: `Route ${routeName(route)} injects a credential written outside secrets: (inline or \${env:}), so the shield does not treat it as a provider route and passes the user’s Authorization and Cookie on. Declare the credential under secrets: and inject \${secret:NAME}.`,
        };
      }
      return verdict;
    },
  };
}
