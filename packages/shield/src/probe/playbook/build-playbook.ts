import type { RouteConfig } from '../../config/index.js';
import { describeAnswer, passage } from '../judge-exchange.js';
import type { ProbeEnvironment } from '../probe-types.js';
import { concretePath, routeMethod, routeName, sampleBody } from '../route-facts.js';
import { secretEchoCase } from './echo-cases.js';
import { bodyLimitCases, framingCases, headLimitCases } from './framing-cases.js';
import { credentialForwardingCase, headerCases, observedRoute } from './header-cases.js';
import { pathCase } from './path-cases.js';
import { type ProbeCase, skipped } from './probe-case.js';
import { proofCases } from './proof-cases.js';
import { listenerCases, methodCase } from './surface-cases.js';
import { routeTokenCases, verifierCases } from './token-cases.js';
import { validCredentials } from './valid-request.js';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

/** A genuine request through the route: if it is refused, the route's other cases prove less. */
function controlCase(route: RouteConfig): ProbeCase {
  return {
    id: 'route-control',
    threats: [],
    title: 'a genuine request (control)',
    route,
    expectation: 'let through',
    fix: `The probe’s genuine request to ${routeName(route)} was refused, so the refusals of this route’s cases may come from that and not from the checks they aim at. See the detail; a limit, an app or audience restriction, or a backend that is down are the usual reasons.`,
    async run(context) {
      const body = sampleBody(route);
      const shape = {
        method: routeMethod(route),
        target: concretePath(route),
        ...(body !== undefined ? { body } : {}),
      };
      const credentials = await validCredentials(context, route, shape);
      if (!credentials.ok) return skipped(credentials.reason);
      const exchange = await context.send({ ...shape, headers: credentials.headers });
      const where = passage(exchange);
      if (where === 'forwarded') {
        return {
          outcome: 'held',
          status: exchange.status,
          code: exchange.code,
          detail: `let through (${describeAnswer(exchange)})`,
        };
      }
      return {
        outcome: 'inconclusive',
        status: exchange.status,
        code: exchange.code,
        detail: `the genuine request was ${where === 'refused' ? 'refused' : 'answered'}: ${describeAnswer(exchange)}`,
      };
    },
  };
}

/**
 * The attacker's playbook for the shield `env` describes, in the order it is played: the listener
 * as a whole (scanners, oversized heads, smuggling), then each route (a control request, token
 * attacks, proofs, path spellings, methods), then header spoofing and echoes through a route whose
 * upstream the probe can watch, then bodies.
 */
export function buildPlaybook(env: ProbeEnvironment): ProbeCase[] {
  const { config } = env;
  const dryRun = env.dryRun !== null;
  const tokenRoutes = config.routes.filter((route) => !route.public);
  const observed = observedRoute(config, env.echoRoute, dryRun);
  const bodyRoutes = config.routes.filter((route) => route.match.methods.some((m) => BODY_METHODS.has(m)));
  const bodyRoute =
    (observed !== null && bodyRoutes.includes(observed) ? observed : undefined) ??
    bodyRoutes.find((route) => route.public) ??
    (dryRun ? bodyRoutes[0] : undefined);
  const framed = bodyRoute ?? observed ?? config.routes[0];
  const framedPath = framed === undefined ? '/' : concretePath(framed);
  const framedMethod = framed?.match.methods.find((m) => BODY_METHODS.has(m)) ?? 'POST';
  const cases: ProbeCase[] = [
    ...listenerCases(config),
    ...headLimitCases(config, framedPath),
    ...framingCases(framedPath, framedMethod),
  ];
  for (const route of config.routes) {
    if (dryRun || route === env.echoRoute) cases.push(controlCase(route));
  }
  const reference = tokenRoutes[0];
  if (reference !== undefined) cases.push(...verifierCases(reference));
  for (const route of tokenRoutes) {
    cases.push(...routeTokenCases(route));
    if (route.require?.proof === true) cases.push(...proofCases(route));
    cases.push(pathCase(route));
  }
  for (const route of config.routes) cases.push(methodCase(route));
  cases.push(...headerCases(observed));
  for (const route of config.routes) {
    const forwarding = credentialForwardingCase(route, config);
    if (forwarding !== null) cases.push(forwarding);
    const echo = secretEchoCase(route, config);
    if (echo !== null) cases.push(echo);
  }
  if (bodyRoute !== undefined) cases.push(...bodyLimitCases(bodyRoute, config));
  return cases;
}
