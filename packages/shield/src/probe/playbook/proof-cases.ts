import type { RouteConfig } from '../../config/index.js';
import type { ProbeContext, SendInit } from '../create-probe-context.js';
import { describeAnswer, mustBeRefused, passage } from '../judge-exchange.js';
import type { ProbeVerdict } from '../probe-types.js';
import { concretePath, routeApps, routeMethod, routeName, sampleBody } from '../route-facts.js';
import { NEEDS_DRY_RUN, type ProbeCase, skipped } from './probe-case.js';
import { PROBE_AUTHORIZATION, proofHeader, type RequestShape, validCredentials } from './valid-request.js';

function shapeOf(route: RouteConfig, query = ''): RequestShape {
  const body = sampleBody(route);
  return {
    method: routeMethod(route),
    target: `${concretePath(route)}${query}`,
    ...(body !== undefined ? { body } : {}),
  };
}

function init(shape: RequestShape, headers: [string, string][]): SendInit {
  return { ...shape, headers };
}

/**
 * A genuine token of a fresh registered device, and the request headers without a proof: what an
 * attacker holds after copying a token off a device or out of a proxy log.
 */
async function copiedToken(context: ProbeContext, route: RouteConfig) {
  const dryRun = context.env.dryRun!;
  const app = routeApps(route, context.env.config)[0];
  if (app === undefined) return null;
  const device = await dryRun.device(app);
  const authorization = route.require?.binding === true ? PROBE_AUTHORIZATION : undefined;
  const token = await dryRun.mint({
    app,
    level: 'hardware',
    platform: 'android',
    device,
    ...(authorization !== undefined ? { authorization } : {}),
  });
  const headers: [string, string][] = [['Portcullis-Token', token]];
  if (authorization !== undefined) headers.push(['Authorization', authorization]);
  return { app, device, token, authorization, headers };
}

const PROOF_FIX = (id: string) =>
  `Route ${id} let a request through without a valid, fresh, single-use proof. Make sure the running shield has require.proof: true on it and that its replay store is shared by every instance (redis+postgres); proofs.onStoreOutage: allow-signature-only skips the replay check while the store is down.`;

/**
 * Proof cases of a route that requires one (A6-02 to A6-04, B-02, C-22, C-23, D-10, D-33): a
 * copied token without a proof, a captured request replayed, a proof moved to another target, a
 * stale proof, and a proof signed by another device's key. All but the first need a device key
 * the shield knows, so they run in a dry run only.
 */
export function proofCases(route: RouteConfig): ProbeCase[] {
  const id = routeName(route);
  const dryRunCase = (
    caseId: string,
    threats: string[],
    title: string,
    codes: string[],
    run: (
      context: ProbeContext,
      copied: NonNullable<Awaited<ReturnType<typeof copiedToken>>>,
    ) => Promise<ProbeVerdict>,
  ): ProbeCase => ({
    id: caseId,
    threats,
    title,
    route,
    expectation: `refused (${codes.join(' or ')})`,
    fix: PROOF_FIX(id),
    async run(context) {
      if (context.env.dryRun === null) return skipped(NEEDS_DRY_RUN);
      const copied = await copiedToken(context, route);
      if (copied === null) return skipped('no configured app can have a token for this route');
      return run(context, copied);
    },
  });

  return [
    {
      id: 'proof-missing',
      threats: ['A6-02'],
      title: 'a token copied off a device, without a proof',
      route,
      expectation: 'refused (proof_missing)',
      fix: PROOF_FIX(id),
      async run(context) {
        const shape = shapeOf(route);
        if (context.env.dryRun === null) {
          const app = routeApps(route, context.env.config)[0];
          const token = app === undefined ? null : await context.env.debugToken(app, context.spend);
          if (token === null)
            return skipped('needs a token: set PORTCULLIS_PROBE_DEBUG_TOKEN, or run as a dry run');
          return mustBeRefused(await context.send(init(shape, [['Portcullis-Token', token]])));
        }
        const copied = await copiedToken(context, route);
        if (copied === null) return skipped('no configured app can have a token for this route');
        return mustBeRefused(await context.send(init(shape, copied.headers)), ['proof_missing']);
      },
    },
    dryRunCase(
      'proof-replayed',
      ['A6-03', 'C-23'],
      'a captured request and its proof, sent again',
      ['proof_replayed'],
      async (context) => {
        const shape = shapeOf(route);
        const credentials = await validCredentials(context, route, shape);
        if (!credentials.ok) return skipped(credentials.reason);
        const first = await context.send(init(shape, credentials.headers));
        if (passage(first) !== 'forwarded') {
          return {
            outcome: 'inconclusive',
            status: first.status,
            code: first.code,
            detail: `the genuine request was refused (${describeAnswer(first)}), so its replay shows nothing`,
          };
        }
        return mustBeRefused(await context.send(init(shape, credentials.headers)), ['proof_replayed']);
      },
    ),
    dryRunCase(
      'proof-moved',
      ['A6-04', 'D-10'],
      'a proof made for this request, sent with another query',
      ['proof_invalid'],
      async (context, copied) => {
        const shape = shapeOf(route);
        const proof = proofHeader(copied.device, shape, copied.token, copied.authorization);
        const moved = shapeOf(route, '?portcullis-probe=moved');
        return mustBeRefused(
          await context.send(init(moved, [...copied.headers, ['Portcullis-Proof', proof]])),
          ['proof_invalid'],
        );
      },
    ),
    dryRunCase(
      'proof-stale',
      ['B-02', 'C-23'],
      'a proof timed ten minutes ago',
      ['proof_stale'],
      async (context, copied) => {
        const shape = shapeOf(route);
        const proof = proofHeader(
          copied.device,
          shape,
          copied.token,
          copied.authorization,
          Date.now() - 600_000,
        );
        return mustBeRefused(
          await context.send(init(shape, [...copied.headers, ['Portcullis-Proof', proof]])),
          ['proof_stale'],
        );
      },
    ),
    dryRunCase(
      'proof-other-key',
      ['C-22', 'D-33'],
      'a proof signed by another device’s key',
      ['proof_invalid'],
      async (context, copied) => {
        const shape = shapeOf(route);
        const other = await context.env.dryRun!.device(copied.app);
        const proof = proofHeader(other, shape, copied.token, copied.authorization);
        return mustBeRefused(
          await context.send(init(shape, [...copied.headers, ['Portcullis-Proof', proof]])),
          ['proof_invalid'],
        );
      },
    ),
  ];
}
