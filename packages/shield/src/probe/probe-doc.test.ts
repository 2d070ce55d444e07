import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { parseConfig } from '../config/index.js';
import { buildPlaybook } from './playbook/build-playbook.js';
import type { ProbeEnvironment } from './probe-types.js';

// docs/probe.md lists the playbook: every case the probe plays is documented with its threats,
// and every documented case is played.

const doc = readFileSync(new URL('../../../../docs/probe.md', import.meta.url), 'utf8');

test('docs/probe.md documents exactly the cases of the playbook, with the same threat IDs', async () => {
  const config = await parseConfig(
    `
mode: development
issuer: http://127.0.0.1:8080
store: { kind: memory }
apps:
  shop: { debugTokens: [{ name: ci, sha256: "${'0'.repeat(64)}", expires: 2099-01-01 }] }
secrets: { key: value-of-the-key }
routes:
  - { id: pay, match: { methods: [POST], path: /pay }, upstream: "http://127.0.0.1:1", require: { token: true, level: device, proof: true, apps: [shop] }, inject: { headers: { authorization: "Bearer \${secret:key}" } } }
  - { id: me, match: { methods: [GET], path: /me }, upstream: "http://127.0.0.1:1", require: { token: true, binding: true } }
  - { id: open, match: { methods: [GET], path: /open }, upstream: "http://127.0.0.1:1", public: true }
`,
    { baseDir: '/', env: {} },
  );
  const env = { mode: 'dry-run', config, dryRun: {}, echoRoute: null } as unknown as ProbeEnvironment;
  const played = new Map(buildPlaybook(env).map((c) => [c.id, c.threats.join(', ')]));
  const rows = new Map(
    [...doc.matchAll(/^\| `([a-z0-9-]+)` \|\s*([A-F0-9, -]*?)\s*\|/gm)].map((m) => [m[1]!, m[2]!.trim()]),
  );
  assert.deepEqual([...rows.keys()].sort(), [...played.keys()].sort());
  for (const [id, threats] of played) assert.equal(rows.get(id), threats, `${id}: threats in docs/probe.md`);
});
