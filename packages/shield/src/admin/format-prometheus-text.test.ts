import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatPrometheusText } from './format-prometheus-text.js';
import { parseExposition } from './test-support/parse-exposition.js';

describe('formatPrometheusText', () => {
  test('writes HELP, TYPE and samples that a strict reader takes back unchanged', () => {
    const text = formatPrometheusText([
      {
        name: 'portcullis_requests_total',
        help: 'Requests.',
        type: 'counter',
        samples: [{ value: 3 }],
      },
      {
        name: 'portcullis_keys',
        help: 'Keys by status.',
        type: 'gauge',
        samples: [
          { labels: { status: 'active' }, value: 1 },
          { labels: { status: 'next' }, value: 0 },
        ],
      },
    ]);
    assert.equal(
      text,
      [
        '# HELP portcullis_requests_total Requests.',
        '# TYPE portcullis_requests_total counter',
        'portcullis_requests_total 3',
        '# HELP portcullis_keys Keys by status.',
        '# TYPE portcullis_keys gauge',
        'portcullis_keys{status="active"} 1',
        'portcullis_keys{status="next"} 0',
        '',
      ].join('\n'),
    );
    const parsed = parseExposition(text);
    assert.deepEqual(parsed.get('portcullis_keys')?.samples, [
      { labels: { status: 'active' }, value: 1 },
      { labels: { status: 'next' }, value: 0 },
    ]);
  });

  test('escapes backslash, double quote and line feed in label values, and backslash and line feed in help', () => {
    const tricky = 'a\\b"c\nd} e="f",g';
    const text = formatPrometheusText([
      {
        name: 'portcullis_tricky',
        help: 'Help with \\ and\na second line',
        type: 'gauge',
        samples: [{ labels: { value: tricky, other: '' }, value: 1 }],
      },
    ]);
    assert.equal(text.split('\n').length, 4, 'no raw line feed inside a line');
    assert.ok(text.includes('value="a\\\\b\\"c\\nd} e=\\"f\\",g"'));
    assert.ok(text.includes('# HELP portcullis_tricky Help with \\\\ and\\na second line'));
    const family = parseExposition(text).get('portcullis_tricky');
    assert.equal(family?.help, 'Help with \\ and\na second line');
    assert.deepEqual(family?.samples, [{ labels: { value: tricky, other: '' }, value: 1 }]);
  });

  test('spells NaN and infinities as the format wants; large and small numbers stay parseable', () => {
    const text = formatPrometheusText([
      {
        name: 'portcullis_values',
        help: 'Values.',
        type: 'gauge',
        samples: [
          { labels: { k: 'nan' }, value: Number.NaN },
          { labels: { k: 'inf' }, value: Number.POSITIVE_INFINITY },
          { labels: { k: 'ninf' }, value: Number.NEGATIVE_INFINITY },
          { labels: { k: 'big' }, value: 1e21 },
          { labels: { k: 'small' }, value: 5e-7 },
          { labels: { k: 'neg' }, value: -2.5 },
        ],
      },
    ]);
    assert.match(text, /k="nan"} NaN\n/);
    assert.match(text, /k="inf"} \+Inf\n/);
    assert.match(text, /k="ninf"} -Inf\n/);
    const values = parseExposition(text)
      .get('portcullis_values')
      ?.samples.map((s) => s.value);
    assert.deepEqual(values, [
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      1e21,
      5e-7,
      -2.5,
    ]);
  });

  test('refuses names the format cannot carry and a family given twice', () => {
    const family = (name: string, labels?: Record<string, string>) => ({
      name,
      help: 'x',
      type: 'gauge' as const,
      samples: [labels === undefined ? { value: 1 } : { labels, value: 1 }],
    });
    assert.throws(() => formatPrometheusText([family('portcullis-bad')]), TypeError);
    assert.throws(() => formatPrometheusText([family('9lives')]), TypeError);
    assert.throws(() => formatPrometheusText([family('ok', { 'bad-label': 'x' })]), TypeError);
    assert.throws(() => formatPrometheusText([family('ok', { __reserved: 'x' })]), TypeError);
    assert.throws(() => formatPrometheusText([family('twice'), family('twice')]), TypeError);
    assert.equal(formatPrometheusText([]), '');
  });

  test('writes a histogram as _bucket, _sum and _count series that the strict reader checks', () => {
    const text = formatPrometheusText([
      {
        name: 'portcullis_request_duration_seconds',
        help: 'Latency.',
        type: 'histogram',
        samples: [
          { suffix: '_bucket', labels: { route: 'a', le: '0.1' }, value: 2 },
          { suffix: '_bucket', labels: { route: 'a', le: '+Inf' }, value: 3 },
          { suffix: '_sum', labels: { route: 'a' }, value: 0.45 },
          { suffix: '_count', labels: { route: 'a' }, value: 3 },
        ],
      },
    ]);
    assert.match(text, /^portcullis_request_duration_seconds_bucket\{route="a",le="\+Inf"\} 3$/m);
    assert.match(text, /^portcullis_request_duration_seconds_count\{route="a"\} 3$/m);
    const parsed = parseExposition(text).get('portcullis_request_duration_seconds');
    assert.equal(parsed?.type, 'histogram');
    assert.equal(parsed?.samples.length, 4);
    assert.throws(
      () =>
        formatPrometheusText([
          { name: 'portcullis_x', help: 'x', type: 'gauge', samples: [{ suffix: '_sum', value: 1 }] },
        ]),
      TypeError,
    );
  });

  test('the strict reader refuses what the format does not allow (so the tests above can fail)', () => {
    const histogram = '# HELP portcullis_h h\n# TYPE portcullis_h histogram\n';
    for (const bad of [
      `${histogram}portcullis_h 1\n`,
      `${histogram}portcullis_h_bucket{le="1"} 2\nportcullis_h_bucket{le="+Inf"} 1\nportcullis_h_count 1\n`,
      `${histogram}portcullis_h_bucket{le="1"} 1\nportcullis_h_count 1\n`,
      `${histogram}portcullis_h_bucket{le="+Inf"} 2\nportcullis_h_count 3\n`,
      'portcullis_x 1\n',
      '# HELP portcullis_x x\n# TYPE portcullis_x gauge\nportcullis_x{a="b} 1\n',
      '# HELP portcullis_x x\n# TYPE portcullis_x gauge\nportcullis_x one\n',
      '# HELP portcullis_x x\n# TYPE portcullis_x gauge\nportcullis_y 1\n',
      '# HELP portcullis_x x\n# TYPE portcullis_x counter\nportcullis_x -1\n',
      '# HELP portcullis_x a \\q\n# TYPE portcullis_x gauge\n',
      '# HELP portcullis_x x\n# TYPE portcullis_x gauge\nportcullis_x 1',
    ]) {
      assert.throws(() => parseExposition(bad), Error, bad);
    }
  });
});
