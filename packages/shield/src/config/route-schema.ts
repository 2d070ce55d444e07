import { METHODS } from 'node:http';
import { ASSURANCE_LEVELS, SHIELD_HEADER_PREFIX } from '@portcullis/protocol';
import { z } from 'zod';
import { IDENTITY_HEADER_KINDS } from './compile-route-policies.js';
import {
  durationSeconds,
  formatted,
  intField,
  intFieldWithDefault,
  optionalIntField,
  parseUrl,
  reportDuplicates,
  reportIssue,
  urlField,
  WHEN_VALID,
} from './fields.js';
import { isReservedRoutePattern, parseRoutePattern } from './route-pattern.js';
import { scanReferences } from './scan-references.js';

const REFUSED_METHODS = new Set(['TRACE', 'TRACK', 'CONNECT']);

/** Headers the gateway owns: framing, hop-by-hop, forwarding facts, request id. */
const REFUSED_HEADERS = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'upgrade',
  'expect',
  'forwarded',
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-real-ip',
  'x-request-id',
]);

/** Set or removed by the gateway on a route that injects a secret (its responses are scanned). */
const SCANNED_ROUTE_HEADERS = new Set(['accept-encoding', 'range', 'if-range']);

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

const PUBLIC_CONFLICTS = {
  token: 'require a token',
  level: 'require an assurance level',
  apps: 'be limited to apps',
  audiences: 'be limited to audiences',
  proof: 'require a proof',
  binding: 'bind tokens to an Authorization header',
} as const;

const jsonPath = z
  .string()
  .regex(
    /^\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\*\]|\.length)*$/,
    'a JSON path such as $.to or $.recipients.length',
  )
  .max(128);

const costSchema = z
  .strictObject({
    paths: z
      .array(jsonPath)
      .min(1)
      .max(8)
      .describe(
        'JSON paths whose counts add up to the cost: $.to, $.personalizations[*].to, $.recipients.length.',
      ),
    count: z
      .enum(['addresses', 'elements'])
      .default('addresses')
      .describe(
        'addresses: every e-mail address or phone number under the paths (lists in one string, nested arrays, {email} objects); elements: array lengths, list items and numbers as they are.',
      ),
    whenUnreadable: z
      .union([z.literal('refuse'), intField(1, 1_000_000_000)])
      .default('refuse')
      .describe('refuse (400) or the units charged when the cost cannot be read from the body.'),
  })
  .superRefine((cost, ctx) => {
    cost.paths.forEach((path, index) => {
      if (cost.count === 'addresses' && path.endsWith('.length')) {
        reportIssue(ctx, {
          path: ['paths', index],
          code: 'value_conflict',
          message: 'a path ending in .length counts array elements, not the addresses in them',
          fix: 'drop .length to count every address, or set count: elements',
        });
      }
    });
  })
  .describe('Makes the limit a budget: a request costs what its body says.');

const limitSchema = z
  .strictObject({
    per: z
      .enum(['device', 'user', 'ip', 'app', 'route', 'global', 'body'])
      .describe(
        'What is counted: device (cnf.kid), user (a claim or H(Authorization)), ip (client IP), app, route, global, or body (a body field).',
      ),
    max: intField(1, 1_000_000_000).describe('Units allowed per window (the bucket size).'),
    window: durationSeconds(1, 31 * 86400).describe('Window: 30s, 15m, 1h, 1d or seconds.'),
    name: z
      .string()
      .regex(/^[a-z0-9_.-]{1,32}$/)
      .optional()
      .describe('Policy name in the RateLimit headers.'),
    group: formatted('routeId').optional().describe('Share the bucket with routes naming the same group.'),
    mode: z
      .enum(['enforce', 'monitor'])
      .optional()
      .describe('monitor: record what would be limited, refuse nothing.'),
    field: jsonPath.optional().describe('per: body — JSON path of the identifier counted (e.g. $.phone).'),
    cost: costSchema.optional(),
  })
  .superRefine((limit, ctx) => {
    if ((limit.per === 'body') !== (limit.field !== undefined)) {
      reportIssue(ctx, {
        path: ['field'],
        code: 'value_conflict',
        message: 'field goes with per: body, and only with it',
        fix: 'set per: body with field: $.path, or remove field',
      });
    }
  })
  .describe('A rate limit, or with cost a budget.');

