import type { Config, RouteConfig } from '../../config/index.js';
import type { ProbeContext } from '../create-probe-context.js';
import { PROBE_USER_AGENT, shieldProblemCode } from '../create-probe-context.js';
import { mustBeRefused } from '../judge-exchange.js';
import type { ProbeExchange, ProbeVerdict } from '../probe-types.js';
import { concretePath, routeName, sampleBody } from '../route-facts.js';
import { type ProbeCase, skipped } from './probe-case.js';
import { validCredentials } from './valid-request.js';

const SMUGGLED = '/portcullis-probe-smuggled';

/**
 * The verdict of an ambiguous request: it must be refused (4xx, or the connection closed), nothing
 * may reach the upstream, and no second request may be read out of its body.
 */
function framingVerdict(label: string, exchange: ProbeExchange): ProbeVerdict {
  const status = exchange.status;
  const base = { status, code: exchange.code };
  if (exchange.upstream !== null && exchange.upstream.length > 0) {
    return {
      ...base,
      outcome: 'got-through',
      detail: `${label}: the upstream received ${exchange.upstream.map((r) => `${r.method} ${r.target}`).join(', ')}`,
    };
  }
  if (status !== null && status < 400) {
    return { ...base, outcome: 'got-through', detail: `${label}: accepted (${status})` };
  }
  // A refusal before the body was read may be followed by a second refusal of the same bytes; only
  // an answer to the hidden request (its unrouted path) shows that it was read as a request.
  const hidden = exchange.responses
    .slice(1)
    .find((response) => response.status < 400 || shieldProblemCode(response) === 'route_not_found');
  if (hidden !== undefined) {
    return {
      ...base,
      outcome: 'got-through',
      detail: `${label}: the request hidden in the body was read and answered (${hidden.status})`,
    };
  }
  return {
    ...base,
    outcome: 'held',
    detail: `${label}: ${status === null ? 'connection closed' : `refused (${status}${exchange.code ? ` ${exchange.code}` : ''})`}`,
  };
}

function combine(verdicts: ProbeVerdict[]): ProbeVerdict {
  const bad = verdicts.filter((v) => v.outcome !== 'held');
  const worst = bad.find((v) => v.outcome === 'got-through') ?? bad[0];
  if (worst !== undefined) return { ...worst, detail: bad.map((v) => v.detail).join('; ') };
  return {
    outcome: 'held',
    status: verdicts.at(-1)?.status ?? null,
    code: verdicts.at(-1)?.code ?? null,
    detail: verdicts.map((v) => v.detail).join('; '),
  };
}

/** A request head with the probe's Host and User-Agent, kept alive so a smuggled request could follow. */
function head(context: ProbeContext, requestLine: string, lines: string[], separator = '\r\n'): string {
  return (
    [requestLine, `Host: ${context.host}`, `User-Agent: ${PROBE_USER_AGENT}`, ...lines].join(separator) +
    separator +
    separator
  );
}

const smuggledRequest = (context: ProbeContext) =>
  `GET ${SMUGGLED} HTTP/1.1\r\nHost: ${context.host}\r\n\r\n`;

interface Shape {
  label: string;
  bytes: (context: ProbeContext) => string;
}

function framingCase(
  method: string,
  id: string,
  threats: string[],
  title: string,
  shapes: Shape[],
): ProbeCase {
  return {
    id,
    threats,
    title,
    route: null,
    expectation: 'refused (400) and closed; nothing forwarded, no second request',
    fix: 'An ambiguous request was accepted or split into two: something in front of the shield reads HTTP more leniently than the shield (request smuggling). Make it refuse such requests, or put the shield first.',
    async run(context) {
      const verdicts: ProbeVerdict[] = [];
      for (const shape of shapes) {
        const exchange = await context.sendBytes(Buffer.from(shape.bytes(context), 'latin1'), {
          requests: 2,
          methods: [method, 'GET'],
        });
        verdicts.push(framingVerdict(shape.label, exchange));
      }
      return combine(verdicts);
    },
  };
}

