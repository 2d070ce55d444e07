import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { nginxConfigText } from './nginx-config.js';

test('the upstream refuses requests without the provider key; the proxy injects it over keep-alive', () => {
  const upstream = nginxConfigText({ role: 'upstream', port: 1, dir: '/d', secret: 's3cret', workers: 1 });
  assert.match(upstream, /if \(\$http_x_provider_key != 's3cret'\) \{ return 403; \}/);
  assert.match(upstream, /access_log off;/);
  const proxy = nginxConfigText({
    role: 'proxy',
    port: 2,
    dir: '/d',
    secret: 's3cret',
    workers: 2,
    upstreamPort: 1,
  });
  assert.match(proxy, /worker_processes 2;/);
  assert.match(proxy, /keepalive 128;/);
  assert.match(proxy, /proxy_set_header Connection "";/);
  assert.match(proxy, /proxy_set_header x-provider-key 's3cret';/);
});

test('a secret that could break out of the quoted value is refused', () => {
  for (const secret of ["a'b", 'a\\b', 'a b', 'a\nb']) {
    assert.throws(
      () => nginxConfigText({ role: 'upstream', port: 1, dir: '/d', secret, workers: 1 }),
      TypeError,
    );
  }
});

test('nginx itself accepts both configs (skipped when nginx is not installed)', (t) => {
  if (spawnSync('nginx', ['-v']).error !== undefined) return t.skip('nginx not installed');
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-nginx-test-'));
  try {
    for (const role of ['upstream', 'proxy'] as const) {
      const file = join(dir, `${role}.conf`);
      writeFileSync(
        file,
        nginxConfigText({ role, port: 1, dir, secret: 'abc', workers: 1, upstreamPort: 2 }),
      );
      const check = spawnSync('nginx', ['-t', '-p', dir, '-c', file, '-e', join(dir, 'error.log')], {
        encoding: 'utf8',
      });
      assert.equal(check.status, 0, check.stderr);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
