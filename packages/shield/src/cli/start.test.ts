import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';

// The CLI from its sources (the published bin runs the built dist/; the pack test covers that).
const entry = new URL('./entry.ts', import.meta.url).pathname;
let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'portcullis-start-'));
});
after(() => rm(dir, { recursive: true, force: true }));

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function config(store: string, port: number): Promise<string> {
  const file = join(await mkdtemp(join(dir, 'cfg-')), 'portcullis.yaml');
  await writeFile(
    file,
    [
      'issuer: http://127.0.0.1',
      `listen: { port: ${port} }`,
      `store: ${store}`,
      'logging: { level: warn }',
      'apps:',
      '  shop:',
      `    debugTokens: [{ name: ci, sha256: "${'a'.repeat(64)}", expires: 2099-01-01 }]`,
      '',
    ].join('\n'),
  );
  return file;
}

function run(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', entry, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

test('start --workers 2 serves on one port from two processes and drains on SIGTERM (exit 0)', async () => {
  const port = await freePort();
  const shield = run([
    'start',
    '--config',
    await config('{ kind: sqlite, path: ./db.sqlite }', port),
    '--workers',
    '2',
  ]);
  try {
    let ready = false;
    for (let i = 0; i < 300 && !ready; i++) {
      ready = await fetch(`http://127.0.0.1:${port}/readyz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (!ready) await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(ready, `not ready:\n${shield.output()}`);
    const jwks = await Promise.all(
      Array.from({ length: 6 }, () =>
        fetch(`http://127.0.0.1:${port}/.well-known/jwks.json`).then((r) => r.json()),
      ),
    );
    // Every worker serves the one signing key the primary created before forking.
    assert.equal(new Set(jwks.map((body) => JSON.stringify(body))).size, 1);
    shield.child.kill('SIGTERM');
    assert.equal(await shield.exited, 0, shield.output());
  } finally {
    shield.child.kill('SIGKILL');
  }
});

test('start refuses the memory store with several workers, and a bad --workers value, with a fix', async () => {
  const memory = run([
    'start',
    '--config',
    await config('{ kind: memory }', await freePort()),
    '--workers',
    '2',
  ]);
  assert.equal(await memory.exited, 1);
  assert.match(memory.output(), /fix: /);
  const bad = run([
    'start',
    '--config',
    await config('{ kind: memory }', await freePort()),
    '--workers',
    'many',
  ]);
  assert.equal(await bad.exited, 2);
  assert.match(bad.output(), /--workers many/);
});
