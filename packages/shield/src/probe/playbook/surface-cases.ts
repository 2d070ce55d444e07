import type { RouteConfig } from '../../config/index.js';
import { mustBeRefused } from '../judge-exchange.js';
import type { ProbeExchange, ProbeVerdict } from '../probe-types.js';
import { concretePath, routeFor, routeMethod, routeName } from '../route-facts.js';
import { type ProbeCase, skipped } from './probe-case.js';

/** Paths scanners try first. */
const PROBED_PATHS = ['/admin', '/.env', '/actuator/env', '/debug/vars', '/v0/portcullis-probe', '/graphql'];
/** Methods tried on a route that does not list them. */
const OTHER_METHODS = ['DELETE', 'PUT', 'PATCH', 'POST', 'GET'];
/** Headers that tell an attacker what runs behind the shield. */
const REVEALING = ['server', 'x-powered-by', 'x-aspnet-version', 'via'];

function combine(verdicts: ProbeVerdict[], count: string): ProbeVerdict {
  const bad = verdicts.filter((v) => v.outcome === 'got-through' || v.outcome === 'inconclusive');
  const worst = bad.find((v) => v.outcome === 'got-through') ?? bad[0];
  if (worst !== undefined) return { ...worst, detail: bad.map((v) => v.detail).join('; ') };
  return { outcome: 'held', status: null, code: null, detail: `${count}, each refused` };
}

function labelled(label: string, verdict: ProbeVerdict): ProbeVerdict {
  return { ...verdict, detail: `${label}: ${verdict.detail}` };
}

/** What a refusal of the shield must not reveal: stacks, paths, versions, the software behind it. */
function revealing(exchange: ProbeExchange): string[] {
  const response = exchange.response;
  if (response === null || !exchange.shieldRefusal) return [];
  const found = response.headers
    .filter(([name]) => REVEALING.includes(name))
    .map(([name]) => `header ${name}`);
  const body = response.body.toString('utf8');
  if (/\n\s+at .+\(.*:\d+:\d+\)|node_modules|\/home\/|\/usr\/|[A-Z]:\\/.test(body))
    found.push('a stack or a file path in the body');
  return found;
}

/**
 * Cases about the listener as a whole: default deny for paths no route takes (A5-01, A9-01), a
 * CORS preflight (A8-03), what a refusal reveals (A8-02), and TRACE (E-29).
 */
export function listenerCases(config: { routes: readonly RouteConfig[] }): ProbeCase[] {
  const first = config.routes[0];
  return [
    {
      id: 'unrouted-paths',
      threats: ['A5-01', 'A9-01'],
      title: 'paths scanners try (/admin, /.env, /actuator/env, an old API version)',
      route: null,
      expectation: 'each refused (route_not_found)',
      fix: 'A path no route names reached an upstream: something in front of the shield, or a catch-all route, sends it there. Route only the paths your app calls.',
      async run(context) {
        const verdicts: ProbeVerdict[] = [];
        for (const path of PROBED_PATHS) {
          if (routeFor(context.env.config, 'GET', path) !== undefined) continue;
          verdicts.push(
            labelled(`GET ${path}`, mustBeRefused(await context.send({ method: 'GET', target: path }))),
          );
        }
        return combine(verdicts, `${verdicts.length} paths`);
      },
    },
    {
      id: 'trace-method',
      threats: ['E-29'],
      title: 'TRACE, and a lower-case method',
      route: first ?? null,
      expectation: 'refused (405 or 400)',
      fix: 'TRACE or a lower-case method reached an upstream: something in front of the shield accepts them. Refuse them there.',
      async run(context) {
        if (first === undefined) return skipped('the config has no route');
        const path = concretePath(first);
        return combine(
          [
            labelled('TRACE', mustBeRefused(await context.send({ method: 'TRACE', target: path }))),
            labelled(
              'lower-case',
              mustBeRefused(await context.send({ method: routeMethod(first).toLowerCase(), target: path })),
            ),
          ],
          'two requests',
        );
      },
    },
    {
      id: 'error-reveals-nothing',
      threats: ['A8-02', 'A8-03'],
      title: 'refusals and a CORS preflight: no stack, no software names, no CORS grant',
      route: first ?? null,
      expectation: 'bare problem+json; no Access-Control-Allow-* header',
      fix: 'A refusal told more than its code, or the listener granted CORS: remove Server/X-Powered-By/Via headers and CORS grants added by whatever sits in front of the shield.',
      async run(context) {
        const path = first === undefined ? '/portcullis-probe' : concretePath(first);
        const refused = await context.send({ method: 'GET', target: '/portcullis-probe/%' });
        const preflight = await context.send({
          method: 'OPTIONS',
          target: path,
          headers: [
            ['Origin', 'https://probe.invalid'],
            ['Access-Control-Request-Method', first === undefined ? 'POST' : routeMethod(first)],
            ['Access-Control-Request-Headers', 'portcullis-token'],
          ],
        });
        const problems = [...revealing(refused), ...revealing(preflight)];
        const grants = [refused, preflight].flatMap(
          (exchange) =>
            exchange.response?.headers.filter(([name]) => name.startsWith('access-control-allow-')) ?? [],
        );
        if (grants.length > 0)
          problems.push(`CORS grant (${grants.map(([name, value]) => `${name}: ${value}`).join(', ')})`);
        if (problems.length > 0) {
          return {
            outcome: 'got-through',
            status: preflight.status,
            code: preflight.code,
            detail: problems.join('; '),
          };
        }
        return {
          outcome: 'held',
          status: preflight.status,
          code: preflight.code,
          detail: 'nothing revealed, no CORS grant',
        };
      },
    },
  ];
}

/** A route's methods: one it does not list must be 405, and HEAD/OPTIONS do not sneak through (A5-02, A5-03). */
export function methodCase(route: RouteConfig): ProbeCase {
  const id = routeName(route);
  return {
    id: 'method-not-listed',
    threats: ['A5-02', 'A5-03'],
    title: 'a method the route does not list, HEAD and OPTIONS',
    route,
    expectation: 'each refused (method_not_allowed)',
    fix: `A method route ${id} does not list reached an upstream: check for a catch-all route or a proxy in front of the shield that forwards it.`,
    async run(context) {
      const path = concretePath(route);
      const methods = [
        OTHER_METHODS.find((method) => !route.match.methods.includes(method)),
        ...['HEAD', 'OPTIONS'].filter((method) => !route.match.methods.includes(method)),
      ].filter((method): method is string => method !== undefined);
      const verdicts: ProbeVerdict[] = [];
      for (const method of methods) {
        verdicts.push(labelled(method, mustBeRefused(await context.send({ method, target: path }))));
      }
      return combine(verdicts, `${verdicts.length} methods`);
    },
  };
}
