import type { ScanSummary } from '../types.js';

/** `--json`: the summary as one JSON document (findings carry redacted values and fingerprints only). */
export function renderJson(summary: ScanSummary): string {
  return JSON.stringify({ schema: 'portcullis-scan/1', ...summary }, null, 2);
}
