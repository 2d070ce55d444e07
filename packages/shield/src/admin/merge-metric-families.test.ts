import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatPrometheusText, type MetricFamily } from './format-prometheus-text.js';
import { mergeWorkerFamilies } from './merge-metric-families.js';
import { parseExposition } from './test-support/parse-exposition.js';

function worker(requests: number, memory: number, latency: [number, number]): MetricFamily[] {
  return [
    {
      name: 'portcullis_requests_total',
      help: 'Requests.',
      type: 'counter',
      samples: [{ labels: { route: 'items', code: 'ok' }, value: requests }],
    },
    {
      name: 'portcullis_process_resident_memory_bytes',
      help: 'Memory.',
      type: 'gauge',
      samples: [{ value: memory }],
    },
    {
      name: 'portcullis_request_duration_seconds',
      help: 'Latency.',
      type: 'histogram',
      samples: [
        { suffix: '_bucket', labels: { route: 'items', le: '0.1' }, value: latency[0] },
        { suffix: '_bucket', labels: { route: 'items', le: '+Inf' }, value: latency[1] },
        { suffix: '_sum', labels: { route: 'items' }, value: latency[1] / 100 },
        { suffix: '_count', labels: { route: 'items' }, value: latency[1] },
      ],
    },
  ];
}

describe('mergeWorkerFamilies', () => {
  test('adds counters and histograms up, and keeps one gauge sample per worker', () => {
    const merged = mergeWorkerFamilies([
      { worker: 1, families: worker(3, 100, [2, 3]) },
      { worker: 2, families: worker(4, 200, [1, 4]) },
    ]);
    const parsed = parseExposition(formatPrometheusText(merged));
    assert.deepEqual(parsed.get('portcullis_requests_total')?.samples, [
      { labels: { route: 'items', code: 'ok' }, value: 7 },
    ]);
    assert.deepEqual(
      parsed
        .get('portcullis_process_resident_memory_bytes')
        ?.samples.map((s) => [s.labels['worker'], s.value]),
      [
        ['1', 100],
        ['2', 200],
      ],
    );
    const latency = parsed.get('portcullis_request_duration_seconds')?.samples ?? [];
    assert.deepEqual(
      latency.map((s) => [s.suffix, s.labels['le'] ?? null, s.value]),
      [
        ['_bucket', '0.1', 3],
        ['_bucket', '+Inf', 7],
        ['_sum', null, 0.07],
        ['_count', null, 7],
      ],
    );
  });

  test('a series only one worker has is kept as it is', () => {
    const lone: MetricFamily[] = [
      {
        name: 'portcullis_store_errors_total',
        help: 'Store errors.',
        type: 'counter',
        samples: [{ labels: { store: 'limits', reason: 'redis_timeout' }, value: 2 }],
      },
    ];
    const merged = mergeWorkerFamilies([
      { worker: 1, families: worker(1, 1, [1, 1]) },
      { worker: 2, families: [...worker(1, 1, [1, 1]), ...lone] },
    ]);
    assert.deepEqual(
      merged.find((f) => f.name === 'portcullis_store_errors_total')?.samples,
      lone[0]!.samples,
    );
  });
});
