import { z } from 'zod';
import { configSchema } from './schema.js';

/** A JSON Schema document (draft 2020-12), as plain JSON. */
export type JsonSchema = { [key: string]: unknown };

const REFERENCE_DEF = {
  type: 'string',
  pattern: '\\$\\{(env|file):[^}]+\\}',
  description: `A value taken from \${env:NAME} or \${file:PATH} when the file is loaded.`,
};

const ANNOTATIONS = ['description', 'default', 'title'] as const;

function isScalarSchema(node: JsonSchema): boolean {
  if (node['type'] === 'string') return !('const' in node);
  const anyOf = node['anyOf'];
  return Array.isArray(anyOf) && anyOf.some((branch) => (branch as JsonSchema)['type'] === 'integer');
}

/**
 * In the file as written, any string or integer may be a reference (`port: ${env:PORT}`), which
 * the loader resolves before validating. Editors see the file as written, so each such value
 * also admits a reference string.
 */
function allowReferences(node: JsonSchema): JsonSchema {
  if (isScalarSchema(node)) {
    const annotations: JsonSchema = {};
    const rest: JsonSchema = {};
    for (const [key, value] of Object.entries(node)) {
      if ((ANNOTATIONS as readonly string[]).includes(key)) annotations[key] = value;
      else rest[key] = value;
    }
    const only =
      Object.keys(rest).length === 1 && Array.isArray(rest['anyOf'])
        ? (rest['anyOf'] as JsonSchema[])
        : [rest];
    return { ...annotations, anyOf: [...only, { $ref: '#/$defs/reference' }] };
  }
  const result: JsonSchema = { ...node };
  const properties = node['properties'];
  if (typeof properties === 'object' && properties !== null) {
    result['properties'] = Object.fromEntries(
      Object.entries(properties).map(([key, value]) => [key, allowReferences(value as JsonSchema)]),
    );
  }
  for (const key of ['additionalProperties', 'items'] as const) {
    const child = node[key];
    if (typeof child === 'object' && child !== null) result[key] = allowReferences(child as JsonSchema);
  }
  for (const key of ['anyOf', 'oneOf'] as const) {
    const branches = node[key];
    if (Array.isArray(branches))
      result[key] = branches.map((branch) => allowReferences(branch as JsonSchema));
  }
  return result;
}

/** The JSON Schema generated from `configSchema`, describing the file as written (input side). */
export function generatedConfigJsonSchema(): JsonSchema {
  return z.toJSONSchema(configSchema, {
    io: 'input',
    target: 'draft-2020-12',
    unrepresentable: 'any',
  }) as JsonSchema;
}

/**
 * The JSON Schema of `portcullis.yaml` for editors (yaml-language-server, VS Code, JetBrains),
 * generated from the one zod schema. Defaults and descriptions are included; string and integer
 * values also accept `${env:NAME}` / `${file:PATH}` references. The committed copy is
 * `packages/shield/schema/portcullis.schema.json`; regenerate it with
 * `node --import tsx packages/shield/src/config/write-json-schema.ts`.
 *
 * @example
 * ```yaml
 * # yaml-language-server: $schema=./node_modules/@portcullis/shield/schema/portcullis.schema.json
 * ```
 */
export function configJsonSchema(): JsonSchema {
  const { $schema, ...generated } = generatedConfigJsonSchema();
  return {
    $schema,
    $id: 'https://portcullis.dev/schema/portcullis.schema.json',
    title: 'portcullis.yaml',
    ...allowReferences(generated),
    $defs: { reference: REFERENCE_DEF },
  };
}

/** The exact text of the committed JSON Schema file. */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
