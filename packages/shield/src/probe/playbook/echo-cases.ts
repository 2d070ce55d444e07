import type { Config, RouteConfig } from '../../config/index.js';
import { findLeakedValues } from '../find-leaked-values.js';
import { describeAnswer } from '../judge-exchange.js';
import { concretePath, routeMethod, routeName, sampleBody, sensitiveValues } from '../route-facts.js';
import { type ProbeCase, skipped } from './probe-case.js';
import { validCredentials } from './valid-request.js';

/**
 * An upstream that echoes what it receives (A10-04, E-30): a genuine request through a route
 * that injects a credential, and the answer searched for that credential in every common spelling,
 * in its headers and its body. In a dry run every upstream echoes; against a target only the route
 * the owner marked does.
 */
export function secretEchoCase(route: RouteConfig, config: Config): ProbeCase | null {
  const values = sensitiveValues(route, config);
  if (values.length === 0) return null;
  const id = routeName(route);
  return {
    id: 'secret-echo',
    threats: ['A10-04', 'E-30'],
    title: 'an upstream that echoes the request, with the injected credential, back to the client',
    route,
    expectation: 'the credential never reaches the client',
    fix: `Route ${id}: see the detail for where the credential came back.`,
    async run(context) {
      if (context.env.dryRun === null && context.env.echoRoute !== route) {
        return skipped('this route is not the echoing route (--echo-route)');
      }
      const body = sampleBody(route);
      const shape = {
        method: routeMethod(route),
        target: concretePath(route),
        ...(body !== undefined ? { body } : {}),
      };
      const credentials = await validCredentials(context, route, shape);
      if (!credentials.ok) return skipped(credentials.reason);
      const exchange = await context.send({ ...shape, headers: credentials.headers });
      const leaks = exchange.responses.flatMap((response) => findLeakedValues(values, response));
      const base = { status: exchange.status, code: exchange.code };
      if (leaks.length === 0) {
        return {
          ...base,
          outcome: 'held',
          detail: `answered ${describeAnswer(exchange)}; no injected credential in it`,
        };
      }
      const inline = leaks.filter((leak) => leak.kind === 'inline');
      const inBody = leaks.filter((leak) => leak.kind === 'secret' && leak.place === 'body');
      const inHeaders = leaks.filter((leak) => leak.kind === 'secret' && leak.place !== 'body');
      const fixes: string[] = [];
      if (inline.length > 0) {
        fixes.push(
          `${[...new Set(inline.map((leak) => leak.label))].join(', ')} ${inline.length === 1 ? 'is' : 'are'} written into the header value (or an \${env:} reference) instead of secrets:, so the shield does not know to keep it from the client: declare it under secrets: and inject \${secret:NAME}.`,
        );
      }
      if (inBody.length > 0) {
        fixes.push(
          'The shield relayed a response body holding the secret: this shield version does not scan response bodies. Make the upstream stop echoing request headers (error and debug pages) until it does.',
        );
      }
      if (inHeaders.length > 0) {
        fixes.push(
          'A response header carried the secret past the shield: the running version does not drop them; upgrade it.',
        );
      }
      return {
        ...base,
        outcome: 'got-through',
        detail: `the client received ${leaks.map((leak) => `${leak.label} in the ${leak.place}`).join(', ')}`,
        fix: fixes.join(' '),
      };
    },
  };
}
