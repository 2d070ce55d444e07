import { ASSURANCE_LEVELS } from '@portcullis/protocol';
import { z } from 'zod';
import { FORMATS } from '../config/fields.js';
import { AUDIT_DECISIONS, AUDIT_EVENTS, MAX_PAGE_SIZE, PLATFORMS } from '../stores/store-input.js';
import { isKeyId } from './parse-key-id-segment.js';

/**
 * The admin API's requests and answers as zod schemas. The request readers parse with them, and
 * the OpenAPI document (`GET /openapi.json`) is generated from them, so the two cannot drift.
 * Query values arrive as strings; each schema's error message names the parameter and never
 * echoes its value (it becomes the problem's `detail`).
 */

const EPOCH_MS = /^(?:0|[1-9][0-9]{0,15})$/;
const ISO_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?Z$/;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const AUDIT_HASH = /^[0-9a-f]{32}$/;
const ROUTE_ID = /^[\x21-\x7e][\x20-\x7e]{0,199}$/;
const REASON_CODE = /^[a-z][a-z0-9_]{0,99}$/;

/** Epoch milliseconds, or an ISO 8601 UTC instant that names a real calendar time; else undefined. */
export function parseInstant(value: string): number | undefined {
  if (EPOCH_MS.test(value)) {
    const ms = Number(value);
    if (Number.isSafeInteger(ms)) return ms;
  }
  const parts = ISO_UTC.exec(value);
  if (parts === null) return undefined;
  const [year, month, day, hour, minute, second] = parts.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const time = Date.UTC(year, month - 1, day, hour, minute, second, Number((parts[7] ?? '').padEnd(3, '0')));
  const back = new Date(time);
  // Date.UTC rolls 2026-02-30 over to March: refuse instead of guessing.
  const same =
    time >= 0 &&
    back.getUTCFullYear() === year &&
    back.getUTCMonth() === month - 1 &&
    back.getUTCDate() === day &&
    back.getUTCHours() === hour &&
    back.getUTCMinutes() === minute &&
    back.getUTCSeconds() === second;
  return same ? time : undefined;
}

const instant = (name: string, description: string) =>
  z
    .string()
    .refine((value) => parseInstant(value) !== undefined, {
      error: `${name} must be epoch milliseconds or an ISO 8601 UTC time such as 2026-05-01T12:00:00Z`,
    })
    .transform((value) => parseInstant(value)!)
    .meta({ description, examples: ['2026-05-01T12:00:00Z', '1777636800000'] });

const oneOf = <T extends readonly [string, ...string[]]>(name: string, values: T, description: string) =>
  z.enum(values, { error: `${name} must be one of ${values.join(', ')}` }).meta({ description });

const pattern = (name: string, regex: RegExp, message: string, description: string) =>
  z
    .string()
    .regex(regex, { error: `${name} must be ${message}` })
    .meta({ description });

/** `limit`: a plain decimal integer from 1 to 1000, default 100. */
export const pageLimitSchema = z
  .string()
  .regex(/^[1-9][0-9]{0,3}$/, { error: `limit must be an integer from 1 to ${MAX_PAGE_SIZE}` })
  .transform(Number)
  .refine((limit) => limit <= MAX_PAGE_SIZE, { error: `limit must be an integer from 1 to ${MAX_PAGE_SIZE}` })
  .optional()
  .transform((limit) => limit ?? 100)
  .meta({ description: `Page size, 1 to ${MAX_PAGE_SIZE} (default 100).` });

/** `GET /audit` */
export const auditQuerySchema = z.strictObject({
  limit: pageLimitSchema,
  since: instant('since', 'Records at or after this time.').optional(),
  until: instant('until', 'Records before this time.').optional(),
  decision: oneOf('decision', AUDIT_DECISIONS, 'Only records with this decision.').optional(),
  event: oneOf('event', AUDIT_EVENTS, 'Only records of this event.').optional(),
  requestId: pattern(
    'requestId',
    REQUEST_ID,
    '1-128 letters, digits, ".", "_", ":" or "-"',
    'The X-Request-Id of one answer.',
  ).optional(),
  keyId: z
    .string()
    .refine(isKeyId, { error: 'keyId must be a device key id' })
    .meta({ description: "A device's key id; matched by its keyed audit hash." })
    .optional(),
  deviceIdHash: pattern(
    'deviceIdHash',
    AUDIT_HASH,
    '32 lower-case hex digits',
    'The deviceIdHash of audit records.',
  ).optional(),
  routeId: pattern('routeId', ROUTE_ID, 'a route id', 'Only records of this route.').optional(),
  reason: pattern(
    'reason',
    REASON_CODE,
    'a lower_snake_case sub-code',
    'Only records with this reason (sub-code).',
  ).optional(),
});