/** `post-payments-session` for POST /payments/session: stable, readable, id-safe. */
function deriveRouteId(methods: readonly string[], path: string): string {
  const slug = path
    .replaceAll('**', 'rest')
    .replaceAll('*', 'any')
    .toLowerCase()
    .replace(/[^a-z0-9._]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${methods.join('-').toLowerCase()}-${slug === '' ? 'root' : slug}`.slice(0, 64);
}

/**
 * One route of the gateway. Threat A9-03: protection is never implicit, so a route is either
 * `public: true` or has `require.token: true`.
 */
export const routeSchema = z
  .strictObject({
    id: formatted('routeId')
      .optional()
      .describe('Stable id for audit and metrics. Default: methods and path.'),
    match: z
      .strictObject({
        methods: z
          .array(formatted('method'))
          .min(1)
          .default(['GET'])
          .describe('Upper-case methods; TRACE, TRACK and CONNECT are refused.'),
        path: z.string().describe('Canonical path; a last segment * matches one segment, ** one or more.'),
      })
      .describe('Which requests the route takes.'),
    upstream: urlField({
      protocols: ['http', 'https'],
      code: 'upstream_invalid',
      allowCredentials: false,
      allowQuery: false,
      example: 'http://127.0.0.1:3000',
    }).describe('Where matching requests go: http(s)://host[:port][/base-path].'),
    stripPrefix: z.string().optional().describe('Leading part of the path removed before forwarding.'),
    public: z.boolean().default(false).describe('true: no token needed. Must be explicit (A9-03).'),
    require: z
      .strictObject({
        token: z.boolean().describe('Require an app token. Must be written out (A9-03).'),
        level: z.enum(ASSURANCE_LEVELS).optional().describe('Lowest accepted assurance level.'),
        apps: z.array(formatted('appId')).min(1).optional().describe('Only tokens of these apps.'),
        audiences: z
          .array(formatted('audience'))
          .min(1)
          .optional()
          .describe(
            'Only tokens whose aud holds one of these audiences. Default: the audiences of the admitted apps, except tokens a debug credential’s scope narrowed.',
          ),
        proof: z.boolean().default(false).describe('Require a per-request proof (Portcullis-Proof).'),
        binding: z
          .boolean()
          .default(false)
          .describe(
            'Require tokens bound to the Authorization header (ath claim); for clients that cannot sign.',
          ),
      })
      .optional()
      .describe('What a request must carry.'),
    inject: z
      .strictObject({
        headers: z
          .record(formatted('headerName'), z.string())
          .default({})
          .describe(`Headers set on the upstream request; values may hold \${secret:NAME}.`),
      })
      .optional()
      .describe('What the gateway adds before forwarding.'),
    proof: z
      .strictObject({
        skewSeconds: optionalIntField(1, 300).describe(
          'Allowed clock skew of proofs on this route; default proofs.skewSeconds.',
        ),
        onStoreOutage: z
          .enum(['refuse', 'allow-signature-only'])
          .optional()
          .describe('refuse (503) or check signature and freshness only while the replay store is down.'),
      })
      .optional()
      .describe('Proof settings of this route; only with require.proof: true.'),
    forwardCredentials: z
      .boolean()
      .default(false)
      .describe(
        'On a route that injects a secret: also forward the client’s Authorization and Cookie, and relay the upstream’s Set-Cookie. Default false (E-31: a provider never sees the user’s session).',
      ),
    tokenMode: z
      .enum(['enforce', 'monitor'])
      .default('enforce')
      .describe(
        'monitor: a request the token requirement would refuse is recorded (audit, metrics) and forwarded without identity headers; for the migration of app versions without the SDK.',
      ),
    identityHeaders: z
      .array(z.enum(IDENTITY_HEADER_KINDS))
      .optional()
      .describe(
        'Identity facts sent to the upstream: app, level, platform, token-id, device (X-Portcullis-* headers) and client-address (X-Forwarded-For, Forwarded, X-Forwarded-Proto). Default: all on a route that injects no secret, none on a route that injects one.',
      ),
    limits: z.array(limitSchema).default([]).describe('Rate limits and budgets; all must pass.'),
    limitMode: z
      .enum(['enforce', 'monitor'])
      .default('enforce')
      .describe('monitor: every limit of the route only records.'),
    onStoreFailure: z
      .enum(['closed', 'open'])
      .default('closed')
      .describe(
        'Limit store down: closed answers 503; open uses a local insurance cap (limits.insuranceDivisor).',
      ),
    maxBodyBytes: optionalIntField(0, 1024 ** 3).describe('Request body limit; at most http.maxBodyBytes.'),
    timeouts: z
      .strictObject({
        connectMs: intFieldWithDefault(50, 60_000, 2000).describe('Upstream connect timeout.'),
        headersMs: intFieldWithDefault(100, 300_000, 10_000).describe('Upstream response headers timeout.'),
        bodyMs: intFieldWithDefault(100, 3_600_000, 30_000).describe('Upstream body idle timeout.'),
      })
      .prefault({})
      .describe('Upstream timeouts in milliseconds.'),
    tls: z
      .strictObject({
        caFile: z.string().min(1).describe('PEM file of the CA that signs the upstream’s certificate.'),
      })
      .optional()
      .describe('Trust for an https upstream with a private CA (A10-05).'),
  })
  .superRefine((route, ctx) => {
    const parsed = parseRoutePattern(route.match.path);
    if (!parsed.ok) {
      reportIssue(ctx, {
        path: ['match', 'path'],
        code: 'route_path_invalid',
        message: parsed.message,
        fix: parsed.fix,
      });
    } else if (isReservedRoutePattern(parsed.pattern)) {
      reportIssue(ctx, {
        path: ['match', 'path'],
        code: 'route_reserved_path',
        message: 'this path lies under the shield’s own endpoints (/v1/, /.well-known/, /livez, /readyz)',
        fix: 'choose another path prefix; the shield serves these itself',
      });
    }
    route.match.methods.forEach((method, index) => {
      if (!METHODS.includes(method)) {
        reportIssue(ctx, {
          path: ['match', 'methods', index],
          code: 'invalid_value',
          message: 'this is not an HTTP method',
          fix: 'use a method such as GET, POST, PUT, PATCH or DELETE',
        });
      } else if (REFUSED_METHODS.has(method)) {
        reportIssue(ctx, {
          path: ['match', 'methods', index],
          code: 'route_method_refused',
          message: `${method} is never proxied`,
          fix: `remove ${method}`,
        });
      }
    });
    reportDuplicates(ctx, route.match.methods, ['match', 'methods'], 'method');
    if (route.identityHeaders !== undefined) {
      reportDuplicates(ctx, route.identityHeaders, ['identityHeaders'], 'identity header');
      if (route.public) {
        route.identityHeaders.forEach((kind, index) => {
          if (kind !== 'client-address') {
            reportIssue(ctx, {
              path: ['identityHeaders', index],
              code: 'value_conflict',
              message: `a public route has no token, so no ${kind} to send`,
              fix: 'list only client-address on a public route, or remove identityHeaders',
            });
          }
        });
      }
    }

    const require = route.require;
    if (route.public) {
      for (const key of ['token', 'level', 'apps', 'audiences', 'proof', 'binding'] as const) {
        const value = require?.[key];
        if (value !== undefined && value !== false) {
          reportIssue(ctx, {
            path: ['require', key],
            code: 'route_public_with_token',
            message: `a public route cannot ${PUBLIC_CONFLICTS[key]}`,
            fix: 'remove public: true to protect the route, or remove this requirement',
          });
        }
      }
    } else if (require === undefined || !require.token) {
      reportIssue(ctx, {
        path: require === undefined ? [] : ['require', 'token'],
        code: 'route_unprotected',
        message: 'the route is not public and does not require a token',
        fix: 'add `require: { token: true }`, or `public: true` if the route is deliberately open',
      });
    }

    if (route.public && route.tokenMode === 'monitor') {
      reportIssue(ctx, {
        path: ['tokenMode'],
        code: 'route_public_with_token',
        message: 'a public route has no token requirement to monitor',
        fix: 'remove tokenMode, or remove public: true and require a token',
      });
    }
    if (route.tokenMode === 'monitor') {
      for (const key of ['proof', 'binding'] as const) {
        if (require?.[key] === true) {
          reportIssue(ctx, {
            path: ['require', key],
            code: 'value_conflict',
            message: `tokenMode monitor forwards requests without a token, which can carry no ${key === 'proof' ? 'proof' : 'token binding'}`,
            fix: `keep tokenMode: enforce on this route, or remove require.${key}`,
          });
        }
      }
    }

    if (route.public) {
      route.limits.forEach((limit, index) => {
        if (limit.per === 'device' || limit.per === 'app' || limit.per === 'user') {
          reportIssue(ctx, {
            path: ['limits', index, 'per'],
            code: 'value_conflict',
            message: `a public route has no token, so nothing to count per ${limit.per}`,
            fix: 'count per ip, route, global or body on a public route',
          });
        }
      });
    }

    if (route.proof !== undefined && require?.proof !== true) {
      reportIssue(ctx, {
        path: ['proof'],
        code: 'value_conflict',
        message: 'proof settings on a route that does not require a proof',
        fix: 'add require.proof: true, or remove the proof section',
      });
    }

    if (route.stripPrefix !== undefined) {
      const prefix = route.stripPrefix;
      const path = route.match.path;
      const literal = parseRoutePattern(prefix);
      const whole = literal.ok && literal.pattern.tail === 'none' && prefix !== '/';
      if (!whole || !(path === prefix || path.startsWith(`${prefix}/`))) {
        reportIssue(ctx, {
          path: ['stripPrefix'],
          code: 'route_strip_prefix',
          message:
            'stripPrefix must be a leading part of match.path made of whole segments, without a trailing "/"',
          fix: 'use e.g. /stripe for the path /stripe/**',
        });
      }
    }

    const base = parseRoutePattern(parseUrl(route.upstream)?.pathname ?? '/');
    if (!base.ok || base.pattern.tail !== 'none') {
      reportIssue(ctx, {
        path: ['upstream'],
        code: 'upstream_invalid',
        message: 'the upstream’s base path is not canonical (a trailing "/", "//", "%", "*", ...)',
        fix: 'write the base path like a route path, e.g. http://127.0.0.1:3000/api, or none',
      });
    }

    const injectsSecret = Object.values(route.inject?.headers ?? {}).some((value) =>
      value.includes('${secret:'),
    );
    for (const [name, value] of Object.entries(route.inject?.headers ?? {})) {
      if (injectsSecret && SCANNED_ROUTE_HEADERS.has(name)) {
        reportIssue(ctx, {
          path: ['inject', 'headers', name],
          code: 'route_header_refused',
          message: `on a route that injects a secret the gateway sets ${name} itself (responses are scanned for the secret)`,
          fix: 'inject another header',
        });
      }
      if (REFUSED_HEADERS.has(name) || name.startsWith(SHIELD_HEADER_PREFIX)) {
        reportIssue(ctx, {
          path: ['inject', 'headers', name],
          code: 'route_header_refused',
          message: `the gateway owns the ${name} header`,
          fix: 'inject another header',
        });
      }
      if (CONTROL.test(value)) {
        reportIssue(ctx, {
          path: ['inject', 'headers', name],
          code: 'secret_invalid_characters',
          message: 'the header value contains a control character (CR, LF, NUL, ...)',
          fix: 'remove control characters from the value and from what it references',
        });
      }
      // The gateway reads every "${" of an injected value as a placeholder: only ${secret:NAME}
      // may appear, never a literal "${" (written as "$${", or brought in by a reference).
      const scanned = scanReferences(value);
      const stray =
        scanned.ok &&
        scanned.parts.some((part) =>
          part.type === 'reference' ? part.kind !== 'secret' : part.text.includes(`\${`),
        );
      if (!scanned.ok || stray) {
        reportIssue(ctx, {
          path: ['inject', 'headers', name],
          code: 'reference_invalid',
          message: scanned.ok
            ? `an injected header value can hold "\${" only as \${secret:NAME}`
            : scanned.message,
          fix: scanned.ok ? `remove the literal "\${" (or the reference that brought it in)` : scanned.fix,
        });
      }
    }

    if (route.tls !== undefined && parseUrl(route.upstream)?.protocol !== 'https:') {
      reportIssue(ctx, {
        path: ['tls'],
        code: 'value_conflict',
        message: 'tls applies only to an https upstream',
        fix: 'use an https:// upstream, or remove tls',
      });
    }
  }, WHEN_VALID)
  .transform((route) => ({ ...route, id: route.id ?? deriveRouteId(route.match.methods, route.match.path) }));
