import { z } from 'zod';
import { appSchema } from './app-schema.js';
import { checkConfigRules } from './check-config-rules.js';
import {
  formatted,
  hostField,
  intField,
  intFieldWithDefault,
  ipOrCidrField,
  optionalIntField,
  reportIssue,
  urlField,
  WHEN_VALID,
} from './fields.js';
import { routeSchema } from './route-schema.js';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

const secretValue = z.string().superRefine((value, ctx) => {
  if (value === '') {
    reportIssue(ctx, {
      path: [],
      code: 'secret_empty',
      message: 'the secret is empty; the shield never starts with an empty provider secret (A8-05)',
      fix: 'give the referenced environment variable or file a value',
    });
  } else if (CONTROL.test(value)) {
    reportIssue(ctx, {
      path: [],
      code: 'secret_invalid_characters',
      message: 'the secret contains a control character (CR, LF, NUL, ...) and cannot go into a header',
      fix: 'remove the control characters from the referenced value',
    });
  }
});

const limitPair = z
  .strictObject({ max: intField(1, 1_000_000_000), windowSeconds: intField(1, 31 * 86400) })
  .describe('max requests per windowSeconds.');

const storeSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('memory').describe('In-process; lost on restart. Tests and demos.') }),
  z.strictObject({
    kind: z.literal('sqlite').describe('Embedded SQLite (WAL) for one instance.'),
    path: z.string().min(1).default('./data/portcullis.db').describe('Database file.'),
  }),
  z.strictObject({
    kind: z.literal('redis+postgres').describe('Redis and PostgreSQL shared by several instances.'),
    redisUrl: urlField({
      protocols: ['redis', 'rediss'],
      code: 'invalid_format',
      allowCredentials: true,
      allowQuery: true,
      example: 'redis://127.0.0.1:6379',
    }).describe(`Redis URL; use \${env:NAME} when it holds a password.`),
    postgresUrl: urlField({
      protocols: ['postgres', 'postgresql'],
      code: 'invalid_format',
      allowCredentials: true,
      allowQuery: true,
      example: 'postgres://portcullis@127.0.0.1:5432/portcullis',
    }).describe(`PostgreSQL URL; use \${env:NAME} when it holds a password.`),
  }),
]);

/**
 * The one schema of `portcullis.yaml`. It yields the TypeScript type (`Config`), the JSON Schema
 * for editors (`configJsonSchema()`), and the defaults. Every object is strict: an unknown key
 * is an error, never ignored. Cross-field rules run once every field is valid.
 */
