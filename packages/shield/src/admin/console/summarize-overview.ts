import type { AuditSummaryRow } from '../../stores/index.js';

/** Allowed, refused, limited, errored and would-be-refused counts. */
export interface DecisionCounts {
  allowed: number;
  refused: number;
  limited: number;
  errors: number;
  wouldRefuse: number;
}

/** The console's overview of a time window (see overviewSchema). */
export interface Overview {
  since: number;
  until: number;
  bucketMs: number;
  buckets: number[];
  series: Record<keyof DecisionCounts, number[]>;
  totals: DecisionCounts;
  refusalsByReason: { reason: string; count: number }[];
  byRoute: (DecisionCounts & { routeId: string })[];
  byPlatform: (DecisionCounts & { platform: string })[];
  byAppVersion: (DecisionCounts & { appVersion: string })[];
  attestations: { platform: string; verdict: string; count: number }[];
  limits: { reason: string; count: number }[];
}

const NICE_BUCKETS_MS = [1, 5, 10, 15, 30, 60, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400].map(
  (seconds) => seconds * 1000,
);

/** The smallest round bucket width that cuts `[since, until)` into at most `maxBuckets` buckets. */
export function bucketWidth(since: number, until: number, maxBuckets = 60): number {
  const span = Math.max(until - since, 1000);
  return (
    NICE_BUCKETS_MS.find((width) => span / width <= maxBuckets) ??
    Math.ceil(span / maxBuckets / 86_400_000) * 86_400_000
  );
}

const zero = (): DecisionCounts => ({ allowed: 0, refused: 0, limited: 0, errors: 0, wouldRefuse: 0 });

function countInto(counts: DecisionCounts, row: AuditSummaryRow): void {
  if (row.decision === 'allow') counts.allowed += row.count;
  else if (row.decision === 'deny') counts.refused += row.count;
  else if (row.decision === 'limit') counts.limited += row.count;
  else counts.errors += row.count;
  if (row.wouldRefuse !== null) counts.wouldRefuse += row.count;
}

function grouped<K extends string>(
  rows: readonly AuditSummaryRow[],
  key: (row: AuditSummaryRow) => string | null,
  name: K,
): (DecisionCounts & Record<K, string>)[] {
  const groups = new Map<string, DecisionCounts>();
  for (const row of rows) {
    const value = key(row);
    if (value === null) continue;
    const counts = groups.get(value) ?? zero();
    groups.set(value, counts);
    countInto(counts, row);
  }
  return [...groups]
    .map(([value, counts]) => ({ [name]: value, ...counts }) as DecisionCounts & Record<K, string>)
    .sort((a, b) => total(b) - total(a) || (a[name] < b[name] ? -1 : 1));
}

const total = (c: DecisionCounts) => c.allowed + c.refused + c.limited + c.errors;

function tally(entries: Iterable<[string, number]>): { key: string; count: number }[] {
  const counts = new Map<string, number>();
  for (const [key, count] of entries) counts.set(key, (counts.get(key) ?? 0) + count);
  return [...counts]
    .map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : 1));
}

const ATTEST_PLATFORMS: Record<string, string> = { ios: 'ios', android: 'android', debug: 'debug' };

/**
 * Folds the store's summary rows of `[since, until)` into the overview the console draws:
 * gateway requests over time by decision, refusals by reason, per route, platform and app
 * version; attestations by platform and verdict; limit and budget hits. Pure: the same rows
 * give the same overview.
 *
 * @example
 * ```ts
 * const bucketMs = bucketWidth(since, until);
 * summarizeOverview(await audit.summarize({ since, until, bucketMs }), { since, until, bucketMs });
 * ```
 */
