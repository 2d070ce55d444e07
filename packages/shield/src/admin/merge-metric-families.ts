import type { MetricFamily, MetricSample } from './format-prometheus-text.js';

/** The metric families one worker process reported, and which worker it is. */
export interface WorkerFamilies {
  worker: number;
  families: readonly MetricFamily[];
}

function sampleKey(sample: MetricSample): string {
  const labels = Object.entries(sample.labels ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `${sample.suffix ?? ''}${JSON.stringify(labels)}`;
}

/**
 * One view of several worker processes: counters and histograms are added up series by series
 * (a scrape counts the whole shield, whichever worker answers it); gauges (memory, event-loop
 * delay, cache sizes, signing keys) keep one sample per worker with a `worker` label, since a
 * sum or a mean of them would hide the worker in trouble. Families keep the order in which they
 * first appear.
 *
 * @example
 * ```ts
 * mergeWorkerFamilies([{ worker: 1, families: a }, { worker: 2, families: b }]);
 * ```
 */
export function mergeWorkerFamilies(reports: readonly WorkerFamilies[]): MetricFamily[] {
  const merged = new Map<string, { family: MetricFamily; samples: Map<string, MetricSample> }>();
  for (const report of reports) {
    for (const family of report.families) {
      let entry = merged.get(family.name);
      if (entry === undefined) {
        entry = { family, samples: new Map() };
        merged.set(family.name, entry);
      }
      for (const sample of family.samples) {
        if (family.type === 'gauge') {
          const labelled = { ...sample, labels: { ...sample.labels, worker: String(report.worker) } };
          entry.samples.set(sampleKey(labelled), labelled);
          continue;
        }
        const key = sampleKey(sample);
        const known = entry.samples.get(key);
        entry.samples.set(
          key,
          known === undefined ? sample : { ...known, value: known.value + sample.value },
        );
      }
    }
  }
  return [...merged.values()].map(({ family, samples }) => ({ ...family, samples: [...samples.values()] }));
}
