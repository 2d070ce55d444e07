import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createSqliteStores } from './sqlite/create-sqlite-stores.js';

// F-09: a crash mid-load (kill -9). SQLite in WAL mode keeps every write whose promise resolved:
// the process that wrote them is killed while it writes, and the reopened store holds them all.

const WRITER = new URL('./test-support/sqlite-crash-writer.ts', import.meta.url).pathname;

test('F-09: after kill -9 mid-write, every device and audit record the writer saw committed is in the store', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-crash-'));
  const path = join(dir, 'shield.db');
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', WRITER, path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let committed = -1;
    let buffered = '';
    const killed = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    await new Promise<void>((resolve, reject) => {
      child.once('error', reject);
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split('\n');
        buffered = lines.pop() ?? '';
        for (const line of lines) committed = Number(/^committed (\d+)$/.exec(line)?.[1] ?? committed);
        if (committed >= 200) {
          child.kill('SIGKILL');
          resolve();
        }
      });
      child.once('exit', () => resolve());
    });
    assert.equal(await killed, 'SIGKILL', 'the writer was killed, not finished');
    assert.ok(committed >= 200);

    const stores = createSqliteStores({ path });
    try {
      for (let i = 0; i <= committed; i++) {
        assert.ok(await stores.devices.get(`crash-key-${i}`), `device ${i} was committed before the kill`);
      }
      for (let i = 0; i <= committed; i++) {
        const [record] = await stores.audit.query({ limit: 1, requestId: `crash-request-${i}` });
        assert.ok(record, `audit record ${i} was committed before the kill`);
      }
    } finally {
      await stores.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
