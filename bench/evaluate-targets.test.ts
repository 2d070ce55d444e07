import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateTargets } from './evaluate-targets.js';
import type { BenchResults, FloodResult, SetupId, SetupResult } from './types.js';

function setup(
  id: SetupId,
  rps: number | null,
  p99Ms = 10,
  peakRssMb = 100,
  cpuUsPerRequest = 100,
): SetupResult {
  return {
    id,
    label: id,
    description: '',
    rps,
    p50Ms: rps === null ? null : 1,
    p99Ms: rps === null ? null : p99Ms,
    cpuPercent: rps === null ? null : 100,
    cpuUsPerRequest: rps === null ? null : cpuUsPerRequest,
    peakRssMb: rps === null ? null : peakRssMb,
    runs: [],
  };
}

const FLOOD: FloodResult = {
  setup: 'portcullis-memory',
  tokensPerPhase: 12000,
  invalidPerPhase: 10,
  distinctIps: 10,
  tokenCacheEntries: 10000,
  rssBeforeMb: 100,
  liveHeapBeforeMb: 30,
  rssAfterPhaseMb: [120, 124, 125],
  liveHeapAfterPhaseMb: [40, 40, 41],
  rssAfterMb: 125,
  growthAfterFirstPhasePercent: 4.2,
  heapGrowthAfterFirstPhasePercent: 2.5,
  statuses: { '200': 36000 },
  errors: 0,
};

function inputs(
  overrides: Partial<Pick<BenchResults, 'setups' | 'flood' | 'micro' | 'checks' | 'startup'>> = {},
) {
  return {
    setups: [
      setup('bare-proxy', 5000, 10, 80, 200),
      setup('express', 600, 50, 90, 1600),
      setup('portcullis-memory', 5200, 10.8, 110, 190),
      setup('portcullis-sqlite', 4000),
      setup('portcullis-cluster', 9000),
      setup('nginx', 30000),
      setup('nginx-cluster', 45000),
    ],
    flood: FLOOD,
    micro: { tokens: { bareVerifyPerSec: 20000, missPerSec: 17000, hitPerSec: 1_500_000 } },
    checks: { tokenRequired: true, secretInjected: true, limitEnforced: true },
    ...overrides,
  };
}

function row(rows: ReturnType<typeof evaluateTargets>, id: string) {
  const found = rows.find((each) => each.id === id);
  assert.ok(found !== undefined, id);
  return found;
}

test('each target is computed from the same run and judged against the issue’s numbers', () => {
  const rows = evaluateTargets(inputs());
  assert.deepEqual(
    [row(rows, 'full-checks-vs-bare-proxy').value, row(rows, 'full-checks-vs-bare-proxy').pass],
    [1.04, true],
  );
  assert.deepEqual([row(rows, 'full-checks-sqlite-vs-bare-proxy').pass], [false]);
  assert.deepEqual(
    [row(rows, 'full-checks-vs-express').value, row(rows, 'full-checks-vs-express').pass],
    [8.67, true],
  );
  assert.deepEqual([row(rows, 'p99-vs-bare-proxy').value, row(rows, 'p99-vs-bare-proxy').pass], [0.8, true]);
  assert.deepEqual(
    [row(rows, 'peak-rss-vs-bare-proxy').value, row(rows, 'peak-rss-vs-bare-proxy').pass],
    [1.38, true],
  );
  assert.deepEqual(
    [row(rows, 'token-cache-hit-vs-bare-verify').value, row(rows, 'token-cache-hit-vs-bare-verify').pass],
    [75, true],
  );
  assert.deepEqual(
    [row(rows, 'token-cache-miss-cost').value, row(rows, 'token-cache-miss-cost').pass],
    [1.18, true],
  );
  assert.deepEqual([row(rows, 'flood-rss-flat').value, row(rows, 'flood-rss-flat').pass], [4.2, true]);
  assert.equal(row(rows, 'flood-rss-flat').note, 'live heap +2.5 %');
  assert.equal(row(rows, 'peak-rss-sqlite-vs-bare-proxy').value, 1.25);
  assert.equal(row(rows, 'limits-enforced').pass, true);
  assert.equal(row(rows, 'cluster-vs-nginx-cluster').value, 0.2);
  assert.equal(row(rows, 'cluster-vs-nginx-cluster').pass, null);
  // CPU per request: bare 200 µs, Portcullis 190 µs, Express 1600 µs.
  assert.deepEqual(
    [row(rows, 'full-checks-vs-bare-proxy-cpu').value, row(rows, 'full-checks-vs-bare-proxy-cpu').pass],
    [1.05, true],
  );
  assert.deepEqual(
    [row(rows, 'full-checks-vs-express-cpu').value, row(rows, 'full-checks-vs-express-cpu').pass],
    [8.42, true],
  );
});

