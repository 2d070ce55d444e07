import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditQuerySchema } from '../admin-schemas.js';
import { createOpenApiDocument } from './create-openapi-document.js';

type Json = Record<string, unknown>;

function refs(node: unknown, found: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) refs(item, found);
  else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.push(value);
      else refs(value, found);
    }
  }
  return found;
}

test('the OpenAPI document is OpenAPI 3.1 with resolvable references and a response per operation', () => {
  const document = createOpenApiDocument('1.2.3') as unknown as Json;
  assert.equal(document['openapi'], '3.1.0');
  assert.equal((document['info'] as Json)['version'], '1.2.3');
  const components = (document['components'] as Json)['schemas'] as Json;
  for (const ref of refs(document)) {
    assert.match(ref, /^#\/components\/schemas\//);
    assert.ok(components[ref.split('/').at(-1)!] !== undefined, ref);
  }
  const methods = ['get', 'post', 'put', 'delete', 'patch', 'head'];
  for (const [path, item] of Object.entries(document['paths'] as Record<string, Json>)) {
    assert.match(path, /^\//);
    for (const [method, operation] of Object.entries(item)) {
      assert.ok(methods.includes(method), `${path} ${method}`);
      const responses = (operation as Json)['responses'] as Json;
      assert.ok(Object.keys(responses).length > 0, `${path} ${method}`);
      for (const [status, response] of Object.entries(responses)) {
        assert.match(status, /^(default|[1-5][0-9]{2})$/);
        assert.equal(typeof (response as Json)['description'], 'string', `${path} ${method} ${status}`);
      }
      for (const parameter of ((operation as Json)['parameters'] as Json[] | undefined) ?? []) {
        assert.ok(['query', 'path'].includes(parameter['in'] as string));
        if (parameter['in'] === 'path') {
          assert.equal(parameter['required'], true);
          assert.ok(path.includes(`{${parameter['name']}}`), `${path} names ${parameter['name']}`);
        }
      }
    }
  }
  JSON.parse(JSON.stringify(document));
});

test('query parameters come from the schemas the readers parse with', () => {
  const document = createOpenApiDocument('0') as unknown as {
    paths: Record<string, { get: { parameters: Json[] } }>;
  };
  const names = document.paths['/audit']!.get.parameters.map((p) => p['name']);
  assert.deepEqual(names, Object.keys(auditQuerySchema.shape));
  const limit = document.paths['/audit']!.get.parameters.find((p) => p['name'] === 'limit')!;
  assert.equal((limit['schema'] as Json)['pattern'], '^[1-9][0-9]{0,3}$');
});