export const configSchema = z
  .strictObject({
    mode: z
      .enum(['production', 'development'])
      .default('production')
      .describe(
        'development: may trust test-kit roots and use an http issuer. Never with NODE_ENV=production.',
      ),
    issuer: urlField({
      protocols: ['https', 'http'],
      code: 'invalid_format',
      allowCredentials: false,
      allowQuery: false,
      example: 'https://shield.example.com',
    }).describe(
      'The shield’s public URL; the `iss` of its tokens. https in production (http only on loopback).',
    ),
    instanceId: formatted('instanceId').optional().describe('Name of this instance in audit records.'),
    workers: z
      .union([z.literal('auto'), intField(1, 64)])
      .default(1)
      .describe(
        'Worker processes sharing the public port: 1 to 64, or auto (one per core). Stores must be sqlite or redis+postgres when above 1.',
      ),
    listen: z
      .strictObject({
        host: hostField().default('127.0.0.1').describe('Address of the public listener.'),
        port: intFieldWithDefault(1, 65535, 8080).describe('Port of the public listener.'),
        tls: z
          .strictObject({
            certFile: z
              .string()
              .min(1)
              .describe('PEM certificate of the listener, leaf first (it may hold the chain too).'),
            keyFile: z.string().min(1).describe('PEM private key of the certificate.'),
            chainFile: z
              .string()
              .min(1)
              .optional()
              .describe(
                'PEM intermediate certificates sent after the leaf, when certFile holds only the leaf.',
              ),
            minVersion: z
              .enum(['TLSv1.2', 'TLSv1.3'])
              .default('TLSv1.2')
              .describe('Oldest TLS version accepted.'),
          })
          .optional()
          .describe('Serve HTTPS on the public listener. Absent: plain HTTP (behind a TLS proxy).'),
      })
      .prefault({})
      .describe('The public listener (attestation endpoints, JWKS, gateway).'),
    admin: z
      .strictObject({
        host: hostField()
          .default('127.0.0.1')
          .describe('Address of the admin listener (keep it on loopback).'),
        port: intFieldWithDefault(1, 65535, 9090).describe('Port of the admin listener.'),
        tokenSha256: formatted('sha256Hex')
          .transform((hex) => hex.toLowerCase())
          .describe('SHA-256 (hex) of the admin bearer token.'),
        debugCredentials: z
          .boolean()
          .optional()
          .describe(
            'Whether the console may issue debug credentials at run time (stored as keyed hashes). Default: true in development mode, false in production.',
          ),
      })
      .optional()
      .describe(
        'The admin listener (audit, devices, revocation, keys, metrics; see docs/admin.md). Absent: no admin listener.',
      ),
    http: z
      .strictObject({
        maxBodyBytes: intFieldWithDefault(0, 1024 ** 3, 1024 * 1024).describe('Largest request body.'),
        maxUrlBytes: intFieldWithDefault(256, 65536, 8192).describe('Longest request target.'),
        maxHeaders: intFieldWithDefault(8, 1000, 100).describe('Most request headers.'),
        headersTimeoutMs: intFieldWithDefault(1000, 300_000, 15_000).describe(
          'Time to receive request headers.',
        ),
        requestTimeoutMs: intFieldWithDefault(1000, 3_600_000, 30_000).describe(
          'Time to receive a whole request.',
        ),
        keepAliveTimeoutMs: intFieldWithDefault(0, 600_000, 5000).describe('Idle keep-alive time.'),
        trustedProxies: z
          .array(ipOrCidrField())
          .default([])
          .describe('Proxies whose Forwarded/X-Forwarded-For is believed (IPs or CIDRs).'),
        forwardedHeader: z
          .enum(['x-forwarded-for', 'forwarded'])
          .default('x-forwarded-for')
          .describe('Which header trusted proxies set.'),
        ipv6LimitPrefix: intFieldWithDefault(1, 128, 64).describe(
          'IPv6 clients are counted per prefix of this length.',
        ),
      })
      .prefault({})
      .describe('Limits of the public listener.'),
    store: storeSchema
      .prefault({ kind: 'sqlite' })
      .describe('Where challenges, devices, replay marks, limits and audit are kept. Default: sqlite.'),
    keys: z
      .strictObject({
        dir: z
          .string()
          .min(1)
          .default('./data/keys')
          .describe('Folder of the token signing keys and the identifier key; shared by every instance.'),
        alg: z.enum(['ES256', 'EdDSA']).default('ES256').describe('Signing algorithm of new keys.'),
        rotateEveryDays: optionalIntField(1, 365).describe(
          'Rotate the signing key this often. Absent: manual.',
        ),
        publishAheadSeconds: intFieldWithDefault(0, 30 * 86400, 0).describe(
          'Publish a new key in the JWKS this long before signing with it.',
        ),
      })
      .prefault({})
      .describe('App token signing keys.'),
    tokens: z
      .strictObject({
        clockToleranceSeconds: intFieldWithDefault(0, 60, 30).describe('Leeway on exp and iat.'),
        maxTtlSeconds: intFieldWithDefault(30, 86400, 3600).describe(
          'Upper bound of every app’s tokenTtlSeconds.',
        ),
      })
      .prefault({})
      .describe('App tokens.'),
    limits: z
      .strictObject({
        userClaim: z
          .string()
          .regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/)
          .optional()
          .describe('Token claim that names the user for per: user limits; default H(Authorization).'),
        insuranceDivisor: intFieldWithDefault(1, 1_000_000, 4).describe(
          'With onStoreFailure: open, each instance allows max / this (at least the number of instances).',
        ),
        outageRetryAfterSeconds: intFieldWithDefault(1, 3600, 5).describe(
          'Retry-After while the limit store is down.',
        ),
        redisCommandTimeoutMs: intFieldWithDefault(10, 5000, 200).describe('A slower Redis counts as down.'),
        endpoints: z
          .strictObject({
            onStoreFailure: z.enum(['closed', 'open']).default('closed'),
            challenge: z.strictObject({ perIp: limitPair }).partial().optional(),
            attest: z.strictObject({ perIp: limitPair, perKey: limitPair }).partial().optional(),
            assert: z.strictObject({ perIp: limitPair, perKey: limitPair }).partial().optional(),
            failures: z.strictObject({ perIp: limitPair, perKey: limitPair }).partial().optional(),
          })
          .prefault({})
          .describe(
            'Limits of /v1/challenge, /v1/attest, /v1/assert, and of verification failures (lockout).',
          ),
      })
      .prefault({})
      .describe('Rate limits: shared settings and the shield’s own endpoints.'),
    proofs: z
      .strictObject({
        skewSeconds: intFieldWithDefault(1, 300, 60).describe(
          'Allowed distance between a proof’s time and the shield’s.',
        ),
        onStoreOutage: z
          .enum(['refuse', 'allow-signature-only'])
          .default('refuse')
          .describe(
            'refuse: 503 store_unavailable while the replay store is down; allow-signature-only: audited degraded mode.',
          ),
        retryAfterSeconds: intFieldWithDefault(1, 60, 1).describe(
          'Retry-After of a 503 during a store outage.',
        ),
      })
      .prefault({})
      .describe('Per-request proofs (protocol §4).'),
    challenges: z
      .strictObject({
        ttlSeconds: intFieldWithDefault(10, 600, 300).describe('Lifetime of an attestation challenge.'),
      })
      .prefault({})
      .describe('Attestation challenges.'),
    trust: z
      .strictObject({
        appleRootsFile: z
          .string()
          .min(1)
          .optional()
          .describe('PEM file replacing the built-in Apple App Attestation root.'),
        androidRootsFile: z
          .string()
          .min(1)
          .optional()
          .describe('PEM file replacing the built-in Google attestation roots.'),
        androidRevocation: z
          .strictObject({
            file: z.string().min(1).optional().describe('Local copy of the status list (JSON).'),
            url: urlField({
              protocols: ['https'],
              code: 'invalid_format',
              allowCredentials: false,
              allowQuery: true,
              example: 'https://android.googleapis.com/attestation/status',
            })
              .optional()
              .describe('Where to fetch the status list.'),
            refreshSeconds: intFieldWithDefault(60, 86400, 3600).describe('Refresh interval.'),
            maxAgeSeconds: intFieldWithDefault(3600, 30 * 86400, 172_800).describe(
              'A list older than this is stale.',
            ),
            onStale: z
              .enum(['refuse', 'allow'])
              .default('refuse')
              .describe('refuse: refuse Android key attestations while the list is stale.'),
          })
          .prefault({})
          .describe('Android attestation revocation status list.'),
      })
      .prefault({})
      .describe('Trust anchors and revocation.'),
    development: z
      .strictObject({
        appleTestRootsFile: z
          .string()
          .min(1)
          .optional()
          .describe('PEM file of test-kit App Attest roots to trust (software iPhones).'),
        androidTestRootsFile: z
          .string()
          .min(1)
          .optional()
          .describe('PEM file of test-kit Android attestation roots to trust (software Android devices).'),
      })
      .optional()
      .describe('Development-only settings; refused in production.'),
    logging: z
      .strictObject({
        level: z
          .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
          .default('info')
          .describe('Lowest level logged.'),
      })
      .prefault({})
      .describe('Logging.'),
    apps: z
      .record(formatted('appId'), appSchema)
      .default({})
      .transform((apps) =>
        Object.fromEntries(
          Object.entries(apps).map(([appId, app]) => [
            appId,
            { ...app, audiences: app.audiences ?? [appId] },
          ]),
        ),
      )
      .describe('Registered apps, by app id.'),
    secrets: z
      .record(formatted('secretName'), secretValue)
      .default({})
      .describe(
        `Provider secrets, by name; write \${env:NAME} or \${file:PATH}, inject with \${secret:NAME}.`,
      ),
    routes: z.array(routeSchema).default([]).describe('Gateway routes. No two may match the same request.'),
  })
  .superRefine(checkConfigRules, WHEN_VALID)
  .describe('Portcullis shield configuration (portcullis.yaml).');

/** A loaded, validated, deep-frozen configuration. */
export type Config = z.output<typeof configSchema>;
/** The file as written, before defaults. */
export type ConfigInput = z.input<typeof configSchema>;
/** One app of `Config.apps`. */
export type AppConfig = Config['apps'][string];
/** One route of `Config.routes`. */
export type RouteConfig = Config['routes'][number];