test('misses are reported as misses, and the missing limit premise is named', () => {
  const rows = evaluateTargets(
    inputs({
      setups: [
        setup('bare-proxy', 5000, 10, 80),
        setup('express', 1000),
        setup('portcullis-memory', 4000, 12.5, 130),
      ],
      checks: { tokenRequired: true, secretInjected: true, limitEnforced: false },
    }),
  );
  assert.equal(row(rows, 'full-checks-vs-bare-proxy').pass, false);
  assert.match(row(rows, 'full-checks-vs-bare-proxy').note ?? '', /limits were not enforced/);
  assert.equal(row(rows, 'full-checks-vs-express').pass, false);
  assert.equal(row(rows, 'p99-vs-bare-proxy').pass, false);
  assert.equal(row(rows, 'peak-rss-vs-bare-proxy').pass, false);
  assert.equal(row(rows, 'limits-enforced').pass, false);
});

test('a skipped setup leaves its targets unmeasured (null), never met', () => {
  const rows = evaluateTargets(
    inputs({ setups: [setup('bare-proxy', 5000), setup('portcullis-memory', null)] }),
  );
  assert.equal(row(rows, 'full-checks-vs-bare-proxy').value, null);
  assert.equal(row(rows, 'full-checks-vs-bare-proxy').pass, null);
  assert.equal(row(rows, 'cluster-vs-nginx').value, null);
});

test('a flood smaller than the token cache cannot show flatness', () => {
  const rows = evaluateTargets(
    inputs({ flood: { ...FLOOD, tokensPerPhase: 100, growthAfterFirstPhasePercent: 50 } }),
  );
  assert.equal(row(rows, 'flood-rss-flat').pass, null);
  const grown = evaluateTargets(inputs({ flood: { ...FLOOD, growthAfterFirstPhasePercent: 25 } }));
  assert.equal(row(grown, 'flood-rss-flat').pass, false);
});

test('limit and proof ratios compare each setup with its own baseline, and are null without it', () => {
  const rows = evaluateTargets(
    inputs({
      setups: [
        setup('portcullis-memory', 4000),
        setup('portcullis-sqlite', 2000),
        setup('portcullis-nolimits', 5000),
        setup('portcullis-redis-limits', 2500),
        setup('portcullis-memory-proof', 1000),
        setup('portcullis-sqlite-proof', 1500),
        setup('portcullis-redis-proof', null),
      ],
    }),
  );
  const value = (id: string) => rows.find((row) => row.id === id);
  assert.equal(value('limits-memory-vs-nolimits')?.value, 0.8);
  assert.equal(value('limits-redis-vs-nolimits')?.value, 0.5);
  assert.equal(value('proof-vs-token-memory')?.value, 0.25);
  assert.equal(value('proof-vs-token-sqlite')?.value, 0.75);
  assert.equal(value('proof-vs-token-redis')?.value, null);
  for (const id of ['limits-memory-vs-nolimits', 'proof-vs-token-redis']) {
    assert.equal(value(id)?.target, 'report');
    assert.equal(value(id)?.pass, null);
  }
});

test('startup: --help under 200 ms and start under 1 s (medians); not measured without the setup', () => {
  const timing = (medianMs: number) => ({
    medianMs,
    p99Ms: medianMs * 2,
    minMs: medianMs / 2,
    maxMs: medianMs * 2,
  });
  const met = evaluateTargets(
    inputs({ startup: { command: 'portcullis', runs: 5, help: timing(120), startReady: timing(600) } }),
  );
  assert.deepEqual([row(met, 'startup-help-ms').value, row(met, 'startup-help-ms').pass], [120, true]);
  assert.deepEqual([row(met, 'startup-ready-ms').value, row(met, 'startup-ready-ms').pass], [600, true]);
  const missed = evaluateTargets(
    inputs({ startup: { command: 'portcullis', runs: 5, help: timing(200), startReady: timing(1400) } }),
  );
  assert.equal(row(missed, 'startup-help-ms').pass, false);
  assert.equal(row(missed, 'startup-ready-ms').pass, false);
  const absent = evaluateTargets(inputs());
  assert.deepEqual([row(absent, 'startup-help-ms').value, row(absent, 'startup-help-ms').pass], [null, null]);
});

test('a run without a Portcullis setup (--only startup) does not judge the limit probe', () => {
  const rows = evaluateTargets(
    inputs({ setups: [], checks: { tokenRequired: false, secretInjected: false, limitEnforced: false } }),
  );
  assert.deepEqual([row(rows, 'limits-enforced').value, row(rows, 'limits-enforced').pass], [null, null]);
});
