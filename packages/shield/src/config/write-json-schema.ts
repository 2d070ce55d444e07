import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { configJsonSchemaText } from './config-json-schema.js';

/** Where the committed JSON Schema of portcullis.yaml lives. */
export const JSON_SCHEMA_FILE = fileURLToPath(
  new URL('../../schema/portcullis.schema.json', import.meta.url),
);

/**
 * Writes the JSON Schema generated from the config schema to `target` (default: the committed
 * file). Run after changing the schema:
 * `node --import tsx packages/shield/src/config/write-json-schema.ts`
 */
export async function writeJsonSchema(target: string = JSON_SCHEMA_FILE): Promise<void> {
  await writeFile(target, configJsonSchemaText());
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await writeJsonSchema();
  console.log(`wrote ${JSON_SCHEMA_FILE}`);
}
