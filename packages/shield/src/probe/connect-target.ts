import type { Config, RouteConfig } from '../config/index.js';
import { PROBE_USER_AGENT } from './create-probe-context.js';
import { sendRaw } from './http/send-raw.js';
import { serializeRequest } from './http/serialize-request.js';
import type { ProbeEnvironment } from './probe-types.js';

export interface TargetOptions {
  /** The route the owner marked as echoing what it receives. */
  echoRoute?: RouteConfig;
  /** A debug credential of the config (never printed), to obtain tokens like a CI build would. */
  debugCredential?: string;
  /** The app the credential belongs to; default: every app with debug tokens is tried. */
  debugApp?: string;
  timeoutMs?: number;
}

/** POSTs JSON to the shield's own endpoint and returns the parsed answer, or null. */
async function postJson(
  url: URL,
  path: string,
  body: unknown,
  timeoutMs: number,
): Promise<Record<string, unknown> | null> {
  const bytes = Buffer.from(JSON.stringify(body));
  const request = serializeRequest({
    method: 'POST',
    target: path,
    headers: [
      ['Host', url.host],
      ['User-Agent', PROBE_USER_AGENT],
      ['Content-Type', 'application/json'],
      ['Content-Length', String(bytes.length)],
      ['Connection', 'close'],
    ],
    body: bytes,
  });
  const result = await sendRaw(url, request, { timeoutMs });
  const response = result.responses[0];
  if (response === undefined || response.status !== 200) return null;
  try {
    const parsed = JSON.parse(response.body.toString('utf8')) as unknown;
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * A running shield at `url`, described by `config`. The probe has only what a client has: the
 * public endpoints, the JWKS, and (when the owner gives one) a debug credential, exchanged for a
 * debug-level token through /v1/challenge and /v1/attest as the SDK does.
 */
export function connectTarget(config: Config, url: URL, options: TargetOptions = {}): ProbeEnvironment {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const tokens = new Map<string, Promise<string | null>>();
  return {
    mode: 'target',
    url,
    config,
    dryRun: null,
    echoRoute: options.echoRoute ?? null,
    debugToken(app, spend) {
      const credential = options.debugCredential;
      if (credential === undefined || config.apps[app] === undefined) return Promise.resolve(null);
      if (options.debugApp !== undefined && options.debugApp !== app) return Promise.resolve(null);
      if ((config.apps[app]?.debugTokens.length ?? 0) === 0) return Promise.resolve(null);
      let pending = tokens.get(app);
      if (pending === undefined) {
        pending = (async () => {
          await spend(2);
          const challenge = await postJson(url, '/v1/challenge', { appId: app }, timeoutMs);
          if (typeof challenge?.['challenge'] !== 'string') return null;
          const attested = await postJson(
            url,
            '/v1/attest',
            {
              appId: app,
              challenge: challenge['challenge'],
              evidence: [{ type: 'debug', token: credential }],
            },
            timeoutMs,
          );
          return typeof attested?.['token'] === 'string' ? attested['token'] : null;
        })();
        tokens.set(app, pending);
      }
      return pending;
    },
    async close() {},
  };
}
