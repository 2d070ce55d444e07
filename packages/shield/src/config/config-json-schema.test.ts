import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { describe, test } from 'node:test';
import { configJsonSchema, configJsonSchemaText } from './config-json-schema.js';
import { JSON_SCHEMA_FILE } from './write-json-schema.js';

describe('configJsonSchema', () => {
  test('the committed packages/shield/schema/portcullis.schema.json is the generated one', async () => {
    const committed = await readFile(JSON_SCHEMA_FILE, 'utf8');
    assert.ok(
      committed === configJsonSchemaText(),
      'the JSON Schema is out of date: run `node --import tsx packages/shield/src/config/write-json-schema.ts` and commit it',
    );
  });

  test('is strict, shows defaults, and lets any string or integer be a reference', () => {
    const schema = configJsonSchema() as {
      additionalProperties: unknown;
      required: string[];
      properties: Record<string, { properties?: Record<string, { default?: unknown; anyOf?: unknown[] }> }>;
      $defs: Record<string, { pattern: string }>;
    };
    assert.equal(schema.additionalProperties, false);
    assert.deepEqual(schema.required, ['issuer']);
    const port = schema.properties['listen']?.properties?.['port'];
    assert.equal(port?.default, 8080);
    assert.deepEqual(port?.anyOf?.at(-1), { $ref: '#/$defs/reference' });
    const reference = new RegExp(schema.$defs['reference']?.pattern ?? '^$');
    assert.ok(reference.test(`http://127.0.0.1:\${env:PORT}`));
    assert.ok(reference.test(`\${file:secrets/stripe}`));
    assert.ok(!reference.test(`\${secret:stripe}`));
  });
});