/** `GET /devices` */
export const deviceListQuerySchema = z.strictObject({
  appId: pattern(
    'appId',
    FORMATS.appId.pattern,
    FORMATS.appId.message,
    'Only devices of this app.',
  ).optional(),
  platform: oneOf('platform', PLATFORMS, 'Only devices of this platform.').optional(),
  level: oneOf('level', ASSURANCE_LEVELS, 'Only devices of this assurance level.').optional(),
  limit: pageLimitSchema,
  after: z
    .string()
    .refine(isKeyId, { error: 'after must be a device key id (the next value of the previous page)' })
    .meta({ description: 'The `next` of the previous page.' })
    .optional(),
});

/** `GET /overview` and `GET /what-breaks` */
export const overviewQuerySchema = z.strictObject({
  since: instant('since', 'Start of the window (default: an hour before `until`).').optional(),
  until: instant('until', 'End of the window, exclusive (default: now).').optional(),
});

const PRINTABLE = /^[^\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}]*$/u;
const printable = (name: string, max: number) =>
  z
    .string({ error: `${name} must be 1-${max} printable characters` })
    .refine((value) => value.trim() !== '' && [...value].length <= max && PRINTABLE.test(value), {
      error: `${name} must be 1-${max} printable characters`,
    });

/** `POST /devices/{keyId}/revoke` */
export const revokeRequestSchema = z.strictObject(
  { reason: printable('reason', 200).meta({ description: 'Why (shown in the device and audit log).' }) },
  { error: 'the body must be {"reason": "..."}' },
);

/** `POST /console/api/login` */
export const loginRequestSchema = z.strictObject(
  {
    token: z
      .string({ error: 'token must be the admin token' })
      .min(1, { error: 'token must be the admin token' })
      .max(1024, { error: 'token must be the admin token' })
      .meta({ description: 'The admin token; exchanged for a session cookie, never stored.' }),
  },
  { error: 'the body must be {"token": "..."}' },
);

/** Longest lifetime of a debug credential issued at run time: 90 days. */
export const MAX_DEBUG_CREDENTIAL_DAYS = 90;

/** `POST /debug-credentials` */
export const debugCredentialRequestSchema = z.strictObject(
  {
    appId: pattern('appId', FORMATS.appId.pattern, FORMATS.appId.message, 'The app it attests for.'),
    name: printable('name', 64).meta({ description: 'Who holds it (audited with every use).' }),
    expiresAt: z
      .string({ error: 'expiresAt must be an ISO 8601 UTC time' })
      .refine((value) => parseInstant(value) !== undefined && !EPOCH_MS.test(value), {
        error: 'expiresAt must be an ISO 8601 UTC time such as 2026-05-01T12:00:00Z',
      })
      .transform((value) => parseInstant(value)!)
      .meta({ description: `When it stops working; at most ${MAX_DEBUG_CREDENTIAL_DAYS} days ahead.` }),
    audiences: z
      .array(pattern('audiences[]', FORMATS.audience.pattern, FORMATS.audience.message, 'An audience.'), {
        error: 'audiences must be a list of the app audiences',
      })
      .min(1, { error: 'audiences must name at least one audience' })
      .max(16, { error: 'audiences must name at most 16 audiences' })
      .meta({ description: "The app's audiences its tokens may carry (its scope)." }),
  },
  { error: 'the body must be {"appId", "name", "expiresAt", "audiences"}' },
);

/** `POST /debug-credentials/{id}/revoke` and `POST /keys/rotate`: an empty JSON object. */
export const emptyRequestSchema = z.strictObject({}, { error: 'the body must be {}' });

// ---- answers (documented in the OpenAPI document) ------------------------------------------------

const nullable = <T extends z.ZodType>(schema: T) => schema.nullable();

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    code: z.string().meta({ description: 'Stable error code (docs/errors.md).' }),
    detail: z.string().optional(),
    requestId: z.string(),
  })
  .meta({ description: 'RFC 9457 problem details.' });