/** Request smuggling shapes (E-01 to E-06), each hiding a second request in the body. */
export function framingCases(path: string, method = 'POST'): ProbeCase[] {
  const line = `${method} ${path} HTTP/1.1`;
  const withBody = (context: ProbeContext, lines: string[], body: string) =>
    head(context, line, lines) + body;
  return [
    framingCase(
      method,
      'smuggling-cl-te',
      ['E-01'],
      'Content-Length and Transfer-Encoding: chunked together',
      [
        {
          label: 'CL.TE',
          bytes: (c) => {
            const body = `0\r\n\r\n${smuggledRequest(c)}`;
            return withBody(c, [`Content-Length: ${body.length}`, 'Transfer-Encoding: chunked'], body);
          },
        },
        {
          label: 'TE.CL',
          bytes: (c) => {
            const hidden = smuggledRequest(c);
            return withBody(
              c,
              ['Content-Length: 4', 'Transfer-Encoding: chunked'],
              `${hidden.length.toString(16)}\r\n${hidden}\r\n0\r\n\r\n`,
            );
          },
        },
      ],
    ),
    framingCase(method, 'smuggling-te-obfuscated', ['E-02', 'E-03'], 'obfuscated Transfer-Encoding', [
      {
        label: 'xchunked',
        bytes: (c) => withBody(c, ['Transfer-Encoding: xchunked', 'Content-Length: 5'], `0\r\n\r\n`),
      },
      {
        label: 'space before colon',
        bytes: (c) => withBody(c, ['Transfer-Encoding : chunked', 'Content-Length: 5'], `0\r\n\r\n`),
      },
      {
        label: 'chunked, identity',
        bytes: (c) => withBody(c, ['Transfer-Encoding: chunked, identity'], `0\r\n\r\n${smuggledRequest(c)}`),
      },
      {
        label: 'two TE headers',
        bytes: (c) =>
          withBody(
            c,
            ['Transfer-Encoding: chunked', 'Transfer-Encoding: identity'],
            `0\r\n\r\n${smuggledRequest(c)}`,
          ),
      },
    ]),
    framingCase(
      method,
      'smuggling-content-length',
      ['E-04'],
      'Content-Length abuse (two values, sign, hex)',
      [
        {
          label: 'two values',
          bytes: (c) => withBody(c, ['Content-Length: 0', 'Content-Length: 40'], smuggledRequest(c)),
        },
        { label: 'sign', bytes: (c) => withBody(c, ['Content-Length: +0'], smuggledRequest(c)) },
        { label: 'hex', bytes: (c) => withBody(c, ['Content-Length: 0x0'], smuggledRequest(c)) },
      ],
    ),
    framingCase(method, 'bare-lf-and-control-bytes', ['E-05'], 'bare LF line ends, CR and NUL in the head', [
      { label: 'bare LF', bytes: (c) => head(c, line, ['Content-Length: 0'], '\n') },
      { label: 'NUL in a value', bytes: (c) => head(c, line, ['X-Probe: a\u0000b', 'Content-Length: 0']) },
      { label: 'bare CR in a value', bytes: (c) => head(c, line, ['X-Probe: a\rb', 'Content-Length: 0']) },
    ]),
    framingCase(method, 'chunk-size-tricks', ['E-06'], 'chunk-size overflow, bad extensions, missing CRLF', [
      {
        label: 'size overflow',
        bytes: (c) => withBody(c, ['Transfer-Encoding: chunked'], `fffffffffffffffff1\r\nx\r\n0\r\n\r\n`),
      },
      {
        label: 'extension with a bare LF',
        bytes: (c) => withBody(c, ['Transfer-Encoding: chunked'], `1;a=\nb\r\nx\r\n0\r\n\r\n`),
      },
      {
        label: 'no CRLF after the data',
        bytes: (c) => withBody(c, ['Transfer-Encoding: chunked'], `1\r\nxx0\r\n\r\n${smuggledRequest(c)}`),
      },
    ]),
  ];
}

