import { z } from 'zod';
import {
  auditQuerySchema,
  auditRecordSchema,
  debugCredentialRequestSchema,
  debugCredentialSchema,
  deviceListQuerySchema,
  deviceSchema,
  emptyRequestSchema,
  keySchema,
  loginRequestSchema,
  overviewQuerySchema,
  overviewSchema,
  problemSchema,
  revokeRequestSchema,
  routeViewSchema,
  sessionSchema,
  whatBreaksSchema,
} from '../admin-schemas.js';

type Json = { [key: string]: unknown };

/** A zod schema as a JSON Schema 2020-12 object without its `$schema` and registry `id`. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Json {
  const {
    $schema: _schema,
    id: _id,
    ...rest
  } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
}

const COMPONENTS = {
  Problem: problemSchema,
  AuditRecord: auditRecordSchema,
  Device: deviceSchema,
  SigningKey: keySchema,
  DebugCredential: debugCredentialSchema,
  Overview: overviewSchema,
  WhatBreaks: whatBreaksSchema,
  Route: routeViewSchema,
  ConsoleSession: sessionSchema,
} as const;

const ref = (name: keyof typeof COMPONENTS) => ({ $ref: `#/components/schemas/${name}` });

function queryParameters(schema: z.ZodObject): Json[] {
  return Object.entries(schema.shape).map(([name, field]) => {
    const described = jsonSchema(field as z.ZodType, 'input');
    const { description, ...rest } = described;
    return {
      name,
      in: 'query',
      required: !(field as z.ZodType).safeParse(undefined).success,
      ...(typeof description === 'string' ? { description } : {}),
      schema: rest,
    };
  });
}

const json = (schema: Json) => ({ content: { 'application/json': { schema } } });
const ok = (description: string, schema: Json) => ({ '200': { description, ...json(schema) } });
const body = (schema: z.ZodType) => ({ required: true, ...json(jsonSchema(schema, 'input')) });
const object = (properties: Json, required = Object.keys(properties)) => ({
  type: 'object',
  properties,
  required,
});

const KEY_ID = {
  name: 'keyId',
  in: 'path',
  required: true,
  description: 'The device key id, percent-encoded once (`/` as %2F).',
  schema: { type: 'string' },
};

/**
 * The OpenAPI 3.1 document of the admin API, generated from the zod schemas the request readers
 * parse with (admin-schemas.ts), served at `GET /openapi.json`. Every operation takes the admin
 * token (`bearer`); the console reaches the same operations under `/console/api` with its
 * session cookie and, on state-changing ones, the `X-CSRF-Token` header.
 *
 * @example
 * ```ts
 * const document = createOpenApiDocument('0.1.0');
 * document.paths['/audit'].get.parameters; // from auditQuerySchema
 * ```
 */
export function createOpenApiDocument(version: string) {
  const refusals = {
    default: { description: 'A refusal (RFC 9457), with a stable code.', ...json(ref('Problem')) },
  };
  const get = (summary: string, parameters: Json[], answer: Json) => ({
    get: { summary, parameters, responses: { ...ok(summary, answer), ...refusals } },
  });
  const post = (summary: string, request: z.ZodType, answer: Json, parameters: Json[] = []) => ({
    post: {
      summary,
      parameters,
      requestBody: body(request),
      responses: { ...ok(summary, answer), ...refusals },
    },
  });
  return {
    openapi: '3.1.0',
    info: {
      title: 'Portcullis admin API',
      version,
      description:
        'The admin listener of a Portcullis shield (docs/admin.md). Keep it on loopback or a private network.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ bearer: [] }],
    paths: {
      '/livez': {
        get: {
          summary: 'Liveness',
          security: [],
          responses: { ...ok('The process serves requests', object({ status: { const: 'ok' } })) },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          responses: {
            '200': {
              description: 'Text exposition format 0.0.4',
              content: { 'text/plain': { schema: { type: 'string' } } },
            },
            ...refusals,
          },
        },
      },
      '/audit': get(
        'Search the audit log, newest first',
        queryParameters(auditQuerySchema),
        object({ records: { type: 'array', items: ref('AuditRecord') } }),
      ),
      '/overview': get(
        'Requests, refusals, attestations and limit hits over time',
        queryParameters(overviewQuerySchema),
        ref('Overview'),
      ),
      '/what-breaks': get(
        'What enforcing would refuse, per route and app version',
        queryParameters(overviewQuerySchema),
        ref('WhatBreaks'),
      ),
      '/devices': get(
        'Registered devices, one page at a time',
        queryParameters(deviceListQuerySchema),
        object({ devices: { type: 'array', items: ref('Device') }, next: { type: ['string', 'null'] } }),
      ),
      '/devices/{keyId}': get('One device', [KEY_ID], object({ device: ref('Device') })),
      '/devices/{keyId}/revoke': post(
        'Revoke a device key',
        revokeRequestSchema,
        object({ device: ref('Device'), alreadyRevoked: { type: 'boolean' } }),
        [KEY_ID],
      ),
      '/debug-credentials': {
        ...get(
          'Debug credentials of the config and the console',
          [],
          object({
            credentials: { type: 'array', items: ref('DebugCredential') },
            issuing: { type: 'boolean' },
          }),
        ),
        ...post(
          'Issue a debug credential (shown once)',
          debugCredentialRequestSchema,
          object({
            credential: ref('DebugCredential'),
            secret: { type: 'string', description: 'Shown once; only its keyed hash is kept.' },
          }),
        ),
      },
      '/debug-credentials/{id}/revoke': post(
        'Revoke a debug credential issued from the console',
        emptyRequestSchema,
        object({ credential: ref('DebugCredential') }),
        [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
      ),
      '/keys': get(
        'Signing keys and their life cycle',
        [],
        object({ keys: { type: 'array', items: ref('SigningKey') } }),
      ),
      '/keys/rotate': post(
        'Add a signing key (the current one retires later)',
        emptyRequestSchema,
        object({ key: ref('SigningKey') }),
      ),
      '/routes': get(
        'Each route and its effective policy',
        [],
        object({ routes: { type: 'array', items: ref('Route') } }),
      ),
      '/openapi.json': {
        get: {
          summary: 'This document',
          security: [],
          responses: { ...ok('OpenAPI 3.1', { type: 'object' }) },
        },
      },
      '/console/api/login': {
        post: {
          summary: 'Exchange the admin token for a console session (HttpOnly, SameSite=Strict cookie)',
          security: [],
          requestBody: body(loginRequestSchema),
          responses: { ...ok('Signed in', ref('ConsoleSession')), ...refusals },
        },
      },
    },
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'The admin token (admin.tokenSha256 is its SHA-256).',
        },
      },
      schemas: Object.fromEntries(
        Object.entries(COMPONENTS).map(([name, schema]) => [name, jsonSchema(schema, 'output')]),
      ),
    },
  };
}
