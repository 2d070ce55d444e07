import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatPrometheusText } from '../admin/index.js';
import { parseExposition } from '../admin/test-support/parse-exposition.js';
import type { AuditRecord } from '../stores/ports.js';
import { createRequestMetrics } from './create-request-metrics.js';

function record(overrides: Partial<Omit<AuditRecord, 'instance'>>): Omit<AuditRecord, 'instance'> {
  return {
    ts: 0,
    requestId: 'r',
    event: 'gateway',
    decision: 'allow',
    code: 'ok',
    reason: null,
    appId: null,
    routeId: 'items',
    method: 'GET',
    path: '/items',
    clientIp: '127.0.0.1',
    deviceIdHash: null,
    userIdHash: null,
    tokenJti: null,
    level: null,
    upstreamStatus: 200,
    latencyMs: 3,
    details: null,
    ...overrides,
  };
}

describe('createRequestMetrics', () => {
  test('counts requests by route and code, latency by route, attestations by platform and verdict, store errors', () => {
    const metrics = createRequestMetrics();
    metrics.observe(record({}));
    metrics.observe(record({ latencyMs: 2000 }));
    metrics.observe(record({ code: 'token_missing', decision: 'deny', latencyMs: 0 }));
    metrics.observe(record({ routeId: null, code: 'route_not_found', decision: 'deny' }));
    metrics.observe(record({ event: 'attest', routeId: null, code: 'ok' }), 'ios');
    metrics.observe(record({ event: 'attest', routeId: null, code: 'evidence_invalid' }), 'android');
    metrics.observe(record({ event: 'admin', routeId: null, code: 'ok' }));
    metrics.storeError('limits', 'redis_timeout');
    const parsed = parseExposition(formatPrometheusText(metrics.families()));

    const requests = parsed
      .get('portcullis_requests_total')
      ?.samples.map((s) => [s.labels['route'], s.labels['code'], s.value]);
    assert.deepEqual(requests, [
      ['items', 'ok', 2],
      ['items', 'token_missing', 1],
      ['none', 'route_not_found', 1],
      ['shield:attest', 'ok', 1],
      ['shield:attest', 'evidence_invalid', 1],
    ]);
    const items = (parsed.get('portcullis_request_duration_seconds')?.samples ?? []).filter(
      (s) => s.labels['route'] === 'items',
    );
    const bucket = (le: string) => items.find((s) => s.suffix === '_bucket' && s.labels['le'] === le)?.value;
    assert.equal(bucket('0.001'), 1, 'the 0 ms request');
    assert.equal(bucket('0.005'), 2);
    assert.equal(bucket('2.5'), 3);
    assert.equal(bucket('+Inf'), 3);
    assert.equal(items.find((s) => s.suffix === '_sum')?.value, 2.003);
    assert.deepEqual(
      parsed
        .get('portcullis_attestations_total')
        ?.samples.map((s) => [s.labels['endpoint'], s.labels['platform'], s.labels['verdict'], s.value]),
      [
        ['attest', 'ios', 'ok', 1],
        ['attest', 'android', 'evidence_invalid', 1],
      ],
    );
    assert.deepEqual(parsed.get('portcullis_store_errors_total')?.samples, [
      { labels: { store: 'limits', reason: 'redis_timeout' }, value: 1 },
    ]);
  });
});
