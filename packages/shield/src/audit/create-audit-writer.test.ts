import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { AuditLog, AuditRecord } from '../stores/ports.js';
import { createAuditWriter } from './create-audit-writer.js';

function record(i: number): Omit<AuditRecord, 'instance'> {
  return {
    ts: 1_700_000_000_000 + i,
    requestId: `req-${i}`,
    event: 'gateway',
    decision: 'allow',
    code: 'ok',
    reason: null,
    appId: 'shop',
    routeId: 'items',
    method: 'GET',
    path: '/api/items',
    clientIp: '127.0.0.1',
    deviceIdHash: null,
    userIdHash: null,
    tokenJti: `jti-${i}`,
    level: 'hardware',
    upstreamStatus: 200,
    latencyMs: 1,
    details: null,
  };
}

/** An audit log that records what reached it; `bad` request ids are refused. */
function fakeLog(options: { batch: boolean; bad?: Set<string>; down?: () => boolean }) {
  const rows: AuditRecord[] = [];
  const appendCalls: number[] = [];
  const refuse = (r: AuditRecord) => options.down?.() === true || options.bad?.has(r.requestId) === true;
  const log: AuditLog = {
    async append(r) {
      appendCalls.push(1);
      if (refuse(r)) throw new Error('refused');
      rows.push(r);
    },
    async query() {
      return [];
    },
    async summarize() {
      return [];
    },
    async prune() {
      return 0;
    },
  };
  if (options.batch) {
    log.appendMany = async (records) => {
      appendCalls.push(records.length);
      if (records.some(refuse)) throw new Error('refused');
      rows.push(...records);
    };
  }
  return { log, rows, appendCalls };
}

const noFailures = () => assert.fail('no failure expected');

describe('createAuditWriter', () => {
  test('appends every record in order with the instance name, one append each without appendMany', async () => {
    const { log, rows, appendCalls } = fakeLog({ batch: false });
    const writer = createAuditWriter({ log, instance: 'edge-1', onFailure: noFailures });
    for (let i = 0; i < 5; i++) writer.write(record(i));
    await writer.flush();
    assert.deepEqual(
      rows.map((r) => [r.requestId, r.instance]),
      [0, 1, 2, 3, 4].map((i) => [`req-${i}`, 'edge-1']),
    );
    assert.deepEqual(appendCalls, [1, 1, 1, 1, 1]);
    assert.deepEqual(writer.stats(), { pending: 0, written: 5, failed: 0, dropped: 0 });
  });

  test('records of one turn reach appendMany together, in order, at most maxBatch at a time', async () => {
    const { log, rows, appendCalls } = fakeLog({ batch: true });
    const writer = createAuditWriter({ log, instance: 'edge-1', maxBatch: 4, onFailure: noFailures });
    for (let i = 0; i < 10; i++) writer.write(record(i));
    assert.equal(writer.stats().pending, 10);
    assert.equal(rows.length, 0, 'nothing is written on the request path');
    await writer.flush();
    assert.deepEqual(appendCalls, [4, 4, 2]);
    assert.deepEqual(
      rows.map((r) => r.requestId),
      Array.from({ length: 10 }, (_, i) => `req-${i}`),
    );
    assert.deepEqual(writer.stats(), { pending: 0, written: 10, failed: 0, dropped: 0 });
  });

  test('records written while a batch is being appended go into the next batch; flush waits for them', async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { log, rows, appendCalls } = fakeLog({ batch: true });
    const appendMany = log.appendMany!;
    log.appendMany = async (records) => {
      await gate;
      return appendMany(records);
    };
    const writer = createAuditWriter({ log, instance: 'edge-1', onFailure: noFailures });
    writer.write(record(0));
    writer.write(record(1));
    await new Promise((resolve) => setImmediate(resolve));
    writer.write(record(2));
    const flushed = writer.flush();
    release();
    await flushed;
    assert.deepEqual(appendCalls, [2, 1]);
    assert.deepEqual(
      rows.map((r) => r.requestId),
      ['req-0', 'req-1', 'req-2'],
    );
  });

  test('a refused batch is retried record by record: only the bad record fails', async () => {
    const failures: string[] = [];
    const { log, rows } = fakeLog({ batch: true, bad: new Set(['req-2']) });
    const writer = createAuditWriter({ log, instance: 'edge-1', onFailure: (kind) => failures.push(kind) });
    for (let i = 0; i < 5; i++) writer.write(record(i));
    await writer.flush();
    assert.deepEqual(
      rows.map((r) => r.requestId),
      ['req-0', 'req-1', 'req-3', 'req-4'],
    );
    assert.deepEqual(failures, ['append_failed']);
    assert.deepEqual(writer.stats(), { pending: 0, written: 4, failed: 1, dropped: 0 });
  });

  test('a store outage counts every record as failed and the writer keeps going afterwards', async () => {
    let down = true;
    const failures: string[] = [];
    const { log, rows } = fakeLog({ batch: true, down: () => down });
    const writer = createAuditWriter({ log, instance: 'edge-1', onFailure: (kind) => failures.push(kind) });
    for (let i = 0; i < 3; i++) writer.write(record(i));
    await writer.flush();
    assert.equal(failures.length, 3);
    down = false;
    writer.write(record(3));
    await writer.flush();
    assert.deepEqual(
      rows.map((r) => r.requestId),
      ['req-3'],
    );
    assert.deepEqual(writer.stats(), { pending: 0, written: 1, failed: 3, dropped: 0 });
  });

  test('F-26: the queue is bounded: past maxPending records are dropped and reported, never buffered', async () => {
    const failures: string[] = [];
    const { log, rows } = fakeLog({ batch: true });
    const writer = createAuditWriter({
      log,
      instance: 'edge-1',
      maxPending: 3,
      onFailure: (kind) => failures.push(kind),
    });
    for (let i = 0; i < 5; i++) writer.write(record(i));
    assert.deepEqual(writer.stats(), { pending: 3, written: 0, failed: 0, dropped: 2 });
    assert.deepEqual(failures, ['queue_full', 'queue_full']);
    await writer.flush();
    assert.equal(rows.length, 3);
    writer.write(record(5));
    await writer.flush();
    assert.deepEqual(writer.stats(), { pending: 0, written: 4, failed: 0, dropped: 2 });
  });

  test('a throwing failure observer stops neither the writer nor the request path', async () => {
    const { log, rows } = fakeLog({ batch: false, bad: new Set(['req-0']) });
    const writer = createAuditWriter({
      log,
      instance: 'edge-1',
      maxPending: 2,
      onFailure: () => {
        throw new Error('observer broke');
      },
    });
    writer.write(record(0));
    writer.write(record(1));
    assert.doesNotThrow(() => writer.write(record(2)));
    await writer.flush();
    writer.write(record(3));
    await writer.flush();
    assert.deepEqual(
      rows.map((r) => r.requestId),
      ['req-1', 'req-3'],
    );
  });

  test('bad options are refused when the writer is built', () => {
    const { log } = fakeLog({ batch: false });
    for (const bad of [{ maxPending: 0 }, { maxBatch: 0 }, { maxBatch: 1.5 }]) {
      assert.throws(
        () => createAuditWriter({ log, instance: 'x', onFailure: noFailures, ...bad }),
        TypeError,
      );
    }
  });
});
