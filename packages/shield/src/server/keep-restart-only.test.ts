import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type Config, parseConfig } from '../config/index.js';
import { keepRestartOnly } from './keep-restart-only.js';

const load = (text: string): Promise<Config> =>
  parseConfig(`issuer: https://shield.example.com\n${text}`, {
    baseDir: '/etc/portcullis',
    env: {},
    readFile: async () => {
      throw new Error('no files here');
    },
  });

describe('keepRestartOnly', () => {
  test('an unchanged file keeps nothing and is applied as it is', async () => {
    const running = await load('listen: { port: 8080 }\n');
    const next = await load('listen: { port: 8080 }\nhttp: { maxBodyBytes: 2048 }\n');
    const { config, kept } = keepRestartOnly(running, next);
    assert.deepEqual(kept, []);
    assert.equal(config, next);
  });

  test('restart-only settings keep their running values; everything else comes from the new file', async () => {
    const running = await load(
      'listen: { port: 8080 }\nstore: { kind: sqlite, path: /var/a.db }\nworkers: 2\n',
    );
    const next = await load(
      'listen: { port: 9000, host: 0.0.0.0 }\nstore: { kind: memory }\nworkers: 1\nhttp: { maxBodyBytes: 2048, requestTimeoutMs: 60000 }\nlogging: { level: debug }\n',
    );
    const { config, kept } = keepRestartOnly(running, next);
    assert.deepEqual(kept, ['workers', 'listen.host', 'listen.port', 'http.requestTimeoutMs', 'store']);
    assert.equal(config.listen.port, 8080);
    assert.equal(config.listen.host, '127.0.0.1');
    assert.deepEqual(config.store, { kind: 'sqlite', path: '/var/a.db' });
    assert.equal(config.workers, 2);
    assert.equal(config.http.requestTimeoutMs, 30_000);
    assert.equal(config.http.maxBodyBytes, 2048, 'reloadable settings are taken');
    assert.equal(config.logging.level, 'debug');
    assert.equal(next.listen.port, 9000, 'the new config itself is not changed');
  });

  test('an admin section that appears or goes away is kept as it runs', async () => {
    const running = await load('');
    const next = await load(`admin: { tokenSha256: "${'ab'.repeat(32)}" }\n`);
    const { config, kept } = keepRestartOnly(running, next);
    assert.deepEqual(kept, ['admin']);
    assert.equal(config.admin, undefined);
  });
});
