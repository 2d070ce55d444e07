import { randomBytes } from 'node:crypto';
import { isErrorCode, problemType } from '@portcullis/protocol';
import type { RequestBudget } from './create-request-budget.js';
import type { HttpResponse } from './http/read-http-responses.js';
import { sendRaw } from './http/send-raw.js';
import { serializeRequest } from './http/serialize-request.js';
import type { ProbeEnvironment, ProbeExchange } from './probe-types.js';

/** A request a case sends; the context adds Host, User-Agent, Connection and the body's framing. */
export interface SendInit {
  method: string;
  target: string;
  headers?: readonly (readonly [string, string])[];
  body?: string | Buffer;
  /** Send exactly `headers`: nothing is added (framing tricks). */
  bare?: boolean;
  /** The Host header's value (default: the shield's host). */
  host?: string;
}

/** What a case works with: the environment, and sending within the budget. */
export interface ProbeContext {
  readonly env: ProbeEnvironment;
  send(init: SendInit): Promise<ProbeExchange>;
  /** Writes raw bytes holding `requests` requests on one connection (smuggling shapes). */
  sendBytes(bytes: Buffer, options: { requests: number; methods?: string[] }): Promise<ProbeExchange>;
  /** Reserves requests sent some other way (the debug token's challenge and attest). */
  spend(count: number): Promise<void>;
  /** A fresh random marker, to see whether a value reached the upstream. */
  canary(): string;
  /** The Host header value of the shield. */
  readonly host: string;
}

function isProblem(response: HttpResponse): boolean {
  const type = response.headers.find(([name]) => name === 'content-type')?.[1] ?? '';
  return type.toLowerCase().startsWith('application/problem+json');
}

/** The problem code of a response written by a Portcullis shield, or null for any other answer. */
export function shieldProblemCode(response: HttpResponse | null): string | null {
  if (response === null || !isProblem(response)) return null;
  try {
    const body = JSON.parse(response.body.toString('utf8')) as { code?: unknown; type?: unknown };
    if (typeof body.code !== 'string' || !isErrorCode(body.code)) return null;
    return body.type === problemType(body.code) ? body.code : null;
  } catch {
    return null;
  }
}

/** The probe's User-Agent, so an owner can find its requests in the logs. */
export const PROBE_USER_AGENT = 'portcullis-probe/0.1';

/** Builds the context cases run in; every request goes through `budget`. */
export function createProbeContext(
  env: ProbeEnvironment,
  budget: RequestBudget,
  options: { timeoutMs?: number } = {},
): ProbeContext {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const host = env.url.host;

  async function exchange(bytes: Buffer, requests: number, methods: string[]): Promise<ProbeExchange> {
    await budget.take(requests);
    const seen = env.dryRun?.upstream.length ?? 0;
    const result = await sendRaw(env.url, bytes, { expect: 1, methods, timeoutMs });
    const response = result.responses[0] ?? null;
    const code = shieldProblemCode(response);
    // An answer to HEAD has no body to read the code from: its problem+json type must do.
    const bodiless =
      methods[0] === 'HEAD' && response !== null && response.status >= 400 && isProblem(response);
    return {
      response,
      responses: result.responses,
      status: response?.status ?? null,
      code,
      shieldRefusal: code !== null || bodiless,
      closed: result.closed,
      error: result.error,
      upstream: env.dryRun === null ? null : env.dryRun.upstream.slice(seen),
    };
  }

  return {
    env,
    host,
    send(init) {
      const body = init.body === undefined ? undefined : Buffer.from(init.body);
      const given = init.headers ?? [];
      const has = (name: string) => given.some(([n]) => n.toLowerCase() === name);
      const headers: [string, string][] = init.bare
        ? given.map(([n, v]) => [n, v])
        : [
            ['Host', init.host ?? host],
            ['User-Agent', PROBE_USER_AGENT],
            ['Accept', '*/*'],
            ...given.map(([n, v]): [string, string] => [n, v]),
            ...(has('connection') ? [] : [['Connection', 'close'] as [string, string]]),
            ...(body !== undefined && !has('content-type')
              ? [['Content-Type', 'application/json'] as [string, string]]
              : []),
            ...(body !== undefined && !has('content-length') && !has('transfer-encoding')
              ? [['Content-Length', String(body.length)] as [string, string]]
              : []),
          ];
      return exchange(
        serializeRequest({ method: init.method, target: init.target, headers, ...(body ? { body } : {}) }),
        1,
        [init.method],
      );
    },
    sendBytes(bytes, { requests, methods }) {
      return exchange(bytes, requests, methods ?? []);
    },
    spend: (count) => budget.take(count),
    canary: () => `pc${randomBytes(9).toString('hex')}`,
  };
}