/** Oversized heads and targets (E-23), answered before any route is looked at. */
export function headLimitCases(config: Config, path: string): ProbeCase[] {
  const maxUrl = config.http.maxUrlBytes;
  const maxHeaders = config.http.maxHeaders;
  const fix =
    'An oversized request was accepted: something in front of the shield buffers or rewrites it. Give it limits no larger than the shield’s (http.maxUrlBytes, http.maxHeaders, 16 KiB of head).';
  return [
    {
      id: 'oversized-head',
      threats: ['E-23'],
      title: `a target over http.maxUrlBytes (${maxUrl}), ${maxHeaders + 1} headers, a 20 KiB header`,
      route: null,
      expectation: 'refused (414, 431, 431)',
      fix,
      async run(context) {
        const long = `${path}?p=${'a'.repeat(Math.max(0, maxUrl + 1 - path.length - 3))}`;
        const many: [string, string][] = Array.from({ length: maxHeaders + 1 }, (_, i) => [
          `X-Probe-${i}`,
          'x',
        ]);
        return combine([
          labelled(
            'long target',
            mustBeRefused(await context.send({ method: 'GET', target: long }), [
              'uri_too_long',
              'headers_too_large',
            ]),
          ),
          labelled(
            'many headers',
            mustBeRefused(await context.send({ method: 'GET', target: path, headers: many }), [
              'headers_too_large',
            ]),
          ),
          labelled(
            'huge header',
            mustBeRefused(
              await context.send({
                method: 'GET',
                target: path,
                headers: [['X-Probe', 'a'.repeat(20 * 1024)]],
              }),
              ['headers_too_large'],
            ),
          ),
        ]);
      },
    },
    {
      id: 'json-bomb',
      threats: ['A4-08'],
      title: 'a JSON body nested 10 000 deep to /v1/attest',
      route: null,
      expectation: 'refused (400 or 413), no crash',
      fix: 'The shield did not refuse a JSON bomb with a clear error: upgrade it; until then keep a body size limit in front of it.',
      async run(context) {
        const body = `{"appId":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
        const first = mustBeRefused(await context.send({ method: 'POST', target: '/v1/attest', body }), [
          'bad_request',
          'payload_too_large',
          'rate_limited',
        ]);
        // The listener must still answer afterwards.
        const after = await context.send({ method: 'GET', target: '/livez' });
        if (after.status !== 200) {
          return {
            outcome: 'got-through',
            status: after.status,
            code: after.code,
            detail: `${first.detail}; /livez then answered ${after.status ?? 'nothing'}`,
          };
        }
        return first;
      },
    },
  ];
}

function labelled(label: string, verdict: ProbeVerdict): ProbeVerdict {
  return { ...verdict, detail: `${label}: ${verdict.detail}` };
}

/** Bodies over the route's limit, and compressed bodies (A4-07, A4-09), with genuine credentials. */
export function bodyLimitCases(route: RouteConfig, config: Config): ProbeCase[] {
  const limit = route.maxBodyBytes ?? config.http.maxBodyBytes;
  const method = route.match.methods.find((m) => m === 'POST' || m === 'PUT' || m === 'PATCH')!;
  const path = concretePath(route);
  const id = routeName(route);
  const withCredentials = async (
    context: ProbeContext,
    headers: [string, string][],
    body?: string,
  ): Promise<ProbeExchange | ProbeVerdict> => {
    const shape = { method, target: path, ...(body !== undefined ? { body } : {}) };
    const credentials = await validCredentials(context, route, shape);
    if (!credentials.ok) return skipped(credentials.reason);
    return context.send({ ...shape, headers: [...credentials.headers, ...headers] });
  };
  return [
    {
      id: 'body-too-large',
      threats: ['A4-07'],
      title: `a declared body of ${limit + 1} bytes (the route takes ${limit})`,
      route,
      expectation: 'refused (413) before the body is read, nothing forwarded',
      fix: `Route ${id} accepted a body over its limit: check maxBodyBytes in the running shield, and that nothing in front of it buffers and re-frames bodies.`,
      async run(context) {
        const exchange = await withCredentials(context, [['Content-Length', String(limit + 1)]]);
        if (!('responses' in exchange)) return exchange;
        return mustBeRefused(exchange, ['payload_too_large']);
      },
    },
    {
      id: 'compressed-body',
      threats: ['A4-09'],
      title: 'a gzip-encoded request body',
      route,
      expectation: 'refused (415)',
      fix: `Route ${id} forwarded a compressed body, which can inflate without bound behind the shield’s size check: check that nothing in front of the shield decodes or passes Content-Encoding.`,
      async run(context) {
        const exchange = await withCredentials(
          context,
          [['Content-Encoding', 'gzip']],
          sampleBody(route) ?? '{}',
        );
        if (!('responses' in exchange)) return exchange;
        return mustBeRefused(exchange, ['unsupported_media_type']);
      },
    },
  ];
}
