import type { MetricFamily, MetricSample } from '../admin/index.js';
import type { AuditRecord } from '../stores/ports.js';

/** Upper bounds of the latency histogram buckets, seconds (`+Inf` is implied). */
export const LATENCY_BUCKETS_SECONDS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
] as const;

/** Counters of the shield's traffic, kept in memory and read at every scrape. */
export interface RequestMetrics {
  /** Counts one finished request from its audit record (gateway and attestation endpoints). */
  observe(record: Omit<AuditRecord, 'instance'>, platform?: string | null): void;
  /** Counts one store failure, by store (`state`, `limits`) and reason. */
  storeError(store: 'state' | 'limits', reason: string): void;
  /** The counters and histograms as metric families (`portcullis_` names). */
  families(): MetricFamily[];
}

interface Histogram {
  buckets: Float64Array;
  sum: number;
  count: number;
}

const SEPARATOR = '\u0000';

function increment(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function labelled(map: Map<string, number>, names: readonly string[]): MetricSample[] {
  return [...map].map(([key, value]) => {
    const parts = key.split(SEPARATOR);
    return { labels: Object.fromEntries(names.map((name, i) => [name, parts[i] ?? ''])), value };
  });
}

/**
 * Per-request metrics from the audit records the shield writes anyway, so the gateway's hot path
 * gains no step of its own: requests by route and outcome code, a latency histogram by route,
 * attestation results by endpoint, platform and verdict, and store errors. Every label value comes
 * from the config (route ids) or a fixed catalog (codes, platforms, reasons), never from a client,
 * so the number of series stays bounded.
 *
 * @example
 * ```ts
 * const metrics = createRequestMetrics();
 * const audit = (record) => { metrics.observe(record); writer.write(record); };
 * ```
 */
export function createRequestMetrics(): RequestMetrics {
  const requests = new Map<string, number>();
  const latency = new Map<string, Histogram>();
  const attestations = new Map<string, number>();
  const storeErrors = new Map<string, number>();

  return {
    observe(record, platform) {
      if (record.event === 'admin') return;
      const route = record.event === 'gateway' ? (record.routeId ?? 'none') : `shield:${record.event}`;
      increment(requests, `${route}${SEPARATOR}${record.code}`);
      // Requests the HTTP server refused before any handler carry no latency.
      if (record.latencyMs !== null) {
        let histogram = latency.get(route);
        if (histogram === undefined) {
          histogram = { buckets: new Float64Array(LATENCY_BUCKETS_SECONDS.length), sum: 0, count: 0 };
          latency.set(route, histogram);
        }
        const seconds = Math.max(0, record.latencyMs) / 1000;
        for (let i = 0; i < LATENCY_BUCKETS_SECONDS.length; i++) {
          if (seconds <= LATENCY_BUCKETS_SECONDS[i]!) histogram.buckets[i]!++;
        }
        histogram.sum += seconds;
        histogram.count++;
      }
      if (record.event === 'attest' || record.event === 'assert') {
        increment(
          attestations,
          `${record.event}${SEPARATOR}${platform ?? 'unknown'}${SEPARATOR}${record.code}`,
        );
      }
    },
    storeError(store, reason) {
      increment(storeErrors, `${store}${SEPARATOR}${reason}`);
    },
    families() {
      const latencySamples: MetricSample[] = [];
      for (const [route, histogram] of latency) {
        LATENCY_BUCKETS_SECONDS.forEach((bound, i) => {
          latencySamples.push({
            suffix: '_bucket',
            labels: { route, le: String(bound) },
            value: histogram.buckets[i]!,
          });
        });
        latencySamples.push(
          { suffix: '_bucket', labels: { route, le: '+Inf' }, value: histogram.count },
          { suffix: '_sum', labels: { route }, value: histogram.sum },
          { suffix: '_count', labels: { route }, value: histogram.count },
        );
      }
      return [
        {
          name: 'portcullis_requests_total',
          help: 'Requests answered on the public listener, by route (gateway route id, shield:<endpoint>, or none) and outcome code.',
          type: 'counter',
          samples: labelled(requests, ['route', 'code']),
        },
        {
          name: 'portcullis_request_duration_seconds',
          help: 'Time from a request’s arrival to its audit record, by route, seconds.',
          type: 'histogram',
          samples: latencySamples,
        },
        {
          name: 'portcullis_attestations_total',
          help: 'Answers of /v1/attest and /v1/assert, by endpoint, platform and verdict (ok or the error code).',
          type: 'counter',
          samples: labelled(attestations, ['endpoint', 'platform', 'verdict']),
        },
        {
          name: 'portcullis_store_errors_total',
          help: 'Store failures reported by the state store (challenges, devices, replay, audit) and the limit store, by reason.',
          type: 'counter',
          samples: labelled(storeErrors, ['store', 'reason']),
        },
      ];
    },
  };
}