export const auditRecordSchema = z.object({
  ts: z.number().int(),
  requestId: z.string(),
  instance: z.string(),
  event: z.enum(AUDIT_EVENTS),
  decision: z.enum(AUDIT_DECISIONS),
  code: z.string(),
  reason: nullable(z.string()),
  appId: nullable(z.string()),
  routeId: nullable(z.string()),
  method: nullable(z.string()),
  path: nullable(z.string()),
  clientIp: nullable(z.string()),
  deviceIdHash: nullable(z.string()),
  userIdHash: nullable(z.string()),
  tokenJti: nullable(z.string()),
  level: nullable(z.string()),
  upstreamStatus: nullable(z.number().int()),
  latencyMs: nullable(z.number()),
  details: nullable(z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]))),
});

export const deviceSchema = z.object({
  keyId: z.string(),
  appId: z.string(),
  platform: z.enum(PLATFORMS),
  level: z.enum(ASSURANCE_LEVELS),
  publicKeyJwk: z.record(z.string(), z.string()),
  counter: z.number().int(),
  hasReceipt: z.boolean(),
  testRoot: z.boolean(),
  firstSeen: z.number().int(),
  lastSeen: z.number().int(),
  revokedAt: nullable(z.number().int()),
  revokedReason: nullable(z.string()),
  deviceIdHash: z.string().meta({ description: 'The hash audit records carry for this device.' }),
});

export const keySchema = z.object({
  kid: z.string(),
  alg: z.string(),
  status: z.enum(['next', 'active', 'retiring', 'retired']),
  createdAt: z.string(),
  activatesAt: z.string(),
  deactivatesAt: nullable(z.string()),
  retiresAt: nullable(z.string()),
});

export const debugCredentialSchema = z.object({
  id: z.string(),
  appId: z.string(),
  name: z.string(),
  audiences: nullable(z.array(z.string())),
  createdAt: z.number().int(),
  expiresAt: z.number().int(),
  revokedAt: nullable(z.number().int()),
  source: z.enum(['config', 'console']),
});

const count = z.number().int().nonnegative();
const decisionCounts = z.object({
  allowed: count,
  refused: count,
  limited: count,
  errors: count,
  wouldRefuse: count,
});

export const overviewSchema = z.object({
  since: z.number().int(),
  until: z.number().int(),
  bucketMs: z.number().int(),
  buckets: z.array(z.number().int()),
  series: z.object({
    allowed: z.array(count),
    refused: z.array(count),
    limited: z.array(count),
    errors: z.array(count),
    wouldRefuse: z.array(count),
  }),
  totals: decisionCounts,
  refusalsByReason: z.array(z.object({ reason: z.string(), count })),
  byRoute: z.array(decisionCounts.extend({ routeId: z.string() })),
  byPlatform: z.array(decisionCounts.extend({ platform: z.string() })),
  byAppVersion: z.array(decisionCounts.extend({ appVersion: z.string() })),
  attestations: z.array(z.object({ platform: z.string(), verdict: z.string(), count })),
  limits: z.array(z.object({ reason: z.string(), count })),
});

export const whatBreaksSchema = z.object({
  since: z.number().int(),
  until: z.number().int(),
  routes: z.array(
    z.object({
      routeId: z.string(),
      requests: count,
      wouldRefuse: count,
      share: z.number(),
      reasons: z.array(z.object({ reason: z.string(), count })),
      appVersions: z.array(
        z.object({ appVersion: z.string(), requests: count, wouldRefuse: count, share: z.number() }),
      ),
    }),
  ),
});

export const routeViewSchema = z.object({
  id: z.string(),
  methods: z.array(z.string()),
  path: z.string(),
  public: z.boolean(),
  require: z.object({
    token: z.boolean(),
    level: z.string().optional(),
    apps: z.array(z.string()).optional(),
    proof: z.boolean(),
    binding: z.boolean(),
  }),
  limits: z.number().int().meta({ description: 'How many limits and budgets apply.' }),
  injects: z.array(z.string()).meta({ description: 'Header names the gateway injects (never values).' }),
  tokenMode: z
    .enum(['enforce', 'monitor'])
    .meta({ description: 'monitor: what the token requirement would refuse is forwarded and recorded.' }),
  limitMode: z.enum(['enforce', 'monitor']).meta({ description: 'monitor: the route limits only record.' }),
});

export const sessionSchema = z.object({
  csrfToken: z.string().meta({ description: 'Send it as X-CSRF-Token on every state-changing request.' }),
  idleExpiresAt: z.number().int(),
  expiresAt: z.number().int(),
});
