import { scannerTargets } from './scanner-targets.js';
import type { BenchResults, SetupId, SetupResult, TargetResult } from './types.js';

/** Largest RSS growth, percent, after the first flood phase filled every bounded cache. */
export const FLOOD_GROWTH_LIMIT_PERCENT = 10;

type Inputs = Pick<BenchResults, 'setups' | 'flood' | 'micro' | 'checks'> &
  Pick<Partial<BenchResults>, 'scanner' | 'startup'>;

function round(value: number, digits = 2): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || b === 0) return null;
  return round(a / b);
}

function atLeast(value: number | null, minimum: number): boolean | null {
  return value === null ? null : value >= minimum;
}

function atMost(value: number | null, maximum: number): boolean | null {
  return value === null ? null : value <= maximum;
}

/**
 * The targets, each with its measured value and pass/miss, plus the ratios it asks to
 * report without a target. Ratios compare setups of the same run only. A value is null (and the
 * target neither met nor missed) when a setup it needs was skipped.
 *
 * @example
 * ```ts
 * const rows = evaluateTargets(results);
 * const missed = rows.filter((row) => row.pass === false);
 * ```
 */
export function evaluateTargets(results: Inputs): TargetResult[] {
  const setup = (id: SetupId): SetupResult | undefined =>
    results.setups.find((each) => each.id === id && each.rps !== null);
  const rps = (id: SetupId) => setup(id)?.rps ?? null;
  const memory = setup('portcullis-memory');
  const bare = setup('bare-proxy');
  const tokens = results.micro['tokens'] ?? {};
  const rows: TargetResult[] = [];
  const premise = results.checks.limitEnforced
    ? undefined
    : 'limits were not enforced by the shield in this run (the limit probe got no 429), so "full checks" are token + secret injection + revocation check + audit';

  const vsBare = ratio(rps('portcullis-memory'), rps('bare-proxy'));
  rows.push({
    id: 'full-checks-vs-bare-proxy',
    description: 'Portcullis (token, limits, secret injection; memory store) rps / bare Node proxy rps',
    value: vsBare,
    target: '>= 1.0x',
    pass: atLeast(vsBare, 1.0),
    ...(premise === undefined ? {} : { note: premise }),
  });
  // The same targets from CPU per request: when other processes take the pinned core away, rps
  // swings from round to round while the cost of a request mostly stays.
  const cost = (id: SetupId) => setup(id)?.cpuUsPerRequest ?? null;
  const vsBareCpu = ratio(cost('bare-proxy'), cost('portcullis-memory'));
  rows.push({
    id: 'full-checks-vs-bare-proxy-cpu',
    description:
      'The same from CPU per request: bare Node proxy CPU µs per request / Portcullis (memory store) CPU µs per request',
    value: vsBareCpu,
    target: '>= 1.0x',
    pass: atLeast(vsBareCpu, 1.0),
  });
  const sqliteVsBare = ratio(rps('portcullis-sqlite'), rps('bare-proxy'));
  rows.push({
    id: 'full-checks-sqlite-vs-bare-proxy',
    description:
      'Portcullis with the default SQLite store (audit appended per request) rps / bare Node proxy rps',
    value: sqliteVsBare,
    target: '>= 1.0x',
    pass: atLeast(sqliteVsBare, 1.0),
  });
  const vsExpress = ratio(rps('portcullis-memory'), rps('express'));
  rows.push({
    id: 'full-checks-vs-express',
    description:
      'Portcullis (memory store) rps / Express + jsonwebtoken + express-rate-limit + http-proxy-middleware rps',
    value: vsExpress,
    target: '>= 6x',
    pass: atLeast(vsExpress, 6),
  });
  const vsExpressCpu = ratio(cost('express'), cost('portcullis-memory'));
  rows.push({
    id: 'full-checks-vs-express-cpu',
    description: 'The same from CPU per request: Express stack / Portcullis (memory store)',
    value: vsExpressCpu,
    target: '>= 6x',
    pass: atLeast(vsExpressCpu, 6),
  });
  const p99Delta =
    memory?.p99Ms === null || memory?.p99Ms === undefined || bare?.p99Ms === null || bare?.p99Ms === undefined
      ? null
      : round(memory.p99Ms - bare.p99Ms);
  rows.push({
    id: 'p99-vs-bare-proxy',
    description: 'Portcullis (memory store) p99 minus the bare Node proxy p99, ms',
    value: p99Delta,
    target: '<= +1 ms',
    pass: atMost(p99Delta, 1),
  });
  const rss = ratio(memory?.peakRssMb, bare?.peakRssMb);
  rows.push({
    id: 'peak-rss-vs-bare-proxy',
    description:
      'Portcullis (memory store: its audit log keeps up to 100 000 records in memory) peak RSS / bare Node proxy peak RSS',
    value: rss,
    target: '<= 1.5x',
    pass: atMost(rss, 1.5),
  });
  const sqliteRss = ratio(setup('portcullis-sqlite')?.peakRssMb, bare?.peakRssMb);
  rows.push({
    id: 'peak-rss-sqlite-vs-bare-proxy',
    description: 'Portcullis (SQLite store) peak RSS / bare Node proxy peak RSS',
    value: sqliteRss,
    target: '<= 1.5x',
    pass: atMost(sqliteRss, 1.5),
  });
  const hit = ratio(tokens['hitPerSec'], tokens['bareVerifyPerSec']);
  rows.push({
    id: 'token-cache-hit-vs-bare-verify',
    description:
      'Token verifications per second on a cache hit / bare node:crypto ES256 verifications per second',
    value: hit,
    target: '>= 50x',
    pass: atLeast(hit, 50),
  });
  const miss = ratio(tokens['bareVerifyPerSec'], tokens['missPerSec']);
  rows.push({
    id: 'token-cache-miss-cost',
    description: 'Cost of a token verification on a cache miss / cost of a bare ES256 verify',
    value: miss,
    target: '<= 1.2x',
    pass: atMost(miss, 1.2),
  });
  const flood = results.flood;
  const floodMeasured = flood !== null && flood.tokensPerPhase >= flood.tokenCacheEntries;
  rows.push({
    id: 'flood-rss-flat',
    description: `RSS (after a full GC) growth from the end of the first flood phase to the end (distinct tokens, devices, IPs), percent; flat means <= ${FLOOD_GROWTH_LIMIT_PERCENT} %`,
    value: flood === null ? null : flood.growthAfterFirstPhasePercent,
    target: `<= ${FLOOD_GROWTH_LIMIT_PERCENT} %`,
    pass: floodMeasured ? atMost(flood.growthAfterFirstPhasePercent, FLOOD_GROWTH_LIMIT_PERCENT) : null,
    ...(flood !== null && !floodMeasured
      ? { note: 'a phase is smaller than the token cache: this run cannot show flatness' }
      : flood !== null
        ? {
            note: `live heap ${flood.heapGrowthAfterFirstPhasePercent >= 0 ? '+' : ''}${flood.heapGrowthAfterFirstPhasePercent} %`,
          }
        : {}),
  });
  // Only a run with a Portcullis setup probes the limits (not, say, `--only startup`).
  const shieldRan = results.setups.some((each) => each.id.startsWith('portcullis') && each.rps !== null);
  rows.push({
    id: 'limits-enforced',
    description: 'The shield answered 429 on the limit probe route (limits are part of the measured checks)',
    value: shieldRan ? (results.checks.limitEnforced ? 1 : 0) : null,
    target: 'yes',
    pass: shieldRan ? results.checks.limitEnforced : null,
  });
  // The startup setup: medians of its timed runs (p99 in its own table).
  const startup = results.startup ?? null;
  rows.push({
    id: 'startup-help-ms',
    description: '`portcullis --help` (built output), from spawn to exit, median',
    value: startup?.help.medianMs ?? null,
    target: '< 200 ms',
    pass: startup === null ? null : startup.help.medianMs < 200,
  });
  rows.push({
    id: 'startup-ready-ms',
    description:
      '`portcullis start` (built output, the config `portcullis init` writes) to listening, median',
    value: startup?.startReady.medianMs ?? null,
    target: '< 1000 ms',
    pass: startup === null ? null : startup.startReady.medianMs < 1000,
  });

  const report = (id: string, description: string, value: number | null, note?: string) =>
    rows.push({
      id,
      description,
      value,
      target: 'report',
      pass: null,
      ...(note === undefined ? {} : { note }),
    });
  report(
    'cluster-vs-nginx-cluster',
    'Portcullis on every core (workers, SQLite) rps / nginx on every core rps',
    ratio(rps('portcullis-cluster'), rps('nginx-cluster')),
  );
  report(
    'cluster-vs-nginx',
    'Portcullis on every core rps / nginx on one core rps',
    ratio(rps('portcullis-cluster'), rps('nginx')),
  );
  report(
    'cluster-vs-single',
    'Portcullis on every core rps / Portcullis on one core (SQLite) rps',
    ratio(rps('portcullis-cluster'), rps('portcullis-sqlite')),
  );
  report(
    'sqlite-vs-memory',
    'Portcullis SQLite store rps / memory store rps (the audit append cost)',
    ratio(rps('portcullis-sqlite'), rps('portcullis-memory')),
  );
  report(
    'limits-memory-vs-nolimits',
    'Limits on, memory store: Portcullis (memory store) rps / the same route without its limits rps',
    ratio(rps('portcullis-memory'), rps('portcullis-nolimits')),
  );
  report(
    'limits-redis-vs-nolimits',
    'Limits on, Redis limit store: Portcullis (Redis + PostgreSQL store) rps / memory store without limits rps',
    ratio(rps('portcullis-redis-limits'), rps('portcullis-nolimits')),
  );
  report(
    'proof-vs-token-memory',
    'Proof route / token-only route, memory replay store: proof setup rps / Portcullis (memory store) rps',
    ratio(rps('portcullis-memory-proof'), rps('portcullis-memory')),
  );
  report(
    'proof-vs-token-sqlite',
    'Proof route / token-only route, SQLite replay store: proof setup rps / Portcullis (SQLite store) rps',
    ratio(rps('portcullis-sqlite-proof'), rps('portcullis-sqlite')),
  );
  report(
    'proof-vs-token-redis',
    'Proof route / token-only route, Redis replay store: proof setup rps / Portcullis (Redis + PostgreSQL store) rps',
    ratio(rps('portcullis-redis-proof'), rps('portcullis-redis-limits')),
  );
  report(
    'stream-scanned-vs-plain',
    'Streaming a large answer: through a route that injects a secret (body scanned) rps / through a route that injects none rps',
    ratio(rps('portcullis-stream-scanned'), rps('portcullis-stream-plain')),
  );
  report(
    'stream-scanned-vs-plain-cpu',
    'The same from CPU per request: scanned route CPU µs per request / plain route CPU µs per request',
    ratio(cost('portcullis-stream-scanned'), cost('portcullis-stream-plain')),
  );
  report(
    'nginx-vs-bare-proxy',
    'nginx (one core) rps / bare Node proxy rps',
    ratio(rps('nginx'), rps('bare-proxy')),
  );
  report(
    'express-vs-bare-proxy',
    'Express stack rps / bare Node proxy rps',
    ratio(rps('express'), rps('bare-proxy')),
  );
  report(
    'bare-proxy-vs-upstream',
    'Bare Node proxy rps / upstream alone rps',
    ratio(rps('bare-proxy'), rps('upstream')),
  );
  if (results.scanner !== undefined && results.scanner !== null)
    rows.push(...scannerTargets(results.scanner));
  return rows;
}
