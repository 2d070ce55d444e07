import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CLIENT_GZIP_BUDGET_BYTES, CORE_ONLY, EVERYTHING, measureClientBundle } from './size.js';

test('the client bundles for a neutral platform: no Node built-in, no run-time import, within budget', async () => {
  const everything = await measureClientBundle(EVERYTHING);
  assert.deepEqual(everything.externalImports, []);
  assert.ok(
    everything.gzip <= CLIENT_GZIP_BUDGET_BYTES,
    `${everything.gzip} gzip bytes > budget ${CLIENT_GZIP_BUDGET_BYTES}`,
  );
  assert.ok(
    everything.inputs.every(
      (input) => !input.includes('packages/shield') && !input.includes('packages/testkit'),
    ),
    'nothing of the shield or the test kit',
  );
  for (const nodeOnly of [/\brequire\(/, /\bnode:[a-z]/, /\bBuffer\./, /\bprocess\.env\b/]) {
    assert.doesNotMatch(everything.text, nodeOnly);
  }
  const core = await measureClientBundle(CORE_ONLY);
  assert.ok(core.gzip < everything.gzip, 'providers tree-shake away when unused');
});

test('a node: import in the client would fail the build', async () => {
  await assert.rejects(
    measureClientBundle("import 'node:crypto'; export * from './index.ts';"),
    /node:crypto/,
  );
});
