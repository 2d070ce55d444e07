import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { KeyStatus } from '../tokens/index.js';
import { adminError } from './admin-error.js';
import { formatPrometheusText, type MetricFamily } from './format-prometheus-text.js';

/** What `/metrics` serves: the exposition text, and a way to stop the event-loop monitor. */
export interface AdminMetrics {
  /** The metrics now, in the Prometheus text format. Starts a new event-loop delay interval. */
  render(): string;
  /** The metrics now, as families (what `render` writes). Starts a new event-loop delay interval. */
  collect(): MetricFamily[];
  /** Stops sampling the event loop. */
  close(): void;
}

export interface AdminMetricsOptions {
  /**
   * The shield's own numbers, read at every scrape. Names are lower_snake_case; one ending in
   * `_total` is exposed as a counter, any other as a gauge, each as `portcullis_<name>`.
   */
  stats(): Record<string, number>;
  /** The signing keys, counted by status. */
  keys: { list(): ReadonlyArray<{ status: KeyStatus }> };
  /** Further families served as they are (the shield's per-route counters and histograms). */
  families?(): MetricFamily[];
}

const PREFIX = 'portcullis_';
const STAT_NAME = /^[a-z][a-z0-9_]*$/;
/** Names of the built-in families (without the prefix), which a stat may not take. */
const RESERVED = /^(?:process_|event_loop_|signing_keys$)/;
const KEY_STATUSES = ['active', 'next', 'retiring', 'retired'] as const satisfies readonly KeyStatus[];
/** Event-loop sampling interval, ms. Node records the time between samples, this interval included. */
const RESOLUTION_MS = 10;

function statFamily(name: string, value: number): MetricFamily {
  if (!STAT_NAME.test(name) || RESERVED.test(name) || typeof value !== 'number') {
    throw adminError('admin_stat_name_invalid', { message: 'stats() returned an unusable metric name' });
  }
  const counter = name.endsWith('_total');
  return {
    name: `${PREFIX}${name}`,
    help: `${counter ? 'Count' : 'Current value'} kept by the shield: ${name.replace(/_total$/, '').replaceAll('_', ' ')}.`,
    type: counter ? 'counter' : 'gauge',
    samples: [{ value }],
  };
}

/**
 * The admin listener's metrics: the shield's counters from `stats()`, the signing keys by status,
 * and process metrics (resident memory, heap in use, uptime, event-loop delay p99 and maximum
 * since the previous scrape, from `perf_hooks.monitorEventLoopDelay`, with the sampling interval
 * taken off). Call `close()` when the shield stops.
 *
 * @example
 * ```ts
 * const metrics = createAdminMetrics({ stats: () => ({ audit_written_total: 3 }), keys });
 * res.end(metrics.render());
 * ```
 */
export function createAdminMetrics(options: AdminMetricsOptions): AdminMetrics {
  const delay = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  delay.enable();
  const lagSeconds = (nanoseconds: number): number =>
    delay.count === 0 ? Number.NaN : Math.max(0, nanoseconds - RESOLUTION_MS * 1e6) / 1e9;

  const collect = (): MetricFamily[] => {
    const families: MetricFamily[] = Object.entries(options.stats()).map(([name, value]) =>
      statFamily(name, value),
    );
    families.push(...(options.families?.() ?? []));
    const byStatus = new Map<KeyStatus, number>(KEY_STATUSES.map((status) => [status, 0]));
    for (const key of options.keys.list()) byStatus.set(key.status, (byStatus.get(key.status) ?? 0) + 1);
    const memory = process.memoryUsage();
    families.push(
      {
        name: `${PREFIX}signing_keys`,
        help: 'Signing keys on disk by life-cycle status.',
        type: 'gauge',
        samples: KEY_STATUSES.map((status) => ({ labels: { status }, value: byStatus.get(status) ?? 0 })),
      },
      {
        name: `${PREFIX}process_resident_memory_bytes`,
        help: 'Resident set size of the shield process, bytes.',
        type: 'gauge',
        samples: [{ value: memory.rss }],
      },
      {
        name: `${PREFIX}process_heap_used_bytes`,
        help: 'V8 heap in use, bytes.',
        type: 'gauge',
        samples: [{ value: memory.heapUsed }],
      },
      {
        name: `${PREFIX}process_uptime_seconds`,
        help: 'Seconds since the shield process started.',
        type: 'gauge',
        samples: [{ value: process.uptime() }],
      },
      {
        name: `${PREFIX}event_loop_delay_p99_seconds`,
        help: 'Event-loop delay, 99th percentile since the previous scrape, seconds (NaN: no sample yet).',
        type: 'gauge',
        samples: [{ value: lagSeconds(delay.percentile(99)) }],
      },
      {
        name: `${PREFIX}event_loop_delay_max_seconds`,
        help: 'Longest event-loop delay since the previous scrape, seconds (NaN: no sample yet).',
        type: 'gauge',
        samples: [{ value: lagSeconds(delay.max) }],
      },
    );
    delay.reset();
    return families;
  };

  return {
    collect,
    render: () => formatPrometheusText(collect()),
    close() {
      delay.disable();
    },
  };
}
