import { formatProofHeader, meetsLevel, proofMessage } from '@portcullis/protocol';
import type { RouteConfig } from '../../config/index.js';
import { sha256 } from '../../encoding.js';
import type { ProbeContext } from '../create-probe-context.js';
import type { ProbeDevice } from '../probe-types.js';
import { routeApps } from '../route-facts.js';

/** The Authorization value of the probe's user, for routes that bind tokens to it. */
export const PROBE_AUTHORIZATION = 'Bearer portcullis-probe-user';

/** The credentials of a request the route must let through, or why the probe has none. */
export type Credentials =
  | {
      ok: true;
      headers: [string, string][];
      token: string | null;
      device: ProbeDevice | null;
      app: string | null;
    }
  | { ok: false; reason: string };

/** What the credentials are for: proofs sign the method, target and body. */
export interface RequestShape {
  method: string;
  target: string;
  body?: string;
  /** An Authorization header the request carries (covered by the proof and the binding). */
  authorization?: string;
}

/** A proof header by `device` over the request, timed `timestampMs` (default now). */
export function proofHeader(
  device: ProbeDevice,
  request: RequestShape,
  token: string,
  authorization: string | undefined,
  timestampMs = Date.now(),
): string {
  const message = proofMessage(
    {
      method: request.method,
      target: request.target,
      body: Buffer.from(request.body ?? ''),
      timestampMs,
      token,
      authorization,
    },
    sha256,
  );
  return formatProofHeader(timestampMs, device.sign(message));
}

/**
 * The headers that make `request` acceptable to `route`: nothing on a public route; in a dry run a
 * hardware-level token of an admitted app bound to a fresh registered device, with a proof and
 * the bound Authorization when the route asks for them; against a target, the debug token (which
 * can carry neither a proof nor a binding, nor meet a level above debug).
 */
export async function validCredentials(
  context: ProbeContext,
  route: RouteConfig,
  request: RequestShape,
): Promise<Credentials> {
  if (route.public) {
    const headers: [string, string][] =
      request.authorization === undefined ? [] : [['Authorization', request.authorization]];
    return { ok: true, headers, token: null, device: null, app: null };
  }
  const app = routeApps(route, context.env.config)[0];
  if (app === undefined) return { ok: false, reason: 'no configured app can have a token for this route' };
  const require = route.require;
  const authorization =
    request.authorization ?? (require?.binding === true ? PROBE_AUTHORIZATION : undefined);
  const dryRun = context.env.dryRun;
  if (dryRun === null) {
    if (require?.proof === true || require?.binding === true) {
      return { ok: false, reason: 'needs a device key (proof or binding): run as a dry run' };
    }
    if (require?.level !== undefined && !meetsLevel('debug', require.level)) {
      return { ok: false, reason: `needs a ${require.level}-level token: run as a dry run` };
    }
    const token = await context.env.debugToken(app, context.spend);
    if (token === null) {
      return { ok: false, reason: 'needs a token: set PORTCULLIS_PROBE_DEBUG_TOKEN to a debug credential' };
    }
    const headers: [string, string][] = [['Portcullis-Token', token]];
    if (authorization !== undefined) headers.push(['Authorization', authorization]);
    return { ok: true, headers, token, device: null, app };
  }
  const device = await dryRun.device(app);
  const token = await dryRun.mint({
    app,
    level: 'hardware',
    platform: 'android',
    device,
    ...(authorization !== undefined ? { authorization } : {}),
  });
  const headers: [string, string][] = [['Portcullis-Token', token]];
  if (authorization !== undefined) headers.push(['Authorization', authorization]);
  if (require?.proof === true)
    headers.push(['Portcullis-Proof', proofHeader(device, request, token, authorization)]);
  return { ok: true, headers, token, device, app };
}