export function summarizeOverview(
  rows: readonly AuditSummaryRow[],
  window: { since: number; until: number; bucketMs: number },
): Overview {
  const { since, until, bucketMs } = window;
  const first = since - (since % bucketMs);
  const buckets: number[] = [];
  for (let at = first; at < until; at += bucketMs) buckets.push(at);
  const series: Overview['series'] = {
    allowed: buckets.map(() => 0),
    refused: buckets.map(() => 0),
    limited: buckets.map(() => 0),
    errors: buckets.map(() => 0),
    wouldRefuse: buckets.map(() => 0),
  };
  const gateway = rows.filter((row) => row.event === 'gateway');
  const totals = zero();
  for (const row of gateway) {
    countInto(totals, row);
    const index = (row.bucket - first) / bucketMs;
    if (!Number.isInteger(index) || index < 0 || index >= buckets.length) continue;
    const bucket = zero();
    countInto(bucket, row);
    for (const name of Object.keys(series) as (keyof DecisionCounts)[]) series[name][index]! += bucket[name];
  }
  const attest = rows.filter((row) => row.event === 'attest' || row.event === 'assert');
  return {
    since,
    until,
    bucketMs,
    buckets,
    series,
    totals,
    refusalsByReason: tally(
      gateway.filter((row) => row.decision === 'deny').map((row) => [row.reason ?? row.code, row.count]),
    ).map(({ key, count }) => ({ reason: key, count })),
    byRoute: grouped(gateway, (row) => row.routeId, 'routeId'),
    byPlatform: grouped(gateway, (row) => row.platform, 'platform'),
    byAppVersion: grouped(gateway, (row) => row.appVersion, 'appVersion'),
    attestations: tally(
      attest.map((row) => [
        `${ATTEST_PLATFORMS[row.platform ?? ''] ?? 'unknown'}\u0000${row.decision === 'allow' ? 'verified' : (row.reason ?? row.code)}`,
        row.count,
      ]),
    ).map(({ key, count }) => {
      const [platform, verdict] = key.split('\u0000') as [string, string];
      return { platform, verdict, count };
    }),
    limits: tally(
      rows.filter((row) => row.decision === 'limit').map((row) => [row.reason ?? row.code, row.count]),
    ).map(({ key, count }) => ({ reason: key, count })),
  };
}

/** Per route: the share of requests and app versions that enforcement would refuse. */
export interface WhatBreaks {
  since: number;
  until: number;
  routes: {
    routeId: string;
    requests: number;
    wouldRefuse: number;
    share: number;
    reasons: { reason: string; count: number }[];
    appVersions: { appVersion: string; requests: number; wouldRefuse: number; share: number }[];
  }[];
}

/**
 * "What breaks if I enforce": from the gateway records of `[since, until)`, per route, how many
 * requests a monitor-mode route let through that enforcement would refuse (`wouldRefuse`), their
 * share, the reasons, and the same per app version. Routes without any would-be refusal are
 * listed too (share 0), so a route that is safe to enforce shows as such.
 *
 * @example
 * ```ts
 * whatBreaks(await audit.summarize({ since, until, bucketMs: until - since }), { since, until });
 * ```
 */
export function whatBreaks(
  rows: readonly AuditSummaryRow[],
  window: { since: number; until: number },
): WhatBreaks {
  const routes = new Map<
    string,
    {
      requests: number;
      wouldRefuse: number;
      reasons: Map<string, number>;
      versions: Map<string, [number, number]>;
    }
  >();
  for (const row of rows) {
    if (row.event !== 'gateway' || row.routeId === null) continue;
    let route = routes.get(row.routeId);
    if (route === undefined) {
      route = { requests: 0, wouldRefuse: 0, reasons: new Map(), versions: new Map() };
      routes.set(row.routeId, route);
    }
    route.requests += row.count;
    const refused = row.wouldRefuse !== null ? row.count : 0;
    route.wouldRefuse += refused;
    if (row.wouldRefuse !== null)
      route.reasons.set(row.wouldRefuse, (route.reasons.get(row.wouldRefuse) ?? 0) + row.count);
    const version = row.appVersion ?? 'unknown';
    const counts = route.versions.get(version) ?? [0, 0];
    route.versions.set(version, [counts[0] + row.count, counts[1] + refused]);
  }
  const share = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);
  return {
    since: window.since,
    until: window.until,
    routes: [...routes]
      .map(([routeId, route]) => ({
        routeId,
        requests: route.requests,
        wouldRefuse: route.wouldRefuse,
        share: share(route.wouldRefuse, route.requests),
        reasons: [...route.reasons]
          .map(([reason, count]) => ({ reason, count }))
          .sort((a, b) => b.count - a.count),
        appVersions: [...route.versions]
          .map(([appVersion, [requests, refused]]) => ({
            appVersion,
            requests,
            wouldRefuse: refused,
            share: share(refused, requests),
          }))
          .sort((a, b) => b.wouldRefuse - a.wouldRefuse || b.requests - a.requests),
      }))
      .sort((a, b) => b.wouldRefuse - a.wouldRefuse || (a.routeId < b.routeId ? -1 : 1)),
  };
}
